/**
 * The one error vocabulary of KazRu-STT Pro.
 *
 * - {@link AppError} is thrown by services and reaches GraphQL clients as a `GraphQLError` whose
 *   `extensions.code` is {@link AppError.code} (see `src/graphql/errors.ts`), and HTTP clients as
 *   JSON `{ error: { code, message } }` with {@link AppError.httpStatus}.
 * - {@link JobError} is thrown inside the pipeline; its {@link JobErrorCode} is stored on the job
 *   row (`Job.errorCode`) when the job ends FAILED.
 */

/** Stable `extensions.code` values a GraphQL or HTTP client can branch on. */
export type ApiErrorCode =
  | 'BAD_USER_INPUT'
  /** No API key was sent, or it is unknown, revoked or expired (`AUTH_MODE=api-key`). */
  | 'UNAUTHENTICATED'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'CONFLICT'
  /** Too many requests or uploads per minute from one key or IP; retry after `retryAfterSeconds`. */
  | 'RATE_LIMITED'
  /** A tenant quota (audio hours per day, concurrent jobs) is used up; see `retryAfterSeconds`. */
  | 'QUOTA_EXCEEDED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

const HTTP_STATUS: Record<ApiErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/** An error whose message is safe and useful to show to the person who caused it. */
export class AppError extends Error {
  /** HTTP status used when the error is answered outside GraphQL (downloads, health). */
  readonly httpStatus: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    /** Finer machine-readable reason, e.g. `MEDIA_TOO_LONG`; sent as `extensions.reason`. */
    readonly reason?: string,
    /**
     * Seconds after which the same request may succeed (rate limits, quotas, outages); sent as
     * `extensions.retryAfterSeconds` and as the HTTP `Retry-After` header.
     */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.httpStatus = HTTP_STATUS[code];
  }
}

/** Not found, answered the same whether the id never existed or belongs to someone else. */
export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super(
      'NOT_FOUND',
      `${what} "${id}" was not found. Check the id; jobs are deleted after expiry.`,
    );
  }
}

/** Input the user can fix: bad options, a file that is not audio, too long, too big. */
export class BadInputError extends AppError {
  constructor(message: string, reason?: string) {
    super('BAD_USER_INPUT', message, reason);
  }
}

/**
 * A change based on a stale version (optimistic concurrency): nothing was changed. Sent with
 * `extensions.currentVersion` so the client can reload and retry; the message says what the
 * current state is.
 */
export class ConflictError extends AppError {
  constructor(
    message: string,
    /** The version the caller should have sent (the segment's, speaker's or transcript's). */
    readonly currentVersion: number,
    reason?: string,
  ) {
    super('CONFLICT', message, reason);
  }
}

/**
 * Why a job ended FAILED, with what each code means: the codes stored in `Job.errorCode` and
 * published as the GraphQL enum `JobErrorCode` (these texts are its value descriptions).
 */
export const JOB_ERROR_CODES = {
  TRANSCODE_FAILED:
    'ffmpeg could not decode or encode the audio (a damaged or unsupported file). Check that the file plays, or convert it to WAV or FLAC and upload it again.',
  AUDIO_TOO_LARGE:
    "The audio does not fit the engine's request limit (SpeechKit: 60 MB body; a piece a Whisper server refused that cannot be split).",
  AUDIO_TOO_LONG:
    "The audio exceeds the engine's longest recording (SpeechKit: 4 h counted across channels). Split the recording.",
  STT_AUTH_FAILED:
    "The engine rejected the service's credentials (401/403), or SpeechKit's IAM token exchange failed: an operator must fix the engine configuration.",
  STT_BAD_REQUEST: 'The engine rejected the request as invalid (400 and other 4xx).',
  STT_UNAVAILABLE:
    'The engine stayed unavailable (429, 5xx, timeouts) beyond the retry budget. Upload again later.',
  STT_OPERATION_FAILED: 'The recognition operation finished with an error on the engine side.',
  STT_RESULT_MALFORMED: "The engine's result could not be parsed.",
  WORKER_CRASHED:
    'The worker processing the job died (killed, out of memory, crashed) on every one of its attempts (MAX_ATTEMPTS): a poison job. Other jobs are not affected.',
  SOURCE_MISSING: 'The upload disappeared from storage before processing.',
  STORAGE_UNAVAILABLE:
    'The file store (local directory or S3-compatible object storage) stayed unreachable beyond its retry budget while the job ran. Upload again later.',
  INTERNAL: 'Anything unexpected; the service log has the details.',
} as const;

/** Why a job ended FAILED; stored in `Job.errorCode`. Meanings: {@link JOB_ERROR_CODES}. */
export type JobErrorCode = keyof typeof JOB_ERROR_CODES;

/** A pipeline failure with a {@link JobErrorCode}. `retryable` faults may be retried by the queue. */
export class JobError extends Error {
  constructor(
    readonly code: JobErrorCode,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'JobError';
  }
}
