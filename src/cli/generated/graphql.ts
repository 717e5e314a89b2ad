/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** How speakers are told apart. AUTO: CHANNELS when the two channels carry different voices (a call recording), else SPEAKER_LABELING on a mono mix. */
export type Diarization =
  /** CHANNELS when a stereo file carries one voice per channel, else SPEAKER_LABELING (or NONE when the engine cannot label speakers). */
  | 'AUTO'
  /** Each channel of a stereo recording is one speaker (call-centre recordings); refused for mono files. */
  | 'CHANNELS'
  /** One speaker for the whole recording. */
  | 'NONE'
  /** The engine tells voices apart in a mono mix (only engines whose `Engine.diarization` lists it). */
  | 'SPEAKER_LABELING';

/** Export formats. Text formats come from Transcript.export; every format downloads from Transcript.exportUrl. */
export type ExportFormat =
  /** Word document: title, details table, speaker turns with coloured names and times, page numbers. Binary: download it through exportUrl. */
  | 'DOCX'
  /** Every segment with its words and times, versioned shape (schemaVersion 1). */
  | 'JSON'
  /** SubRip subtitles (HH:MM:SS,mmm), speaker names as "Name: " prefixes. */
  | 'SRT'
  /** Tab-separated rows (start, end, speaker, text) for spreadsheets. */
  | 'TSV'
  /** Readable text: headers, then [HH:MM:SS] Speaker: text per turn. */
  | 'TXT'
  /** WebVTT subtitles (HH:MM:SS.mmm), speakers as <v Name> voice tags. */
  | 'VTT';

/** How an export is written; omitted fields take their defaults. */
export type ExportOptionsInput = {
  /** Mark each turn's language (kk-KZ, ru-RU); default false. */
  languageTags?: boolean | null | undefined;
  /** Language of headers, default speaker labels and dates: "kk", "ru", "en"; default "kk". Renamed speakers keep their names. */
  locale?: string | null | undefined;
  /** SRT/VTT: longest a cue stays on screen in seconds (1–30); default 7. */
  maxCueSeconds?: number | null | undefined;
  /** SRT/VTT: most characters per line, two lines per cue (16–120); default 42. */
  maxLineChars?: number | null | undefined;
  /** TXT/DOCX: one paragraph per speaker turn (consecutive segments of a speaker in one language); false: one per segment. Default true. */
  mergeTurns?: boolean | null | undefined;
  /** Script of the kk-KZ segments (Russian stays Cyrillic); default ORIGINAL. */
  script?: Script | null | undefined;
  /** Show speaker names; default true. */
  speakers?: boolean | null | undefined;
  /** TXT/DOCX: show [HH:MM:SS] per turn (TSV: start/end columns); default true. */
  timestamps?: boolean | null | undefined;
};

/** Why a job ended FAILED (`Job.errorCode`). */
export type JobErrorCode =
  /** The audio does not fit the engine's request limit (SpeechKit: 60 MB body; a piece a Whisper server refused that cannot be split). */
  | 'AUDIO_TOO_LARGE'
  /** The audio exceeds the engine's longest recording (SpeechKit: 4 h counted across channels). Split the recording. */
  | 'AUDIO_TOO_LONG'
  /** Anything unexpected; the service log has the details. */
  | 'INTERNAL'
  /** The upload disappeared from storage before processing. */
  | 'SOURCE_MISSING'
  /** The file store (local directory or S3-compatible object storage) stayed unreachable beyond its retry budget while the job ran. Upload again later. */
  | 'STORAGE_UNAVAILABLE'
  /** The engine rejected the service's credentials (401/403), or SpeechKit's IAM token exchange failed: an operator must fix the engine configuration. */
  | 'STT_AUTH_FAILED'
  /** The engine rejected the request as invalid (400 and other 4xx). */
  | 'STT_BAD_REQUEST'
  /** The recognition operation finished with an error on the engine side. */
  | 'STT_OPERATION_FAILED'
  /** The engine's result could not be parsed. */
  | 'STT_RESULT_MALFORMED'
  /** The engine stayed unavailable (429, 5xx, timeouts) beyond the retry budget. Upload again later. */
  | 'STT_UNAVAILABLE'
  /** ffmpeg could not decode or encode the audio (a damaged or unsupported file). Check that the file plays, or convert it to WAV or FLAC and upload it again. */
  | 'TRANSCODE_FAILED'
  /** The worker processing the job died (killed, out of memory, crashed) on every one of its attempts (MAX_ATTEMPTS): a poison job. Other jobs are not affected. */
  | 'WORKER_CRASHED';

