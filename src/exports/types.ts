/**
 * Input model of the transcript exporters. The caller (the download route / GraphQL resolver)
 * maps database rows into an {@link ExportDocument}; everything in `src/exports` is pure: no I/O,
 * no clock, no database, so the same document always renders to the same bytes.
 */

/** The export formats offered to users. */
export type ExportFormat = 'TXT' | 'SRT' | 'VTT' | 'JSON';

/** Every {@link ExportFormat}, in the order a UI should offer them. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['TXT', 'SRT', 'VTT', 'JSON'];

/** One recognised word. Times in seconds from the start of the audio. */
export interface ExportWord {
  text: string;
  start: number;
  end: number;
}

/** One utterance of one speaker. Times in seconds from the start of the audio. */
export interface ExportSegment {
  /** 0-based position in time order. */
  index: number;
  /** Engine tag of the speaker ("0", "1"); joins {@link ExportSpeaker.tag}. */
  speakerTag: string;
  /** Display name of the speaker ("Speaker 1" until renamed). */
  speakerLabel: string;
  start: number;
  end: number;
  text: string;
  /** BCP-47 tag when the engine reported one. */
  language: string | null;
  /** Word timings, in order; may be empty. Used to split long subtitle cues at word boundaries. */
  words: ExportWord[];
}

/** A speaker of the transcript with its totals. */
export interface ExportSpeaker {
  tag: string;
  /** Display name ("Speaker 1" until renamed). */
  label: string;
  speakingSeconds: number;
  segmentCount: number;
}

/** Everything an export needs about one finished job. */
export interface ExportDocument {
  jobId: string;
  /** Original upload filename, e.g. `интервью.mp3`. */
  filename: string;
  durationSeconds: number | null;
  /** BCP-47 tags of the languages heard, e.g. `["kk-KZ", "ru-RU"]`. */
  languages: string[];
  speakers: ExportSpeaker[];
  segments: ExportSegment[];
  createdAt: Date;
  completedAt: Date | null;
}
