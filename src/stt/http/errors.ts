/**
 * Failures of SpeechKit HTTP calls and how they map to job errors, per "SpeechKit v3 REST: Error
 * model" (google.rpc.Status bodies; 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE and 504
 * DEADLINE_EXCEEDED are worth retrying, as are answers that never came; 400/401/403/404 are not).
 * Used by the retrying transport in `http.ts`.
 */
import { JobError, type JobErrorCode } from '../../errors.js';

/** Upper bound in milliseconds for a server-sent `Retry-After` (longer values are clamped). */
export const MAX_RETRY_AFTER_MS = 120_000;

/** HTTP statuses retried with backoff ("SpeechKit v3 REST: Error model": 429, 503, 504). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/** `google.rpc.Status` as sent in SpeechKit error bodies: `{ code, message, details[] }`. */
export interface RpcStatus {
  code?: number;
  message?: string;
  details?: unknown[];
}

/** A non-2xx HTTP answer from SpeechKit or IAM (internal to this module family). */
export class SpeechKitHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    /** Parsed `google.rpc.Status` body when the body is one. */
    readonly rpcStatus: RpcStatus | undefined,
    /** `Retry-After` converted to milliseconds, when present and valid. */
    readonly retryAfterMs: number | undefined,
    /** SpeechKit's `x-request-id` response header, for support requests. */
    readonly requestId: string | undefined,
  ) {
    super(
      `HTTP ${status}` +
        (rpcStatus?.message ? `: ${rpcStatus.message}` : body ? `: ${body.slice(0, 200)}` : ''),
    );
    this.name = 'SpeechKitHttpError';
  }
}

/** A request that got no HTTP answer: network error, connection reset, or per-attempt timeout. */
export class SpeechKitTransportError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SpeechKitTransportError';
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

/** Parses a `google.rpc.Status` JSON body; undefined when the body is not one. */
export function parseRpcStatus(body: string): RpcStatus | undefined {
  try {
    const v: unknown = JSON.parse(body);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      // grpc-gateway sometimes wraps it: {"error": {...}}
      const s = (o.error && typeof o.error === 'object' ? o.error : o) as Record<string, unknown>;
      if (typeof s.message === 'string' || typeof s.code === 'number') {
        return {
          code: typeof s.code === 'number' ? s.code : undefined,
          message: typeof s.message === 'string' ? s.message : undefined,
          details: Array.isArray(s.details) ? s.details : undefined,
        };
      }
    }
  } catch {
    /* not JSON */
  }
  return undefined;
}

/** True for failures worth another attempt: 429/503/504 and answers that never came. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof SpeechKitTransportError) return true;
  return err instanceof SpeechKitHttpError && RETRYABLE_STATUSES.has(err.status);
}

/** A failure's message, for logs. */
export function describeFailure(err: unknown): string {
  if (err instanceof SpeechKitHttpError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** What {@link toJobError} needs to know about the request. */
export interface FailedRequest {
  what: string;
  notFoundCode?: JobErrorCode;
  clientErrorCode?: JobErrorCode;
}

/** Maps the final failure of a request to the job error vocabulary. */
export function toJobError(err: unknown, req: FailedRequest, attempts: number): JobError {
  const what = `SpeechKit ${req.what}`;
  if (err instanceof JobError) return err;
  if (err instanceof SpeechKitTransportError) {
    return new JobError(
      'STT_UNAVAILABLE',
      `${what} failed after ${attempts} attempt(s): ${err.message}`,
      true,
      { cause: err },
    );
  }
  if (err instanceof SpeechKitHttpError) {
    const reason = err.rpcStatus?.message ?? (err.body.slice(0, 300) || 'no message');
    const rid = err.requestId ? ` (x-request-id ${err.requestId})` : '';
    const s = err.status;
    if (RETRYABLE_STATUSES.has(s)) {
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
      return new JobError(
        req.clientErrorCode ?? 'STT_AUTH_FAILED',
        `${what} refused the credentials (HTTP ${s}): ${reason}${rid}. ` +
          `Check YANDEX_API_KEY / YANDEX_IAM_TOKEN / YANDEX_SA_KEY_FILE and the service account's role ai.speechkit-stt.user.`,
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

/** The `outcome` label of a failed attempt (see `SpeechKitObserver`). */
export function failureOutcome(err: unknown): string {
  if (err instanceof SpeechKitHttpError) return String(err.status);
  if (err instanceof SpeechKitTransportError) return err.timedOut ? 'timeout' : 'network';
  return 'other';
}