/** Lifecycle of a job: QUEUED → TRANSCODING → TRANSCRIBING → COMPLETED, or FAILED / CANCELLED on the way; any finished job becomes EXPIRED when its retention ends. COMPLETED, FAILED, CANCELLED and EXPIRED are final (only EXPIRED follows them). */
export type JobStatus =
  /** Final: cancelled by `cancelJob` before it finished. */
  | 'CANCELLED'
  /** Final: the transcript is ready (`Job.transcript`). */
  | 'COMPLETED'
  /** Final: the retention period ended; the recording and transcript are deleted. */
  | 'EXPIRED'
  /** Final: processing stopped; `Job.errorCode` says why. */
  | 'FAILED'
  /** Stored and checked; waiting for a worker. */
  | 'QUEUED'
  /** A worker is converting the audio for the engine (ffmpeg). */
  | 'TRANSCODING'
  /** The speech engine is recognising the audio. */
  | 'TRANSCRIBING';

/** Script of the Kazakh (kk-KZ) segments of an export; Russian stays in Cyrillic. */
export type Script =
  /** Kazakh segments in the BGN/PCGN 1979 romanisation (Zh, Sh, Gh, Ng, …) for international readers; Russian segments stay in Cyrillic. */
  | 'BGN_PCGN'
  /** Kazakh segments in the 31-letter Latin alphabet presented in January 2021 (Ä Ğ İ I Ñ Ö Q Ş Ū Ü …); Russian segments stay in Cyrillic. */
  | 'KAZAKH_LATIN_2021'
  /** As recognised (Kazakh and Russian in Cyrillic). */
  | 'ORIGINAL';

/** Transcription options; omitted fields take defaults. */
export type TranscriptionOptionsInput = {
  /** Default AUTO. */
  diarization?: Diarization | null | undefined;
  /** The speech engine to use (`Engine.id` from `serviceInfo.engines`, e.g. "speechkit", "openai", "demo"); default `serviceInfo.defaultEngine`. An engine that is not enabled here is refused with BAD_USER_INPUT (reason UNKNOWN_ENGINE). */
  engine?: string | null | undefined;
  /** BCP-47 tags, default ["kk-KZ","ru-RU"]; ["auto"] lets the engine choose. */
  languages?: Array<string> | null | undefined;
  /** Mask profanity; default false. */
  profanityFilter?: boolean | null | undefined;
  /** Default true: when you uploaded the same recording (same bytes, SHA-256) with the same options and engine before, and that job is COMPLETED and not expired, the new job is COMPLETED at once with a copy of its transcript (`Job.reusedFromJobId`), without calling the engine or billing. Only your own jobs are considered. False: transcribe it again. */
  reuse?: boolean | null | undefined;
  /** Numbers, dates and punctuation in written form; default true. */
  textNormalization?: boolean | null | undefined;
};

/** How `usage` rows are grouped in time (UTC, by upload time). */
export type UsageGroupBy =
  /** One row per UTC calendar day (`period` "YYYY-MM-DD"). */
  | 'DAY'
  /** One row per UTC calendar month (`period` "YYYY-MM"). */
  | 'MONTH';

/** Events a webhook endpoint can subscribe to; the payload `type` is the name given with each value. */
export type WebhookEventType =
  /** `job.cancelled`: the job was cancelled (cancelJob). */
  | 'JOB_CANCELLED'
  /** `job.completed`: the transcript is ready (fetch it with your key). */
  | 'JOB_COMPLETED'
  /** `job.expired`: retention ended; files and transcript are deleted. */
  | 'JOB_EXPIRED'
  /** `job.failed`: the job ended FAILED; `data.errorCode` says why. */
  | 'JOB_FAILED'
  /** `transcript.edited`: a workbench change made a new revision (`data.revision`). */
  | 'TRANSCRIPT_EDITED';

export type CliJobFieldsFragment = { id: string, filename: string, status: JobStatus, progress: number, sizeBytes: number, durationSeconds: number | null, channels: number | null, engine: string, createdAt: string, completedAt: string | null, expiresAt: string, errorCode: JobErrorCode | null, errorMessage: string | null, estimatedCompletionAt: string | null, reusedFromJobId: string | null };

export type CliUploadAudioMutationVariables = Exact<{
  file: null;
  options?: TranscriptionOptionsInput | null | undefined;
}>;


export type CliUploadAudioMutation = { uploadAudio: { id: string, filename: string, status: JobStatus, progress: number, sizeBytes: number, durationSeconds: number | null, channels: number | null, engine: string, createdAt: string, completedAt: string | null, expiresAt: string, errorCode: JobErrorCode | null, errorMessage: string | null, estimatedCompletionAt: string | null, reusedFromJobId: string | null } };

