/**
 * Webhook vocabulary shared by the database, GraphQL, the outbox and the dispatcher.
 * Wire names follow the Standard Webhooks spec: full-stop-delimited event types
 * (standard-webhooks/standard-webhooks@spec/standard-webhooks.md, "Payload").
 */

/** Event types; the value is the `type` field of the payload, as the receiver sees it. */
export enum WebhookEventType {
  JOB_COMPLETED = 'job.completed',
  JOB_FAILED = 'job.failed',
  JOB_CANCELLED = 'job.cancelled',
  JOB_EXPIRED = 'job.expired',
  TRANSCRIPT_EDITED = 'transcript.edited',
}

/** Every event type, in the order above. */
export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = Object.values(WebhookEventType);

/** Where one event stands towards one endpoint. */
export enum WebhookDeliveryStatus {
  /** Not delivered yet: an attempt is due at `nextAttemptAt`. */
  PENDING = 'PENDING',
  /** The endpoint answered 2xx. Final. */
  DELIVERED = 'DELIVERED',
  /** Given up: the retry schedule ran out, or the endpoint answered 410 or was disabled. Final. */
  FAILED = 'FAILED',
}

/** What one attempt came to. */
export enum WebhookAttemptOutcome {
  /** 2xx. */
  SUCCESS = 'SUCCESS',
  /** Another HTTP status (4xx other than 410, 5xx, 429): retried. */
  HTTP_ERROR = 'HTTP_ERROR',
  /** 3xx: redirects are never followed (SSRF); retried. */
  REDIRECT_NOT_FOLLOWED = 'REDIRECT_NOT_FOLLOWED',
  /** 410 Gone: the endpoint is disabled, no more attempts. */
  GONE = 'GONE',
  /** No complete answer within `WEBHOOK_TIMEOUT_MS`: retried. */
  TIMEOUT = 'TIMEOUT',
  /** Name not resolved, connection refused or reset, TLS failure: retried. */
  NETWORK_ERROR = 'NETWORK_ERROR',
  /** The host resolved to a loopback, private, link-local or other non-public address: retried. */
  ADDRESS_REFUSED = 'ADDRESS_REFUSED',
  /** The URL is not allowed any more (http:// without `WEBHOOK_ALLOW_HTTP`): retried. */
  URL_REFUSED = 'URL_REFUSED',
}

/** The JSON body of every webhook (under 20 kB; never transcript text). */
export interface WebhookPayload {
  type: WebhookEventType;
  /** When the event happened, ISO-8601 UTC. */
  timestamp: string;
  data: WebhookJobData | WebhookTranscriptData;
}

/** `data` of the job.* events. */
export interface WebhookJobData {
  jobId: string;
  /** The job's status after the change: COMPLETED, FAILED, CANCELLED or EXPIRED. */
  status: string;
  /** `Job.errorCode` of a FAILED job. */
  errorCode?: string;
  /** Recording length in seconds, from ffprobe. */
  durationSeconds?: number | null;
  /** `Job.engine`. */
  engine: string;
  /** Original file name of the upload (display text). */
  filename: string;
}

/** `data` of transcript.edited. */
export interface WebhookTranscriptData {
  jobId: string;
  /** The job's status (COMPLETED: only completed jobs have transcripts). */
  status: string;
  transcriptId: string;
  /** Revision number after the change (= `Transcript.version`). */
  revision: number;
  /** Revision kind: edit, split, merge, delete, replace, revert, rename-speaker. */
  kind: string;
}
