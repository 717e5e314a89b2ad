/**
 * The retrying HTTP transport every engine adapter shares (SpeechKit's v3 REST calls and IAM
 * token exchange, an OpenAI-compatible server's `POST /audio/transcriptions`). It knows no
 * engine: each client is made for one ({@link HttpClientOptions.engine}), and the engine says
 * how its error bodies read, which statuses are worth retrying and what to tell the operator when
 * its credentials are refused.
 *
 * Retries: statuses in {@link HttpClientOptions.retryableStatuses} (default
 * {@link DEFAULT_RETRYABLE_STATUSES}: 429, 500, 502, 503, 504), network errors (connection
 * refused/reset) and per-attempt timeouts are retried; other statuses never are, except for one
 * credentials refresh on 401 when the request's {@link AuthorizationSource} is refreshable. The
 * retry policy is a cockatiel {@link retry} with a {@link DelegateBackoff} that does exponential
 * backoff with full jitter and honours `Retry-After`, within {@link RetryOptions.maxAttempts}.
 * A 413 is never retried: it surfaces as {@link PayloadTooLargeError} so an adapter can split
 * what it sent.
 *
 * Around the retries sits one cockatiel circuit breaker per client (so per engine and process):
 * after `breaker.consecutiveFailures` logical requests in a row fail with an outage (a retryable
 * status, network error or timeout after all their retries), that last failure and every request
 * after it fail with {@link SttCircuitOpenError} — at once, nothing sent — until
 * `breaker.halfOpenAfterMs` has passed; then one trial request decides whether to close it again.
 * The worker re-queues a job that meets an open circuit instead of failing it.
 *
 * Bodies: a request body is JSON text or a {@link StreamingBody} (SpeechKit's inline audio, up to
 * 60 MB; a multipart upload from {@link multipartBody}), opened anew for every attempt and sent
 * with its exact Content-Length, so a file is never held whole. A 2xx answer can be read as text
 * ({@link HttpClient.send}) or as it arrives ({@link HttpClient.read}).
 *
 * Quotas: a request with a `limit` kind waits, before each attempt (retries included, since each
 * is a request the engine counts), for a permit of the client's {@link RequestLimiter}.
 */
import { randomUUID } from 'node:crypto';
import { DelegateBackoff, handleWhen, retry } from 'cockatiel';
import type { JobErrorCode } from '../../errors.js';
import type { RequestLimiter } from '../request-limiter.js';
import {
  createCircuit,
  DEFAULT_BREAKER,
  type BreakerOptions,
  type Circuit,
  type CircuitStateName,
} from './circuit.js';
import {
  DEFAULT_RETRYABLE_STATUSES,
  describeFailure,
  failureOutcome,
  HttpStatusError,
  isRetryable,
  MAX_RETRY_AFTER_MS,
  toJobError,
  type ErrorBodyDescription,
  type ErrorPolicy,
  type HttpEngine,
} from './errors.js';
import { sendAttempt, type AttemptContext } from './exchange.js';

