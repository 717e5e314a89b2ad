/**
 * Failures of an engine's HTTP calls and how they map to job errors, for every engine that
 * uses the shared transport (`client.ts`). Nothing here knows an engine: the engine's name
 * (in messages), which statuses are worth retrying, how its error bodies read and what to tell
 * the operator on a credentials failure come from the client's options ({@link ErrorPolicy}).
 *
 * Outcomes of a request that did not succeed:
 * - retryable statuses (default {@link DEFAULT_RETRYABLE_STATUSES}) and answers that never came
 *   (network errors, resets, per-attempt timeouts) are retried and, at the end, are outages:
 *   STT_UNAVAILABLE (retryable), counted by the circuit breaker;
 * - 400 → STT_BAD_REQUEST, 401/403 → STT_AUTH_FAILED, 404 → STT_BAD_REQUEST (or the request's
 *   `notFoundCode`); other 5xx → STT_UNAVAILABLE (retryable) without retries;
 * - 413 → {@link PayloadTooLargeError} (STT_BAD_REQUEST, with `status` 413): not retried, not an
 *   outage, so an engine can split what it sent and send the parts;
 * - any other status → STT_BAD_REQUEST.
 */
import { JobError, type JobErrorCode } from '../../errors.js';

/** Upper bound in milliseconds for a server-sent `Retry-After` (longer values are clamped). */
export const MAX_RETRY_AFTER_MS = 120_000;

/**
 * HTTP statuses retried with backoff unless the client says otherwise
 * ({@link HttpClientOptions.retryableStatuses}): 429 (rate limited), 500 and 502 (an overloaded
 * or restarting inference server often answers these), 503, 504.
 */
export const DEFAULT_RETRYABLE_STATUSES: ReadonlySet<number> = Object.freeze(
  new Set([429, 500, 502, 503, 504]),
);

/**
 * The engine a client talks to. `id` is its stable, lower-case id (`speechkit`, `openai`): the
 * `engine` of log fields, observer events and metric labels. `name` is how messages call it
 * ("SpeechKit answered 503 …", "SpeechKit recognizeFileAsync failed …").
 */
export interface HttpEngine {
  readonly id: string;
  readonly name: string;
}

/**
 * What an engine's error body says, as read by its {@link ErrorPolicy.describeErrorBody}:
 * a human message and the engine's own code (a `google.rpc.Status` number, an OpenAI `code`
 * or `type` string). Both optional.
 */
export interface ErrorBodyDescription {
  message?: string;
  code?: string | number;
}

/** A non-2xx HTTP answer (internal to the transport; callers see {@link JobError}s). */
export class HttpStatusError extends Error {
  constructor(
    /** The HTTP status, e.g. 503. */
    readonly status: number,
    /** The response body as text (may be empty). */
    readonly body: string,
    /** The body as the engine's {@link ErrorPolicy.describeErrorBody} read it, when it could. */
    readonly detail: ErrorBodyDescription | undefined,
    /** `Retry-After` converted to milliseconds, when present and valid. */
    readonly retryAfterMs: number | undefined,
    /** The engine's request id response header (`x-request-id`), for support requests. */
    readonly requestId: string | undefined,
  ) {
    super(
      `HTTP ${status}` +
        (detail?.message ? `: ${detail.message}` : body ? `: ${body.slice(0, 200)}` : ''),
    );
    this.name = 'HttpStatusError';
  }
}

