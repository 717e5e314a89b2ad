/**
 * Retrying HTTP transport for SpeechKit v3 REST calls (recognizeFileAsync, operations,
 * getRecognition, deleteRecognition) and the IAM token exchange.
 *
 * Retry rules follow "SpeechKit v3 REST: Error model" (google.rpc.Status table):
 * 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE and 504 DEADLINE_EXCEEDED are retried, as are network
 * errors (connection refused/reset) and per-request timeouts. 400/401/403/404 are never retried,
 * except for one token refresh on 401 when the credentials can be refreshed (service-account IAM
 * tokens). The retry policy is a cockatiel {@link retry} with a {@link DelegateBackoff} that does
 * exponential backoff with full jitter and honours `Retry-After`.
 *
 * Around the retries sits one cockatiel circuit breaker per client (so per process): after
 * `breaker.consecutiveFailures` logical requests in a row fail with an outage (429/5xx/network/
 * timeout after all their retries), that last failure and every request after it fail with
 * {@link SttCircuitOpenError} — at once, nothing sent — until `breaker.halfOpenAfterMs` has passed;
 * then one trial request decides whether to close it again. The worker re-queues a job that
 * meets an open circuit instead of failing it.
 */
import { randomUUID } from 'node:crypto';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  handleWhen,
  retry,
} from 'cockatiel';
import { JobError, type JobErrorCode } from '../../errors.js';

/** Minimal structured logger (pino compatible): `logger.warn({ ...fields }, 'message')`. */
export interface SpeechKitLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Retry budget of one logical request.
 * - `maxAttempts`: total attempts including the first one (≥ 1).
 * - `baseDelayMs`: backoff base in milliseconds; attempt n waits a random time in
 *   `[0, min(maxDelayMs, baseDelayMs × 2^(n-1)))` (full jitter).
 * - `maxDelayMs`: cap of the exponential part in milliseconds.
 */
export interface RetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Defaults: 5 attempts, 500 ms base, 20 s cap. */
export const DEFAULT_RETRY: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
});

/** Default per-attempt timeout in milliseconds (covers sending up to 60 MB and reading the answer). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

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

/** Produces the `Authorization` header value (`Api-Key …` or `Bearer …`). */
export interface AuthorizationSource {
  /** True when {@link authorization} with `forceRefresh` can yield a new credential. */
  readonly refreshable: boolean;
  /**
   * @param opts.forceRefresh discard any cached token and obtain a new one.
   * @throws JobError STT_AUTH_FAILED when there are no usable credentials.
   */
  authorization(opts?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<string>;
}

/** One logical request. `what` names it in logs and error messages (e.g. "recognizeFileAsync"). */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  what: string;
  headers?: Record<string, string>;
  /** Request body (already serialised JSON); sent with `Content-Type: application/json`. */
  body?: string;
  /** When set, its header is sent and a 401 triggers one refresh when it is refreshable. */
  auth?: AuthorizationSource;
  /** Job error code for a final 404 (default STT_BAD_REQUEST). */
  notFoundCode?: JobErrorCode;
  /** Job error code for final 400/401/403 (default: 400 → STT_BAD_REQUEST, 401/403 → STT_AUTH_FAILED). */
  clientErrorCode?: JobErrorCode;
  /** Overrides the client's retry budget for this request. */
  retry?: Partial<RetryOptions>;
  signal?: AbortSignal;
}

/** A 2xx answer with its body read as text. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Number of attempts it took (1 = first try). */
  attempts: number;
}

/** Sends {@link HttpRequest}s with retries; every failure surfaces as a {@link JobError}. */
export interface HttpClient {
  /**
   * @throws JobError STT_BAD_REQUEST (400, other 4xx), STT_AUTH_FAILED (401/403),
   *   STT_UNAVAILABLE (retryable=true: 429/503/504/network/timeout after all attempts, or other 5xx),
   *   or `notFoundCode` (404). When the caller's signal aborts, rejects with the abort reason.
   */
  send(request: HttpRequest): Promise<HttpResponse>;
}

/** Circuit breaker tuning: failures in a row that open it, and ms until a trial request. */
export interface BreakerOptions {
  consecutiveFailures: number;
  halfOpenAfterMs: number;
}

/** Default breaker: open after 5 failed requests in a row, try again after 30 s. */
export const DEFAULT_BREAKER: Readonly<BreakerOptions> = Object.freeze({
  consecutiveFailures: 5,
  halfOpenAfterMs: 30_000,
});

