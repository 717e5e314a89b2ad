export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar. */
  DateTime: { input: string; output: string; }
  /** The `Upload` scalar type represents a file upload. */
  Upload: { input: File; output: File; }
};

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

/** A speech engine enabled on this server. Pass its id as `TranscriptionOptionsInput.engine`. */
export type Engine = {
  /** True for the bundled demo engine: its transcripts are placeholders, not recognition. Clients show a banner saying so. */
  demo: Scalars['Boolean']['output'];
  /** Diarization modes it can deliver (AUTO resolves among these). SPEAKER_LABELING only where the engine labels speakers itself. */
  diarization: Array<Diarization>;
  /** Stable id: "speechkit", "openai" or "demo". */
  id: Scalars['ID']['output'];
  /** BCP-47 tags this engine recognises. */
  languages: Array<Scalars['String']['output']>;
  /** Longest recording in seconds as the engine counts it (across channels where it counts them); null when only the server limit applies. Long recordings are split into pieces for engines with a per-request limit. */
  maxAudioSeconds: Maybe<Scalars['Int']['output']>;
  /** Name to show, e.g. "SpeechKit", "Whisper (OpenAI-compatible)". */
  name: Scalars['String']['output'];
  /** Whether segments come with word timings. */
  wordTimestamps: Scalars['Boolean']['output'];
};

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

/** An export format this server writes. */
export type ExportFormatInfo = {
  /** True when only downloadable (exportUrl), not returned by export. */
  binary: Scalars['Boolean']['output'];
  /** What the format is for. */
  description: Scalars['String']['output'];
  /** File extension without the dot; also its name in download URLs. */
  extension: Scalars['String']['output'];
  /** The format. */
  format: ExportFormat;
  /** HTTP Content-Type of the download. */
  mimeType: Scalars['String']['output'];
};

/** How an export is written; omitted fields take their defaults. */
export type ExportOptionsInput = {
  /** Mark each turn's language (kk-KZ, ru-RU); default false. */
  languageTags?: InputMaybe<Scalars['Boolean']['input']>;
  /** Language of headers, default speaker labels and dates: "kk", "ru", "en"; default "kk". Renamed speakers keep their names. */
  locale?: InputMaybe<Scalars['String']['input']>;
  /** SRT/VTT: longest a cue stays on screen in seconds (1–30); default 7. */
  maxCueSeconds?: InputMaybe<Scalars['Float']['input']>;
  /** SRT/VTT: most characters per line, two lines per cue (16–120); default 42. */
  maxLineChars?: InputMaybe<Scalars['Int']['input']>;
  /** TXT/DOCX: one paragraph per speaker turn (consecutive segments of a speaker in one language); false: one per segment. Default true. */
  mergeTurns?: InputMaybe<Scalars['Boolean']['input']>;
  /** Script of the kk-KZ segments (Russian stays Cyrillic); default ORIGINAL. */
  script?: InputMaybe<Script>;
  /** Show speaker names; default true. */
  speakers?: InputMaybe<Scalars['Boolean']['input']>;
  /** TXT/DOCX: show [HH:MM:SS] per turn (TSV: start/end columns); default true. */
  timestamps?: InputMaybe<Scalars['Boolean']['input']>;
};

/** A script the Kazakh segments of an export can be written in. */
export type ExportScriptInfo = {
  /** What it is. */
  description: Scalars['String']['output'];
  /** What file names carry (`-latn`); empty for ORIGINAL. */
  fileSuffix: Scalars['String']['output'];
  /** Its value in download URLs (`?script=kazakh-latin-2021`). */
  param: Scalars['String']['output'];
  /** The script. */
  script: Script;
};