/** A request that got no HTTP answer: network error, connection reset, or per-attempt timeout. */
export class TransportError extends Error {
  constructor(
    message: string,
    /** True when the attempt's timeout ran out (else the connection failed or broke off). */
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/**
 * The engine refused the request body as too large (HTTP 413). A {@link JobError}
 * (`STT_BAD_REQUEST`, not retryable) so that a caller that does not handle it still fails the
 * job sensibly; an engine that can split its audio catches it (`instanceof`) and sends the
 * parts. Never retried and never counted as an outage by the circuit breaker. Its `cause` is the
 * {@link HttpStatusError}.
 */
export class PayloadTooLargeError extends JobError {
  /** Always 413. */
  readonly status = 413;
  constructor(
    message: string,
    /** Size of the refused request body in bytes, when it had a known size. */
    readonly bodyBytes: number | undefined,
    options?: { cause?: unknown },
  ) {
    super('STT_BAD_REQUEST', message, false, options);
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * Converts a `Retry-After` header (delay in seconds, or an HTTP date) into milliseconds.
 * @returns undefined when absent or unparseable; 0 for dates in the past.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs = Date.now(),
): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** How one client judges and words failures; built from its options by the client. */
export interface ErrorPolicy {
  engine: HttpEngine;
  /** Statuses worth another attempt (and outages when they persist). */
  retryableStatuses: ReadonlySet<number>;
  /** Reads an error body; undefined when it says nothing usable (the raw text is shown then). */
  describeErrorBody(body: string): ErrorBodyDescription | undefined;
  /** Appended to the message of a final 401/403, e.g. which settings hold the credentials. */
  authFailureHint?: string;
}

/**
 * True for failures worth another attempt — and, once the attempts are used up, outages that
 * the circuit breaker counts: retryable statuses and answers that never came.
 */
export function isRetryable(err: unknown, retryableStatuses: ReadonlySet<number>): boolean {
  if (err instanceof TransportError) return true;
  return err instanceof HttpStatusError && retryableStatuses.has(err.status);
}

/** A failure's message, for logs. */
export function describeFailure(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** What {@link toJobError} needs to know about the request. */
export interface FailedRequest {
  what: string;
  notFoundCode?: JobErrorCode;
  clientErrorCode?: JobErrorCode;
  /** Size of the request body in bytes, when known (reported by {@link PayloadTooLargeError}). */
  bodyBytes?: number;
}

/**
 * Maps the final failure of a request to the job error vocabulary (see the module notes).
 * Messages start with the engine's name and the request: "SpeechKit recognizeFileAsync …".
 */
export function toJobError(
  err: unknown,
  req: FailedRequest,
  attempts: number,
  policy: ErrorPolicy,
): JobError {
  const what = `${policy.engine.name} ${req.what}`;
  if (err instanceof JobError) return err;
  if (err instanceof TransportError) {
    return new JobError(
      'STT_UNAVAILABLE',
      `${what} failed after ${attempts} attempt(s): ${err.message}`,
      true,
      { cause: err },
    );
  }
  if (err instanceof HttpStatusError) {
    const reason = err.detail?.message ?? (err.body.slice(0, 300) || 'no message');
    const rid = err.requestId ? ` (x-request-id ${err.requestId})` : '';
    const s = err.status;
    if (policy.retryableStatuses.has(s)) {
      return new JobError(
        'STT_UNAVAILABLE',
        `${what} still answered HTTP ${s} after ${attempts} attempt(s): ${reason}${rid}`,
        true,
        { cause: err },
      );
    }
    if (s === 400) {
      return new JobError(
        req.clientErrorCode ?? 'STT_BAD_REQUEST',
        `${what} rejected the request (HTTP 400): ${reason}${rid}`,
        false,
        { cause: err },
      );
    }
    if (s === 401 || s === 403) {
      const hint = policy.authFailureHint ? ` ${policy.authFailureHint}` : '';
      return new JobError(
        req.clientErrorCode ?? 'STT_AUTH_FAILED',
        `${what} refused the credentials (HTTP ${s}): ${reason}${rid}.${hint}`,
        false,
        { cause: err },
      );
    }
    if (s === 404) {
      return new JobError(
        req.notFoundCode ?? 'STT_BAD_REQUEST',
        `${what}: not found (HTTP 404): ${reason}${rid}`,
        false,
        { cause: err },
      );
    }
    if (s === 413) {
      return new PayloadTooLargeError(`${what} failed (HTTP 413): ${reason}${rid}`, req.bodyBytes, {
        cause: err,
      });
    }
    if (s >= 500) {
      return new JobError('STT_UNAVAILABLE', `${what} failed (HTTP ${s}): ${reason}${rid}`, true, {
        cause: err,
      });
    }
    return new JobError('STT_BAD_REQUEST', `${what} failed (HTTP ${s}): ${reason}${rid}`, false, {
      cause: err,
    });
  }
  return new JobError('STT_UNAVAILABLE', `${what} failed: ${describeFailure(err)}`, true, {
    cause: err,
  });
}

/** The `outcome` label of a failed attempt (see `HttpObserver`). */
export function failureOutcome(err: unknown): string {
  if (err instanceof HttpStatusError) return String(err.status);
  if (err instanceof TransportError) return err.timedOut ? 'timeout' : 'network';
  return 'other';
}