/**
 * SpeechKit is considered down (the circuit breaker is open): the request was not sent. A
 * retryable {@link JobError} (`STT_UNAVAILABLE`); `retryAfterMs` is when a trial request will be
 * allowed, so a job can wait that long instead of failing.
 */
export class SttCircuitOpenError extends JobError {
  constructor(
    what: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      'STT_UNAVAILABLE',
      `SpeechKit ${what} failed: SpeechKit failed repeatedly, so calls are paused for ${Math.round(retryAfterMs / 1000)} s.`,
      true,
      options,
    );
    this.name = 'SttCircuitOpenError';
  }
}

/**
 * Hooks for metrics: called for every HTTP attempt and every retry. `outcome` is the HTTP
 * status as a string ("200", "429", …), "timeout" or "network"; durations are milliseconds.
 */
export interface SpeechKitObserver {
  attempt?(event: { what: string; outcome: string; durationMs: number }): void;
  retry?(event: { what: string; outcome: string }): void;
  /** The circuit breaker changed state. */
  circuit?(state: 'closed' | 'open' | 'half-open'): void;
}

/** Options of {@link createHttpClient}. `requestTimeoutMs` is per attempt, in milliseconds. */
export interface HttpClientOptions {
  retry?: Partial<RetryOptions>;
  requestTimeoutMs?: number;
  logger?: SpeechKitLogger;
  observer?: SpeechKitObserver;
  breaker?: Partial<BreakerOptions>;
  /** Injected for tests; defaults to the global `fetch`. */
  fetch?: typeof fetch;
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

/**
 * Delay in milliseconds before retry number `attempt` (1-based): the server's `Retry-After`
 * (clamped to {@link MAX_RETRY_AFTER_MS}) when given, else full jitter
 * `random() × min(maxDelayMs, baseDelayMs × 2^(attempt-1))`.
 */
export function backoffDelayMs(
  attempt: number,
  retryOptions: RetryOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  const ceiling = Math.min(
    retryOptions.maxDelayMs,
    retryOptions.baseDelayMs * 2 ** Math.max(0, attempt - 1),
  );
  return Math.floor(random() * ceiling);
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

function isRetryable(err: unknown): boolean {
  if (err instanceof SpeechKitTransportError) return true;
  return err instanceof SpeechKitHttpError && RETRYABLE_STATUSES.has(err.status);
}

function describeFailure(err: unknown): string {
  if (err instanceof SpeechKitHttpError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Maps the final failure of a request to the job error vocabulary. */
function toJobError(err: unknown, req: HttpRequest, attempts: number): JobError {
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

/**
 * Creates the retrying transport.
 * Each attempt gets its own `AbortSignal.timeout(requestTimeoutMs)` combined with the caller's
 * signal; every request carries one `x-client-request-id` UUID shared by its attempts
 * ("SpeechKit v3 REST: Error model", support headers).
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const baseRetry: RetryOptions = { ...DEFAULT_RETRY, ...stripUndefined(options.retry ?? {}) };
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const doFetch = options.fetch ?? fetch;
  const logger = options.logger;
  const observer = options.observer;
  const breakerOptions: BreakerOptions = {
    ...DEFAULT_BREAKER,
    ...stripUndefined(options.breaker ?? {}),
  };
  // Counts logical requests (after their retries) that ended in an outage; client errors
  // (400/401/403/404) are not outages and pass through without counting.
  const breaker = circuitBreaker(handleWhen(isRetryable), {
    halfOpenAfter: breakerOptions.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(breakerOptions.consecutiveFailures),
  });
  let openedAt = 0;
  breaker.onStateChange((state) => {
    const name =
      state === CircuitState.Open || state === CircuitState.Isolated
        ? 'open'
        : state === CircuitState.HalfOpen
          ? 'half-open'
          : 'closed';
    if (name === 'open') openedAt = Date.now();
    observer?.circuit?.(name);
    const fields = { circuit: name, halfOpenAfterMs: breakerOptions.halfOpenAfterMs };
    if (name === 'open') {
      logger?.warn(fields, 'SpeechKit keeps failing: pausing calls (circuit open)');
    } else logger?.info(fields, `SpeechKit circuit ${name}`);
  });

  return {
    async send(req: HttpRequest): Promise<HttpResponse> {
      const retryOptions: RetryOptions = { ...baseRetry, ...stripUndefined(req.retry ?? {}) };
      const clientRequestId = randomUUID();
      const callerSignal = req.signal;
      let refreshed = false;
      let attempts = 0;

      const once = async (authorization: string | undefined): Promise<HttpResponse> => {
        const headers: Record<string, string> = {
          accept: 'application/json',
          'x-client-request-id': clientRequestId,
          ...req.headers,
        };
        if (authorization) headers.authorization = authorization;
        if (req.body !== undefined) headers['content-type'] = 'application/json';
        const timeout = AbortSignal.timeout(requestTimeoutMs);
        const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
        let res: Response;
        let text: string;
        const started = performance.now();
        try {
          res = await doFetch(req.url, { method: req.method, headers, body: req.body, signal });
          text = await res.text();
          observer?.attempt?.({
            what: req.what,
            outcome: String(res.status),
            durationMs: performance.now() - started,
          });
        } catch (err) {
          if (callerSignal?.aborted) throw err;
          const timedOut = timeout.aborted;
          observer?.attempt?.({
            what: req.what,
            outcome: timedOut ? 'timeout' : 'network',
            durationMs: performance.now() - started,
          });
          const cause = (err as { cause?: { code?: string; message?: string } }).cause;
          const detail = timedOut
            ? `no answer within ${requestTimeoutMs} ms`
            : `${(err as Error).message}${cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : ''}`;
          throw new SpeechKitTransportError(detail, timedOut, { cause: err });
        }
        if (res.status >= 200 && res.status < 300) {
          return { status: res.status, headers: res.headers, text, attempts };
        }
        throw new SpeechKitHttpError(
          res.status,
          text,
          parseRpcStatus(text),
          parseRetryAfter(res.headers.get('retry-after')),
          res.headers.get('x-request-id') ?? undefined,
        );
      };

      const attempt = async (): Promise<HttpResponse> => {
        attempts++;
        if (callerSignal?.aborted) throw callerSignal.reason;
        const authorization = await req.auth?.authorization({ signal: callerSignal });
        try {
          return await once(authorization);
        } catch (err) {
          if (
            err instanceof SpeechKitHttpError &&
            err.status === 401 &&
            req.auth?.refreshable &&
            !refreshed
          ) {
            refreshed = true;
            logger?.info(
              { what: req.what, requestId: err.requestId },
              'SpeechKit answered 401; refreshing the IAM token once and retrying',
            );
            const fresh = await req.auth.authorization({
              forceRefresh: true,
              signal: callerSignal,
            });
            return await once(fresh);
          }
          throw err;
        }
      };

      const policy = retry(
        handleWhen((err) => !callerSignal?.aborted && isRetryable(err)),
        {
          maxAttempts: Math.max(0, Math.floor(retryOptions.maxAttempts) - 1),
          backoff: new DelegateBackoff((ctx) => {
            const failure = 'error' in ctx.result ? ctx.result.error : undefined;
            const retryAfterMs =
              failure instanceof SpeechKitHttpError ? failure.retryAfterMs : undefined;
            return backoffDelayMs(ctx.attempt, retryOptions, retryAfterMs);
          }),
        },
      );
      policy.onRetry((e) => {
        const err = 'error' in e ? e.error : undefined;
        observer?.retry?.({ what: req.what, outcome: failureOutcome(err) });
        logger?.warn(
          {
            what: req.what,
            attempt: e.attempt,
            delayMs: e.delay,
            status: err instanceof SpeechKitHttpError ? err.status : undefined,
            requestId: err instanceof SpeechKitHttpError ? err.requestId : undefined,
            error: describeFailure(err),
            clientRequestId,
          },
          'SpeechKit request failed; retrying',
        );
      });

      try {
        return await breaker.execute(() => policy.execute(attempt, callerSignal), callerSignal);
      } catch (err) {
        if (callerSignal?.aborted) throw callerSignal.reason ?? err;
        const circuitOpen = breaker.state === CircuitState.Open;
        if (err instanceof BrokenCircuitError || (circuitOpen && isRetryable(err))) {
          // Either nothing was sent, or this very failure opened the circuit: SpeechKit is
          // considered down until the trial request; callers may wait that long.
          const left = openedAt + breakerOptions.halfOpenAfterMs - Date.now();
          throw new SttCircuitOpenError(req.what, Math.max(1000, left), {
            cause: err instanceof BrokenCircuitError ? undefined : err,
          });
        }
        throw toJobError(err, req, attempts);
      }
    },
  };
}

/** The `outcome` label of a failed attempt (see {@link SpeechKitObserver}). */
function failureOutcome(err: unknown): string {
  if (err instanceof SpeechKitHttpError) return String(err.status);
  if (err instanceof SpeechKitTransportError) return err.timedOut ? 'timeout' : 'network';
  return 'other';
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