/** An uploaded recording and its transcription progress. */
export type Job = Node & {
  /** Once COMPLETED: a link to the recognised audio (OGG/Opus, HTTP Range supported) for an <audio> element. It carries a signed token (valid 6 h, bound to this job and your API key), so it works without an Authorization header; fetch the job again for a fresh link. */
  audioUrl: Maybe<Scalars['String']['output']>;
  /** Audio channels in the upload, from ffprobe. */
  channels: Maybe<Scalars['Int']['output']>;
  /** When the job reached COMPLETED, FAILED or CANCELLED; null before. */
  completedAt: Maybe<Scalars['DateTime']['output']>;
  /** When the upload was accepted (ISO 8601, UTC). */
  createdAt: Scalars['DateTime']['output'];
  /** Diarization actually applied (AUTO resolved). */
  diarizationApplied: Maybe<Diarization>;
  /** Duration in seconds, from ffprobe. */
  durationSeconds: Maybe<Scalars['Float']['output']>;
  /** The speech engine that transcribes this job (`Engine.id`). */
  engine: Scalars['ID']['output'];
  /** Why the job FAILED (see the enum for each meaning); null in every other status. */
  errorCode: Maybe<JobErrorCode>;
  /** What went wrong and what to do, for people (English); null unless the job FAILED. */
  errorMessage: Maybe<Scalars['String']['output']>;
  /** When the job is expected to be COMPLETED: from its place in the queue, the workers’ concurrency and the throughput measured on recent jobs of its engine, per stage (audio seconds per second). Refreshed at every progress event; null once the job has ended, and when there is nothing to go on yet (no recent job of this engine, no worker running). */
  estimatedCompletionAt: Maybe<Scalars['DateTime']['output']>;
  /** When the recording and transcript are deleted. */
  expiresAt: Scalars['DateTime']['output'];
  /** Original file name, display text only. */
  filename: Scalars['String']['output'];
  /** Container format name, from ffprobe. */
  format: Maybe<Scalars['String']['output']>;
  /** Globally unique id (a UUID): `node(id:)` returns this object again; for a job the same value is taken by `job(id:)` and the REST routes. */
  id: Scalars['ID']['output'];
  /** Percent done, 0..100; never decreases. */
  progress: Scalars['Int']['output'];
  /** Set when this job was answered at once with a copy of the transcript of an earlier COMPLETED job of yours with the same recording (same SHA-256) and options: that job's id. No engine was called and nothing was billed. The copy is independent: editing one never changes the other. Send `options.reuse: false` to have a recording transcribed again. */
  reusedFromJobId: Maybe<Scalars['ID']['output']>;
  /** Sample rate of the upload in Hz. */
  sampleRate: Maybe<Scalars['Int']['output']>;
  /** Size of the upload in bytes. */
  sizeBytes: Scalars['Float']['output'];
  /** When a worker first started on the job; null while QUEUED. */
  startedAt: Maybe<Scalars['DateTime']['output']>;
  /** Where the job is in its lifecycle; COMPLETED, FAILED, CANCELLED and EXPIRED are final. */
  status: JobStatus;
  /** Set once COMPLETED. */
  transcript: Maybe<Transcript>;
};

/** Jobs, newest first (Relay cursor connection). */
export type JobConnection = {
  /** The jobs of this page, newest first. */
  edges: Array<JobEdge>;
  /** Cursors to continue from. */
  pageInfo: PageInfo;
  /** Jobs matching the filter in all pages. */
  totalCount: Scalars['Int']['output'];
};

