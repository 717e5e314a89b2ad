/**
 * Domain enums shared by the database, GraphQL and the pipeline.
 */

/** Lifecycle of a transcription job. Terminal: COMPLETED, FAILED, CANCELLED, EXPIRED. */
export enum JobStatus {
  QUEUED = 'QUEUED',
  TRANSCODING = 'TRANSCODING',
  TRANSCRIBING = 'TRANSCRIBING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
  EXPIRED = 'EXPIRED',
}

/** Statuses after which a job never changes again (apart from becoming EXPIRED). */
export const TERMINAL_STATUSES: readonly JobStatus[] = [
  JobStatus.COMPLETED,
  JobStatus.FAILED,
  JobStatus.CANCELLED,
  JobStatus.EXPIRED,
];

/** True when the job will not be processed any further. */
export const isTerminal = (s: JobStatus): boolean => TERMINAL_STATUSES.includes(s);

/**
 * How speakers are told apart.
 * - AUTO: CHANNELS when a stereo file's two channels carry different voices (a call recording),
 *   else SPEAKER_LABELING on a mono mix.
 * - SPEAKER_LABELING: the engine labels speakers in a mono mix (only engines that declare it).
 * - CHANNELS: each stereo channel is one speaker.
 * - NONE: one speaker.
 */
export enum Diarization {
  AUTO = 'AUTO',
  NONE = 'NONE',
  SPEAKER_LABELING = 'SPEAKER_LABELING',
  CHANNELS = 'CHANNELS',
}

/** Transcription options as stored on the job (defaults already applied). */
export interface JobOptions {
  /** BCP-47 tags (`kk-KZ`, `ru-RU`) or `["auto"]`. */
  languages: string[];
  diarization: Diarization;
  profanityFilter: boolean;
  textNormalization: boolean;
}

/**
 * Languages an upload may ask for (the widest engine's list: SpeechKit v3, "Languages and
 * models"); each engine declares which of them it recognises (`Engine.languages`).
 */
export const SUPPORTED_LANGUAGES = [
  'kk-KZ',
  'ru-RU',
  'en-US',
  'de-DE',
  'es-ES',
  'fi-FI',
  'fr-FR',
  'he-HE',
  'it-IT',
  'nl-NL',
  'pl-PL',
  'pt-PT',
  'pt-BR',
  'sv-SE',
  'tr-TR',
  'uz-UZ',
] as const;

/** Default recognition languages: Kazakh and Russian, detected per utterance. */
export const DEFAULT_LANGUAGES = ['kk-KZ', 'ru-RU'];

/** The single tenant every row belongs to until API keys arrive. */
export const DEFAULT_TENANT_ID = 'default';