export type CliJobProgressSubscriptionVariables = Exact<{
  id: string;
}>;


export type CliJobProgressSubscription = { jobProgress: { jobId: string, status: JobStatus, progress: number, message: string | null, estimatedCompletionAt: string | null, job: { id: string, status: JobStatus, errorCode: JobErrorCode | null, errorMessage: string | null } } };

export type CliJobsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: JobStatus | null | undefined;
}>;


export type CliJobsQuery = { jobs: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, filename: string, status: JobStatus, progress: number, sizeBytes: number, durationSeconds: number | null, channels: number | null, engine: string, createdAt: string, completedAt: string | null, expiresAt: string, errorCode: JobErrorCode | null, errorMessage: string | null, estimatedCompletionAt: string | null, reusedFromJobId: string | null } }> } };

export type CliShowJobQueryVariables = Exact<{
  id: string;
}>;


export type CliShowJobQuery = { job: { format: string | null, sampleRate: number | null, diarizationApplied: Diarization | null, startedAt: string | null, id: string, filename: string, status: JobStatus, progress: number, sizeBytes: number, durationSeconds: number | null, channels: number | null, engine: string, createdAt: string, completedAt: string | null, expiresAt: string, errorCode: JobErrorCode | null, errorMessage: string | null, estimatedCompletionAt: string | null, reusedFromJobId: string | null, transcript: { id: string, version: number, languages: Array<string>, segmentCount: number, speakers: Array<{ id: string, label: string, tag: string, segmentCount: number, speakingSeconds: number }> } | null } | null };

export type CliExportUrlQueryVariables = Exact<{
  id: string;
  format: ExportFormat;
  options?: ExportOptionsInput | null | undefined;
}>;


export type CliExportUrlQuery = { job: { id: string, status: JobStatus, transcript: { id: string, exportUrl: string } | null } | null };

export type CliCancelJobMutationVariables = Exact<{
  id: string;
}>;


export type CliCancelJobMutation = { cancelJob: { id: string, filename: string, status: JobStatus, progress: number, sizeBytes: number, durationSeconds: number | null, channels: number | null, engine: string, createdAt: string, completedAt: string | null, expiresAt: string, errorCode: JobErrorCode | null, errorMessage: string | null, estimatedCompletionAt: string | null, reusedFromJobId: string | null } };

export type CliDeleteJobMutationVariables = Exact<{
  id: string;
}>;


export type CliDeleteJobMutation = { deleteJob: boolean };

export type CliUsageQueryVariables = Exact<{
  from: string;
  to: string;
  groupBy: UsageGroupBy;
}>;


export type CliUsageQuery = { usage: Array<{ period: string, engine: string, tenantId: string, audioSecondsUploaded: number, audioSecondsBilled: number, engineRequests: number, pricePerMinute: number | null, currency: string | null, estimatedCost: number | null, jobs: { total: number, completed: number, failed: number, cancelled: number, expired: number, reused: number, unfinished: number }, errors: Array<{ code: string, jobs: number }> }> };

export type CliEndpointFieldsFragment = { id: string, url: string, description: string | null, events: Array<WebhookEventType>, enabled: boolean, disabledReason: string | null, createdAt: string, updatedAt: string, previousSecretExpiresAt: string | null };

export type CliWebhooksQueryVariables = Exact<{ [key: string]: never; }>;


export type CliWebhooksQuery = { webhookEndpoints: Array<{ id: string, url: string, description: string | null, events: Array<WebhookEventType>, enabled: boolean, disabledReason: string | null, createdAt: string, updatedAt: string, previousSecretExpiresAt: string | null }> };

export type CliCreateWebhookMutationVariables = Exact<{
  url: string;
  events?: Array<WebhookEventType> | WebhookEventType | null | undefined;
  description?: string | null | undefined;
}>;


export type CliCreateWebhookMutation = { createWebhookEndpoint: { secret: string, endpoint: { id: string, url: string, description: string | null, events: Array<WebhookEventType>, enabled: boolean, disabledReason: string | null, createdAt: string, updatedAt: string, previousSecretExpiresAt: string | null } } };

export type CliDeleteWebhookMutationVariables = Exact<{
  id: string;
}>;


export type CliDeleteWebhookMutation = { deleteWebhookEndpoint: boolean };

export type CliRotateWebhookMutationVariables = Exact<{
  id: string;
}>;


export type CliRotateWebhookMutation = { rotateWebhookSecret: { secret: string, endpoint: { id: string, url: string, description: string | null, events: Array<WebhookEventType>, enabled: boolean, disabledReason: string | null, createdAt: string, updatedAt: string, previousSecretExpiresAt: string | null } } };