/** A job in a page of jobs, with its cursor. */
export type JobEdge = {
  /** Opaque cursor of this job: pass it as `after` to continue after it. */
  cursor: Scalars['String']['output'];
  /** The job. */
  node: Job;
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

/** A progress update; the first one is the current state. */
export type JobProgressEvent = {
  /** When the job is expected to be COMPLETED, as estimated at this event (see `Job.estimatedCompletionAt`); null once it has ended or when there is nothing to go on. */
  estimatedCompletionAt: Maybe<Scalars['DateTime']['output']>;
  /** The job as it is now. */
  job: Job;
  /** The job this event is about. */
  jobId: Scalars['ID']['output'];
  /** What is happening, for people (English), e.g. "Transcoding audio", "Transcript ready". */
  message: Maybe<Scalars['String']['output']>;
  /** Percent done, 0..100; never decreases within a status. */
  progress: Scalars['Int']['output'];
  /** Status now; after a final status (COMPLETED, FAILED, CANCELLED) the stream ends. */
  status: JobStatus;
};

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

/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type Mutation = {
  /** Stops an unfinished job and removes its files. */
  cancelJob: Job;
  /** Registers a URL to receive signed webhooks. Returns the signing secret once. Errors: BAD_USER_INPUT with reason WEBHOOK_URL_INVALID, WEBHOOK_URL_NOT_HTTPS, WEBHOOK_ADDRESS_REFUSED (a non-public IP), NO_EVENTS, DESCRIPTION_TOO_LONG, TOO_MANY_ENDPOINTS. */
  createWebhookEndpoint: WebhookEndpointWithSecret;
  /** Deletes a job, its transcript and its files at once. */
  deleteJob: Scalars['Boolean']['output'];
  /** Deletes a segment with its words; returns the transcript after it. */
  deleteSegment: Transcript;
  /** Deletes an endpoint and its delivery log. Errors: NOT_FOUND. */
  deleteWebhookEndpoint: Scalars['Boolean']['output'];
  /** Changes a segment's text, speaker and/or times (seconds). Words that still match keep their times; new words get times inside the segment. Empty text is refused (use deleteSegment or mergeSegments); so are end before start, a speaker of another transcript and overlapping the same speaker's neighbours. An edit that changes nothing makes no revision. */
  editSegment: Segment;
  /** Merges adjacent segments (consecutive positions) of one transcript into the first one: texts joined, every word kept, the first segment's speaker. */
  mergeSegments: Segment;
  /** Sends an event again, with the same webhook-id, to one endpoint or to every enabled endpoint subscribed to its type; returns the deliveries, due now. Errors: NOT_FOUND, BAD_USER_INPUT (ENDPOINT_DISABLED, EVENT_NOT_SUBSCRIBED). */
  redeliverWebhook: Array<WebhookDelivery>;
  /** Renames a speaker; exports use the new name at once. With expectedVersion, a rename made by someone else since then is answered CONFLICT instead of being overwritten. Each rename is a revision of the transcript (revertTranscript restores the old name) and a transcriptChanged event. */
  renameSpeaker: Speaker;
  /** Replaces every match of `find` in the transcript in one revision (case-insensitive by default, Kazakh letters included). No match: no revision, replacements 0. Preview the count with Transcript.matchCount. */
  replaceInTranscript: ReplaceResult;
  /** Restores the transcript exactly as it was at revision `toRevision` (text, speakers, boundaries, word timings) as a new revision, so nothing is lost: undo is a revert to the previous revision, redo a revert of the revert. */
  revertTranscript: Transcript;
  /** Gives the endpoint a new secret, returned once. For 24 h every delivery carries a signature with the old secret too, so your receiver can switch without missing one. Errors: NOT_FOUND. */
  rotateWebhookSecret: WebhookEndpointWithSecret;
  /** Splits a segment in two at the word boundary nearest to `at`; returns both halves in time order (the original segment is removed). */
  splitSegment: Array<Segment>;
  /** Changes the arguments given. enabled: true re-enables an endpoint disabled by a 410; past events are not resent (redeliverWebhook). Errors: NOT_FOUND, and those of createWebhookEndpoint. */
  updateWebhookEndpoint: WebhookEndpoint;
  /** Uploads a recording (GraphQL multipart request; send the Apollo-Require-Preflight header) and queues it. */
  uploadAudio: Job;
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationCancelJobArgs = {
  id: Scalars['ID']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationCreateWebhookEndpointArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  events?: InputMaybe<Array<WebhookEventType>>;
  url: Scalars['String']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationDeleteJobArgs = {
  id: Scalars['ID']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationDeleteSegmentArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationDeleteWebhookEndpointArgs = {
  id: Scalars['ID']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationEditSegmentArgs = {
  end?: InputMaybe<Scalars['Float']['input']>;
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  speakerId?: InputMaybe<Scalars['ID']['input']>;
  start?: InputMaybe<Scalars['Float']['input']>;
  text?: InputMaybe<Scalars['String']['input']>;
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationMergeSegmentsArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  ids: Array<Scalars['ID']['input']>;
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationRedeliverWebhookArgs = {
  endpointId?: InputMaybe<Scalars['ID']['input']>;
  eventId: Scalars['ID']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationRenameSpeakerArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
  label: Scalars['String']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationReplaceInTranscriptArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  find: Scalars['String']['input'];
  matchCase?: InputMaybe<Scalars['Boolean']['input']>;
  replace: Scalars['String']['input'];
  transcriptId: Scalars['ID']['input'];
  wholeWord?: InputMaybe<Scalars['Boolean']['input']>;
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationRevertTranscriptArgs = {
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  toRevision: Scalars['Int']['input'];
  transcriptId: Scalars['ID']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationRotateWebhookSecretArgs = {
  id: Scalars['ID']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationSplitSegmentArgs = {
  at: Scalars['Float']['input'];
  expectedVersion?: InputMaybe<Scalars['Int']['input']>;
  id: Scalars['ID']['input'];
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationUpdateWebhookEndpointArgs = {
  description?: InputMaybe<Scalars['String']['input']>;
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  events?: InputMaybe<Array<WebhookEventType>>;
  id: Scalars['ID']['input'];
  url?: InputMaybe<Scalars['String']['input']>;
};


/** Changes: uploads (GraphQL multipart request with the Apollo-Require-Preflight header), cancelling and deleting jobs, transcript corrections and speaker renames. Over HTTP POST only. */
export type MutationUploadAudioArgs = {
  file: Scalars['Upload']['input'];
  options?: InputMaybe<TranscriptionOptionsInput>;
};

/** An object with a globally unique id (Relay Global Object Identification): fetch any of them again with `node(id:)`. Ids are UUIDs, unique across all types. */
export type Node = {
  /** Globally unique id (a UUID): `node(id:)` returns this object again; for a job the same value is taken by `job(id:)` and the REST routes. */
  id: Scalars['ID']['output'];
};

/** Where a page sits in the whole list (Relay cursor connections). */
export type PageInfo = {
  /** Cursor of the last job, for the next page; null if empty. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** True when more jobs follow `endCursor`. */
  hasNextPage: Scalars['Boolean']['output'];
  /** True when this page was asked for with `after` (jobs precede it). */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** Cursor of the first job; null if empty. */
  startCursor: Maybe<Scalars['String']['output']>;
};

/** Reads: jobs, transcripts (through `job`), search, service limits. Over HTTP POST; send `Authorization: Bearer <API key>` when the server requires keys. */
export type Query = {
  /** A job by id, or null if there is none. */
  job: Maybe<Job>;
  /** Jobs newest first. first: 1..100 (default 20). */
  jobs: JobConnection;
  /** Any job, transcript, speaker or segment of yours by its id (Relay Global Object Identification), or null when the id names nothing you can see. */
  node: Maybe<Node>;
  /** Finds segments of your transcripts containing every word of `query`, best match first: ranked by relevance (more of the words in a shorter segment first) among the 1,000 newest matching segments, then among the next 1,000, and so on, so a page costs the same however many segments match. Case does not matter (Kazakh letters included), ё matches е, Latin look-alikes i ə ɵ match і ә ө, and a word matches the beginning of longer words (Алмат finds Алматы); on PostgreSQL Russian segments also match other forms of a word, and words of 3+ letters match inside longer words. Characters other than letters and digits only separate words. */
  searchTranscripts: SearchHitConnection;
  /** Upload limits, accepted formats and languages of this server. */
  serviceInfo: ServiceInfo;
  /** Your usage and its estimated cost, per engine and per UTC day or month of upload, for uploads in [from, to): jobs by outcome, audio uploaded, audio billed by each engine’s own rule, requests, errors. At most 400 days per call; BAD_USER_INPUT (reason INVALID_RANGE) otherwise. Periods without uploads are left out. */
  usage: Array<UsageRow>;
  /** One of your webhook endpoints, or null if there is none with this id. */
  webhookEndpoint: Maybe<WebhookEndpoint>;
  /** Your webhook endpoints, oldest first. */
  webhookEndpoints: Array<WebhookEndpoint>;
};


/** Reads: jobs, transcripts (through `job`), search, service limits. Over HTTP POST; send `Authorization: Bearer <API key>` when the server requires keys. */
export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


/** Reads: jobs, transcripts (through `job`), search, service limits. Over HTTP POST; send `Authorization: Bearer <API key>` when the server requires keys. */
export type QueryJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<JobStatus>;
};


/** Reads: jobs, transcripts (through `job`), search, service limits. Over HTTP POST; send `Authorization: Bearer <API key>` when the server requires keys. */
export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


/** Reads: jobs, transcripts (through `job`), search, service limits. Over HTTP POST; send `Authorization: Bearer <API key>` when the server requires keys. */
export type QuerySearchTranscriptsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  language?: InputMaybe<Scalars['String']['input']>;
  query: Scalars['String']['input'];
};


/** Reads: jobs, transcripts (through `job`), search, service limits. Over HTTP POST; send `Authorization: Bearer <API key>` when the server requires keys. */
export type QueryUsageArgs = {
  from: Scalars['DateTime']['input'];
  groupBy?: UsageGroupBy;
  to: Scalars['DateTime']['input'];
};


/** Reads: jobs, transcripts (through `job`), search, service limits. Over HTTP POST; send `Authorization: Bearer <API key>` when the server requires keys. */
export type QueryWebhookEndpointArgs = {
  id: Scalars['ID']['input'];
};

/** What replaceInTranscript did. */
export type ReplaceResult = {
  /** How many matches were replaced (0: nothing matched, no revision). */
  replacements: Scalars['Int']['output'];
  /** The transcript after the replacement. */
  transcript: Transcript;
};

/** One change of a transcript: who made it, when and what. */
export type Revision = {
  /** Who made it: the API key's name, or "web" when no key was used; null for the recognised transcript. */
  author: Maybe<Scalars['String']['output']>;
  /** When the change was committed. */
  createdAt: Scalars['DateTime']['output'];
  /** Identifies the revision. */
  id: Scalars['ID']['output'];
  /** What kind of change: recognised, edit, split, merge, delete, replace, revert or rename-speaker. */
  kind: Scalars['String']['output'];
  /** Revision number, from 1 (as recognised); equals Transcript.version after it. */
  number: Scalars['Int']['output'];
  /** One line saying what changed, e.g. "Split segment at 01:23.400". */
  summary: Scalars['String']['output'];
};

/** Revisions of a transcript, newest first (Relay cursor connection). */
export type RevisionConnection = {
  /** This page of revisions. */
  edges: Array<RevisionEdge>;
  /** Whether older revisions follow, and the cursors. */
  pageInfo: PageInfo;
  /** How many revisions the transcript has in all. */
  totalCount: Scalars['Int']['output'];
};

/** A revision in a RevisionConnection. */
export type RevisionEdge = {
  /** Pass as `after` to get the revisions older than this one. */
  cursor: Scalars['String']['output'];
  /** The revision. */
  node: Revision;
};

/** Script of the Kazakh (kk-KZ) segments of an export; Russian stays in Cyrillic. */
export type Script =
  /** Kazakh segments in the BGN/PCGN 1979 romanisation (Zh, Sh, Gh, Ng, …) for international readers; Russian segments stay in Cyrillic. */
  | 'BGN_PCGN'
  /** Kazakh segments in the 31-letter Latin alphabet presented in January 2021 (Ä Ğ İ I Ñ Ö Q Ş Ū Ü …); Russian segments stay in Cyrillic. */
  | 'KAZAKH_LATIN_2021'
  /** As recognised (Kazakh and Russian in Cyrillic). */
  | 'ORIGINAL';

/** A segment that matched a search, with its job and a snippet. */
export type SearchHit = {
  /** The job whose transcript has the segment. */
  job: Job;
  /** The matching segment (its start time, in seconds, is where to play from). */
  segment: Segment;
  /** Plain text around the match (about 160 characters, … where cut), matched words between « and » (guillemets in the text itself are shown as ‹ ›). */
  snippet: Scalars['String']['output'];
};

/** Search hits, best first (Relay cursor connection). */
export type SearchHitConnection = {
  /** This page of hits, best first. */
  edges: Array<SearchHitEdge>;
  /** Whether more hits follow, and the cursors of this page. */
  pageInfo: PageInfo;
  /** Hits of the whole search, over all pages: exact up to 1,000; a search with more hits says 1,000 and sets `totalCountCapped` (show it as "1,000+"). */
  totalCount: Scalars['Int']['output'];
  /** True when the search has more hits than `totalCount` (which is then the cap of 1,000): narrow the query or page on. */
  totalCountCapped: Scalars['Boolean']['output'];
};

/** A search hit and its cursor. */
export type SearchHitEdge = {
  /** Pass as `after` to get the hits after this one. */
  cursor: Scalars['String']['output'];
  /** The hit. */
  node: SearchHit;
};

/** An utterance by one speaker. Times in seconds. */
export type Segment = Node & {
  /** How sure the engine was of this text, 0 (guess) to 1 (certain), where it reports it (Whisper servers: exp(avg_logprob)); null otherwise. */
  confidence: Maybe<Scalars['Float']['output']>;
  /** True when a person changed this segment's text, speaker or times after recognition. */
  edited: Scalars['Boolean']['output'];
  /** End in seconds. */
  end: Scalars['Float']['output'];
  /** Globally unique id (a UUID): `node(id:)` returns this object again; for a job the same value is taken by `job(id:)` and the REST routes. */
  id: Scalars['ID']['output'];
  /** 0-based position in time order. */
  index: Scalars['Int']['output'];
  /** BCP-47 tag when the engine reported one. */
  language: Maybe<Scalars['String']['output']>;
  /** Who speaks this segment. */
  speaker: Speaker;
  /** Start in seconds. */
  start: Scalars['Float']['output'];
  /** What was said, as recognised or as last corrected (UTF-8, Cyrillic for kk-KZ and ru-RU). */
  text: Scalars['String']['output'];
  /** Transcript version at which this segment last changed (so it only ever grows, also across reverts). Pass it as expectedVersion to editSegment, splitSegment or deleteSegment. */
  version: Scalars['Int']['output'];
  /** Words with timings, in order. */
  words: Array<Word>;
};

/** Limits and capabilities of this server, for clients to show. */
export type ServiceInfo = {
  /** File name extensions accepted for upload (lower case, no dot). */
  acceptedExtensions: Array<Scalars['String']['output']>;
  /** Engine used when an upload names none (`Engine.id`). */
  defaultEngine: Scalars['ID']['output'];
  /** Speech engines enabled on this server. */
  engines: Array<Engine>;
  /** Export formats, in the order to offer them (Transcript.export / exportUrl). */
  exportFormats: Array<ExportFormatInfo>;
  /** Scripts an export can be written in. */
  exportScripts: Array<ExportScriptInfo>;
  /** BCP-47 recognition languages, plus "auto". */
  languages: Array<Scalars['String']['output']>;
  /** Longest recording accepted, in seconds. */
  maxDurationSeconds: Scalars['Int']['output'];
  /** Largest upload accepted, in bytes. */
  maxUploadBytes: Scalars['Float']['output'];
  /** Hours after upload when a job and its files are deleted. */
  retentionHours: Scalars['Float']['output'];
};

/** A speaker in a transcript. */
export type Speaker = Node & {
  /** Globally unique id (a UUID): `node(id:)` returns this object again; for a job the same value is taken by `job(id:)` and the REST routes. */
  id: Scalars['ID']['output'];
  /** Display name; "Speaker 1", "Speaker 2" until renamed. */
  label: Scalars['String']['output'];
  /** Number of segments spoken by this speaker. */
  segmentCount: Scalars['Int']['output'];
  /** Total speaking time in seconds. */
  speakingSeconds: Scalars['Float']['output'];
  /** Engine tag: the channel or speaker number ("0", "1"). */
  tag: Scalars['String']['output'];
  /** Bumped on every rename. Pass it to renameSpeaker as expectedVersion to be told (CONFLICT) when someone renamed the speaker since you read it. */
  version: Scalars['Int']['output'];
};

/** Live updates over WebSocket (graphql-ws protocol, `graphql-transport-ws`) at the same /graphql path; the WebSocket serves subscriptions only. */
export type Subscription = {
  /** Progress of a job: first the current state, then live updates until it ends. */
  jobProgress: JobProgressEvent;
  /** Every committed change of a transcript (by anyone: web client or API), as it happens. No initial event: read the transcript, then apply the events. */
  transcriptChanged: TranscriptChangeEvent;
};


/** Live updates over WebSocket (graphql-ws protocol, `graphql-transport-ws`) at the same /graphql path; the WebSocket serves subscriptions only. */
export type SubscriptionJobProgressArgs = {
  id: Scalars['ID']['input'];
};


/** Live updates over WebSocket (graphql-ws protocol, `graphql-transport-ws`) at the same /graphql path; the WebSocket serves subscriptions only. */
export type SubscriptionTranscriptChangedArgs = {
  id: Scalars['ID']['input'];
};

/** A transcript split by speaker, with timestamps. */
export type Transcript = Node & {
  /** The transcript rendered in a text format (TXT, SRT, VTT, TSV, JSON; UTF-8) with options. DOCX is binary: asking for it here is BAD_USER_INPUT (reason BINARY_FORMAT); download it from exportUrl. */
  export: Scalars['String']['output'];
  /** A download link for the transcript in any format with options (GET /api/v1/jobs/{id}/export/{extension}?…), named after the upload with the script (`интервью-latn.docx`). It carries a signed token (valid 6 h, bound to this job and your API key), so it works without an Authorization header. */
  exportUrl: Scalars['String']['output'];
  /** Globally unique id (a UUID): `node(id:)` returns this object again; for a job the same value is taken by `job(id:)` and the REST routes. */
  id: Scalars['ID']['output'];
  /** BCP-47 tags of the languages heard, most used first. */
  languages: Array<Scalars['String']['output']>;
  /** How many matches replaceInTranscript would replace with these arguments (a preview before applying). */
  matchCount: Scalars['Int']['output'];
  /** Revisions of this transcript, newest first; revision 1 is the transcript as recognised. revertTranscript(toRevision) restores any of them. */
  revisions: RevisionConnection;
  /** Number of segments; with segments(offset, limit) a client pages through them. */
  segmentCount: Scalars['Int']['output'];
  /** Segments in time order: all of them, or a window by position (offset 0-based, at most limit). A window is an indexed read, so a client can show any part of a 4-hour transcript at once; segmentCount gives the total. */
  segments: Array<Segment>;
  /** Speakers in order of first appearance. */
  speakers: Array<Speaker>;
  /** Whole text, segments joined in time order. */
  text: Scalars['String']['output'];
  /** Bumped by every revision; revision 1 is the recognised transcript. Pass it as expectedVersion to mergeSegments, replaceInTranscript or revertTranscript to be told (CONFLICT) when someone changed the transcript since you read it. */
  version: Scalars['Int']['output'];
};


/** A transcript split by speaker, with timestamps. */
export type TranscriptExportArgs = {
  format: ExportFormat;
  options?: InputMaybe<ExportOptionsInput>;
};


/** A transcript split by speaker, with timestamps. */
export type TranscriptExportUrlArgs = {
  format: ExportFormat;
  options?: InputMaybe<ExportOptionsInput>;
};


/** A transcript split by speaker, with timestamps. */
export type TranscriptMatchCountArgs = {
  find: Scalars['String']['input'];
  matchCase?: InputMaybe<Scalars['Boolean']['input']>;
  wholeWord?: InputMaybe<Scalars['Boolean']['input']>;
};


/** A transcript split by speaker, with timestamps. */
export type TranscriptRevisionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** A transcript split by speaker, with timestamps. */
export type TranscriptSegmentsArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
  offset?: InputMaybe<Scalars['Int']['input']>;
};

/** A committed change of a transcript, as transcriptChanged delivers it to everyone who has it open. */
export type TranscriptChangeEvent = {
  /** Ids of segments this revision removed (merge, delete, the original of a split, revert). */
  removedSegmentIds: Array<Scalars['ID']['output']>;
  /** The revision this change made. */
  revision: Revision;
  /** Segments created or changed by this revision, in their current state, in time order. Positions (index) of later segments shift after a split, merge or delete: reload windows you show. */
  segments: Array<Segment>;
  /** Every speaker of the transcript with current totals and labels. */
  speakers: Array<Speaker>;
  /** The transcript that changed. */
  transcriptId: Scalars['ID']['output'];
  /** Transcript.version after the change. */
  version: Scalars['Int']['output'];
};

/** Transcription options; omitted fields take defaults. */
export type TranscriptionOptionsInput = {
  /** Default AUTO. */
  diarization?: InputMaybe<Diarization>;
  /** The speech engine to use (`Engine.id` from `serviceInfo.engines`, e.g. "speechkit", "openai", "demo"); default `serviceInfo.defaultEngine`. An engine that is not enabled here is refused with BAD_USER_INPUT (reason UNKNOWN_ENGINE). */
  engine?: InputMaybe<Scalars['ID']['input']>;
  /** BCP-47 tags, default ["kk-KZ","ru-RU"]; ["auto"] lets the engine choose. */
  languages?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Mask profanity; default false. */
  profanityFilter?: InputMaybe<Scalars['Boolean']['input']>;
  /** Default true: when you uploaded the same recording (same bytes, SHA-256) with the same options and engine before, and that job is COMPLETED and not expired, the new job is COMPLETED at once with a copy of its transcript (`Job.reusedFromJobId`), without calling the engine or billing. Only your own jobs are considered. False: transcribe it again. */
  reuse?: InputMaybe<Scalars['Boolean']['input']>;
  /** Numbers, dates and punctuation in written form; default true. */
  textNormalization?: InputMaybe<Scalars['Boolean']['input']>;
};

/** FAILED jobs with one error code. */
export type UsageErrorCount = {
  /** The `Job.errorCode`, e.g. STT_UNAVAILABLE. */
  code: Scalars['String']['output'];
  /** Jobs that failed with it. */
  jobs: Scalars['Int']['output'];
};

/** How `usage` rows are grouped in time (UTC, by upload time). */
export type UsageGroupBy =
  /** One row per UTC calendar day (`period` "YYYY-MM-DD"). */
  | 'DAY'
  /** One row per UTC calendar month (`period` "YYYY-MM"). */
  | 'MONTH';

/** Jobs of a usage row by how they ended. */
export type UsageJobCounts = {
  /** Jobs cancelled before they finished. */
  cancelled: Scalars['Int']['output'];
  /** Jobs that reached COMPLETED (also those that expired since), reused ones included. */
  completed: Scalars['Int']['output'];
  /** Jobs that reached their retention (EXPIRED) before finishing. */
  expired: Scalars['Int']['output'];
  /** Jobs that ended FAILED (see `errors` for their codes). */
  failed: Scalars['Int']['output'];
  /** Completed jobs answered with a copy of an identical earlier recording (`Job.reusedFromJobId`): no engine call, nothing billed. */
  reused: Scalars['Int']['output'];
  /** Every job uploaded in the period on this engine. */
  total: Scalars['Int']['output'];
  /** Jobs still QUEUED, TRANSCODING or TRANSCRIBING. */
  unfinished: Scalars['Int']['output'];
};

/** Usage of one tenant on one engine in one period (UTC day or month of the upload). Audio figures in seconds. */
export type UsageRow = {
  /** Seconds of audio billed by the engine's own rule, summed over every request the service made. SpeechKit: per second of two-channel audio, rounded up, at least 15 s per pair of channels per recording. OpenAI-compatible: the duration sent (pauses are not sent). A resumed job is not billed again; a job whose recording was submitted twice is. */
  audioSecondsBilled: Scalars['Float']['output'];
  /** Seconds of audio uploaded (the recordings’ durations). */
  audioSecondsUploaded: Scalars['Float']['output'];
  /** ISO 4217 currency of the price and cost. */
  currency: Maybe<Scalars['String']['output']>;
  /** The engine (`Engine.id`: speechkit, openai, demo). */
  engine: Scalars['ID']['output'];
  /** Requests that carried audio to the engine. */
  engineRequests: Scalars['Int']['output'];
  /** FAILED jobs by error code, most first. */
  errors: Array<UsageErrorCount>;
  /** audioSecondsBilled / 60 × pricePerMinute, in `currency`; null when the operator set no price for this engine (STT_PRICE_PER_MINUTE_<ENGINE>). An estimate: the engine’s invoice is authoritative. */
  estimatedCost: Maybe<Scalars['Float']['output']>;
  /** Jobs uploaded in the period, by outcome. */
  jobs: UsageJobCounts;
  /** "YYYY-MM-DD" for DAY, "YYYY-MM" for MONTH (UTC). */
  period: Scalars['String']['output'];
  /** Start of the period (UTC midnight). */
  periodStart: Scalars['DateTime']['output'];
  /** Configured price per billed minute. */
  pricePerMinute: Maybe<Scalars['Float']['output']>;
  /** The tenant (your own for an API key). */
  tenantId: Scalars['ID']['output'];
};

/** One attempt to deliver a webhook. */
export type WebhookAttempt = {
  /** What went wrong, e.g. "address 169.254.169.254 is refused (linkLocal)". */
  error: Maybe<Scalars['String']['output']>;
  /** Milliseconds from the start of the attempt to its end. */
  latencyMs: Scalars['Int']['output'];
  /** Attempt number, from 1. */
  number: Scalars['Int']['output'];
  /** What the attempt came to. */
  outcome: WebhookAttemptOutcome;
  /** When the attempt started. */
  startedAt: Scalars['DateTime']['output'];
  /** HTTP status answered, if any. */
  statusCode: Maybe<Scalars['Int']['output']>;
};

/** What one delivery attempt came to. */
export type WebhookAttemptOutcome =
  /** The host resolved to a loopback, private, link-local or other non-public address: refused before connecting; retried. */
  | 'ADDRESS_REFUSED'
  /** 410 Gone: the endpoint is disabled, nothing more is sent. */
  | 'GONE'
  /** Another status (429, 4xx other than 410, 5xx): retried. */
  | 'HTTP_ERROR'
  /** Not resolved, refused, reset or a TLS failure: retried. */
  | 'NETWORK_ERROR'
  /** A 3xx answer: redirects are never followed; retried. */
  | 'REDIRECT_NOT_FOLLOWED'
  /** A 2xx answer. */
  | 'SUCCESS'
  /** No complete answer within the timeout (15 s): retried. */
  | 'TIMEOUT'
  /** The URL is no longer allowed (e.g. http://): retried. */
  | 'URL_REFUSED';

/** One event sent (or to be sent) to one endpoint: its state and latest attempt. */
export type WebhookDelivery = {
  /** Every attempt, first to latest. */
  attemptLog: Array<WebhookAttempt>;
  /** Attempts made so far. */
  attempts: Scalars['Int']['output'];
  /** When the event was handed to this endpoint. */
  createdAt: Scalars['DateTime']['output'];
  /** When the endpoint answered 2xx. */
  deliveredAt: Maybe<Scalars['DateTime']['output']>;
  /** The endpoint (WebhookEndpoint.id). */
  endpointId: Scalars['ID']['output'];
  /** The event: the `webhook-id` header, the same on every attempt. */
  eventId: Scalars['ID']['output'];
  /** The event type. */
  eventType: WebhookEventType;
  /** Identifies the delivery. */
  id: Scalars['ID']['output'];
  /** What went wrong in the latest attempt, e.g. "address 127.0.0.1 is refused". */
  lastError: Maybe<Scalars['String']['output']>;
  /** Milliseconds the latest attempt took, from connecting to the answer. */
  lastLatencyMs: Maybe<Scalars['Int']['output']>;
  /** Outcome of the latest attempt; null before the first. */
  lastOutcome: Maybe<WebhookAttemptOutcome>;
  /** HTTP status of the latest attempt, if any. */
  lastStatusCode: Maybe<Scalars['Int']['output']>;
  /** When the next attempt is due (PENDING only); null once final. */
  nextAttemptAt: Maybe<Scalars['DateTime']['output']>;
  /** PENDING until the endpoint answers 2xx (DELIVERED) or it is given up (FAILED). */
  status: WebhookDeliveryStatus;
};

/** Where one event stands towards one endpoint. DELIVERED and FAILED are final. */
export type WebhookDeliveryStatus =
  /** The endpoint answered 2xx. */
  | 'DELIVERED'
  /** Given up: the retry schedule ran out, or the endpoint answered 410 or is disabled. */
  | 'FAILED'
  /** Not delivered yet; the next attempt is due at `nextAttemptAt`. */
  | 'PENDING';

/** A URL that receives signed webhooks (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) for the events it subscribes to. */
export type WebhookEndpoint = {
  /** When the endpoint was registered. */
  createdAt: Scalars['DateTime']['output'];
  /** The delivery log, newest first: each event sent (or to be sent) here with its attempts, status, latency and next retry. */
  deliveries: Array<WebhookDelivery>;
  /** What the endpoint is for, for people. */
  description: Maybe<Scalars['String']['output']>;
  /** Why it was disabled, e.g. "answered 410 Gone"; null while enabled. */
  disabledReason: Maybe<Scalars['String']['output']>;
  /** False once disabled (by updateWebhookEndpoint, or because it answered 410 Gone): nothing is sent to it. */
  enabled: Scalars['Boolean']['output'];
  /** The event types sent to this endpoint. */
  events: Array<WebhookEventType>;
  /** Identifies the endpoint. */
  id: Scalars['ID']['output'];
  /** Until when deliveries are also signed with the secret before the last rotation (a second v1 signature); null when there is none. */
  previousSecretExpiresAt: Maybe<Scalars['DateTime']['output']>;
  /** When it was last changed. */
  updatedAt: Scalars['DateTime']['output'];
  /** Where webhooks are POSTed: https (http only where the operator allows it). */
  url: Scalars['String']['output'];
};


/** A URL that receives signed webhooks (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) for the events it subscribes to. */
export type WebhookEndpointDeliveriesArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<WebhookDeliveryStatus>;
};

/** An endpoint with its signing secret: returned only by createWebhookEndpoint and rotateWebhookSecret. Store the secret now; it is never shown again. */
export type WebhookEndpointWithSecret = {
  /** The endpoint. */
  endpoint: WebhookEndpoint;
  /** The signing secret, `whsec_` + base64 (Standard Webhooks). Verify each delivery with it, e.g. `new Webhook(secret).verify(body, headers)` of the `standardwebhooks` package. */
  secret: Scalars['String']['output'];
};

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

/** A word with its timing in seconds. */
export type Word = {
  /** End in seconds from the start of the recording. */
  end: Scalars['Float']['output'];
  /** Start in seconds from the start of the recording. */
  start: Scalars['Float']['output'];
  /** The word as recognised (or as an edit retimed it). */
  text: Scalars['String']['output'];
};