/** Minimal structured logger (pino compatible): `logger.warn({ ...fields }, 'message')`. */
export interface HttpLogger {
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

/** Produces the `Authorization` header value (`Api-Key …`, `Bearer …`). */
export interface AuthorizationSource {
  /** True when {@link authorization} with `forceRefresh` can yield a new credential. */
  readonly refreshable: boolean;
  /**
   * @param opts.forceRefresh discard any cached token and obtain a new one.
   * @throws JobError STT_AUTH_FAILED when there are no usable credentials.
   */
  authorization(opts?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<string>;
}

/** One logical request. `what` names it in logs, metrics and error messages (e.g. "recognizeFileAsync"). */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  what: string;
  headers?: Record<string, string>;
  /**
   * Request body: serialised JSON text (sent as `Content-Type: application/json`), or a
   * {@link StreamingBody} opened once per attempt and sent with its own `contentType`.
   */
  body?: string | StreamingBody;
  /**
   * Quota kind (e.g. "operationPolls"): each attempt first waits for a permit of this kind from
   * the client's {@link HttpClientOptions.limiter}. Unlimited without a limiter.
   */
  limit?: string;
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

/**
 * A request body produced in pieces, for bodies too big to hold whole (SpeechKit's inline audio,
 * a multipart upload). `open()` is called once per attempt and returns a fresh stream of exactly
 * `bytes` bytes, sent as `Content-Length` (not chunked) with `Content-Type: contentType`; the
 * stream is closed (`return()`) when the attempt ends, sent in full or not. A stream that yields
 * more or fewer bytes than `bytes` fails the attempt (the connection is dropped, never reused).
 */
export interface StreamingBody {
  /** Size of the whole body in bytes. */
  readonly bytes: number;
  /** The `Content-Type` header, e.g. `application/json`, `multipart/form-data; boundary=…`. */
  readonly contentType: string;
  open(): AsyncGenerator<Uint8Array, void, undefined>;
}

/**
 * Reads a 2xx response body as it arrives. Its own errors (e.g. a malformed result) end the
 * request as they are; errors of the body stream itself count as transport failures (retried).
 */
export type BodyReader<T> = (body: AsyncIterable<Uint8Array>) => Promise<T>;

/** A 2xx answer with its body read as text. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Number of attempts it took (1 = first try). */
  attempts: number;
}

/** A 2xx answer with its body read by a {@link BodyReader}. */
export interface HttpResult<T> {
  status: number;
  headers: Headers;
  value: T;
  /** Number of attempts it took (1 = first try). */
  attempts: number;
}

/** Sends {@link HttpRequest}s with retries; every failure surfaces as a `JobError`. */
export interface HttpClient {
  /** The engine this client talks to. */
  readonly engine: HttpEngine;
  /**
   * Sends a request and reads a 2xx body as text.
   * @throws JobError STT_BAD_REQUEST (400, other 4xx), STT_AUTH_FAILED (401/403),
   *   STT_UNAVAILABLE (retryable=true: a retryable status, network error or timeout after all
   *   attempts, or another 5xx), `notFoundCode` (404); {@link PayloadTooLargeError} (413, a
   *   STT_BAD_REQUEST); {@link SttCircuitOpenError} (STT_UNAVAILABLE) while the engine counts as
   *   down. When the caller's signal aborts, rejects with the abort reason.
   */
  send(request: HttpRequest): Promise<HttpResponse>;
  /**
   * Sends a request and hands a 2xx body to `reader` as it arrives (within the attempt's
   * timeout; a body that breaks off is retried like a lost answer).
   * @throws as {@link send}, and whatever `reader` throws.
   */
  read<T>(request: HttpRequest, reader: BodyReader<T>): Promise<HttpResult<T>>;
}

/**
 * Hooks for metrics: called for every HTTP attempt, every retry and every circuit change, each
 * with the client's `engine` id. `outcome` is the HTTP status as a string ("200", "429", …),
 * "timeout" or "network"; `what` is {@link HttpRequest.what}; durations are milliseconds.
 */
export interface HttpObserver {
  attempt?(event: { engine: string; what: string; outcome: string; durationMs: number }): void;
  retry?(event: { engine: string; what: string; outcome: string }): void;
  /** The engine's circuit breaker changed state. */
  circuit?(event: { engine: string; state: CircuitStateName }): void;
  /** A client for `engine` was created; its circuit starts closed (no `circuit` event for that). */
  created?(event: { engine: string }): void;
}

/** Options of {@link createHttpClient}. `requestTimeoutMs` is per attempt, in milliseconds. */
export interface HttpClientOptions {
  /** The engine, e.g. `{ id: 'speechkit', name: 'SpeechKit' }` (log fields, events, messages). */
  engine: HttpEngine;
  retry?: Partial<RetryOptions>;
  requestTimeoutMs?: number;
  logger?: HttpLogger;
  observer?: HttpObserver;
  breaker?: Partial<BreakerOptions>;
  /** Quota permits for requests with a `limit` kind (see {@link HttpRequest.limit}). */
  limiter?: RequestLimiter<string>;
  /**
   * HTTP statuses retried with backoff and counted as outages by the breaker (default
   * {@link DEFAULT_RETRYABLE_STATUSES}: 429, 500, 502, 503, 504). 413 is never retried whatever
   * this says.
   */
  retryableStatuses?: Iterable<number>;
  /**
   * Reads the engine's error body (e.g. SpeechKit's `google.rpc.Status`, OpenAI's
   * `{ error: { message, type, code } }`) into a message and code for error messages; returns
   * undefined when the body is not in that format. Without it, messages quote the body's text.
   */
  describeErrorBody?: (body: string) => ErrorBodyDescription | undefined;
  /**
   * Appended to the message of a final 401/403, e.g. "Check OPENAI_API_KEY." Say where the
   * credentials are configured; never include them.
   */
  authFailureHint?: string;
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

/** Settings shared by every request of one client. */
interface ClientSettings extends Omit<AttemptContext, 'clientRequestId'> {
  retry: RetryOptions;
  logger?: HttpLogger;
  circuit: Circuit;
  policy: ErrorPolicy;
  isRetryable: (err: unknown) => boolean;
}

/**
 * Creates the retrying transport for one engine.
 * Each attempt gets its own `AbortSignal.timeout(requestTimeoutMs)` combined with the caller's
 * signal; every request carries one `x-client-request-id` UUID shared by its attempts.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { engine, logger, observer } = options;
  const breaker: BreakerOptions = { ...DEFAULT_BREAKER, ...stripUndefined(options.breaker ?? {}) };
  const retryableStatuses: ReadonlySet<number> = new Set(
    [...(options.retryableStatuses ?? DEFAULT_RETRYABLE_STATUSES)].filter((s) => s !== 413),
  );
  const retryable = (err: unknown) => isRetryable(err, retryableStatuses);
  const circuit = createCircuit(engine, breaker, retryable, (state) => {
    observer?.circuit?.({ engine: engine.id, state });
    const fields = { engine: engine.id, circuit: state, halfOpenAfterMs: breaker.halfOpenAfterMs };
    if (state === 'open') {
      logger?.warn(fields, `${engine.name} keeps failing: pausing calls (circuit open)`);
    } else logger?.info(fields, `${engine.name} circuit ${state}`);
  });
  const describeErrorBody = options.describeErrorBody ?? (() => undefined);
  const settings: ClientSettings = {
    engine,
    retry: { ...DEFAULT_RETRY, ...stripUndefined(options.retry ?? {}) },
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    logger,
    observer,
    limiter: options.limiter,
    describeErrorBody,
    circuit,
    policy: {
      engine,
      retryableStatuses,
      describeErrorBody,
      authFailureHint: options.authFailureHint,
    },
    isRetryable: retryable,
  };
  observer?.created?.({ engine: engine.id });
  return {
    engine,
    async send(req) {
      const { value, ...rest } = await execute<string>(settings, req, undefined);
      return { ...rest, text: value };
    },
    read: (req, reader) => execute(settings, req, reader),
  };
}

/** One logical request: attempts under the retry policy, inside the circuit. */
async function execute<T>(
  s: ClientSettings,
  req: HttpRequest,
  reader: BodyReader<T> | undefined,
): Promise<HttpResult<T>> {
  const retryOptions: RetryOptions = { ...s.retry, ...stripUndefined(req.retry ?? {}) };
  const ctx: AttemptContext = { ...s, clientRequestId: randomUUID() };
  const callerSignal = req.signal;
  let refreshed = false;
  let attempts = 0;

  const attempt = async (): Promise<HttpResult<T>> => {
    attempts++;
    if (callerSignal?.aborted) throw callerSignal.reason;
    const authorization = await req.auth?.authorization({ signal: callerSignal });
    try {
      return await sendAttempt(ctx, req, reader, authorization, attempts);
    } catch (err) {
      if (
        !(err instanceof HttpStatusError && err.status === 401) ||
        !req.auth?.refreshable ||
        refreshed
      ) {
        throw err;
      }
      refreshed = true;
      s.logger?.info(
        { engine: s.engine.id, what: req.what, requestId: err.requestId },
        `${s.engine.name} answered 401; refreshing the token once and retrying`,
      );
      const fresh = await req.auth.authorization({ forceRefresh: true, signal: callerSignal });
      return await sendAttempt(ctx, req, reader, fresh, attempts);
    }
  };

  const policy = retryPolicy(s, req, retryOptions, ctx.clientRequestId);
  try {
    return await s.circuit.execute(() => policy.execute(attempt, callerSignal), callerSignal);
  } catch (err) {
    if (callerSignal?.aborted) throw callerSignal.reason ?? err;
    const bodyBytes =
      typeof req.body === 'object'
        ? req.body.bytes
        : typeof req.body === 'string'
          ? Buffer.byteLength(req.body)
          : undefined;
    throw (
      s.circuit.openError(req.what, err) ??
      toJobError(err, { ...req, bodyBytes }, attempts, s.policy)
    );
  }
}

/** cockatiel retry policy: retryable failures, full-jitter backoff honouring `Retry-After`. */
function retryPolicy(
  s: ClientSettings,
  req: HttpRequest,
  retryOptions: RetryOptions,
  clientRequestId: string,
) {
  const callerSignal = req.signal;
  const policy = retry(
    handleWhen((err) => !callerSignal?.aborted && s.isRetryable(err)),
    {
      maxAttempts: Math.max(0, Math.floor(retryOptions.maxAttempts) - 1),
      backoff: new DelegateBackoff((ctx) => {
        const failure = 'error' in ctx.result ? ctx.result.error : undefined;
        const retryAfterMs = failure instanceof HttpStatusError ? failure.retryAfterMs : undefined;
        return backoffDelayMs(ctx.attempt, retryOptions, retryAfterMs);
      }),
    },
  );
  policy.onRetry((e) => {
    const err = 'error' in e ? e.error : undefined;
    s.observer?.retry?.({ engine: s.engine.id, what: req.what, outcome: failureOutcome(err) });
    s.logger?.warn(
      {
        engine: s.engine.id,
        what: req.what,
        attempt: e.attempt,
        delayMs: e.delay,
        status: err instanceof HttpStatusError ? err.status : undefined,
        requestId: err instanceof HttpStatusError ? err.requestId : undefined,
        error: describeFailure(err),
        clientRequestId,
      },
      `${s.engine.name} request failed; retrying`,
    );
  });
  return policy;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
