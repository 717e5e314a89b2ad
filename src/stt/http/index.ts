/**
 * The engine-neutral HTTP transport shared by every engine adapter under `src/stt/<engine>/`:
 * retries (retryable statuses, network errors, timeouts; full jitter, `Retry-After`), a circuit
 * breaker per client, streamed JSON and multipart bodies with exact `Content-Length`, streamed
 * reading of answers, quota permits, and the mapping of failures to {@link JobError}s
 * (STT_UNAVAILABLE, STT_AUTH_FAILED, STT_BAD_REQUEST, …). An engine supplies its identity and
 * what is its own (error body format, retryable statuses, credentials hint) as options of
 * {@link createHttpClient}.
 *
 * What the pipeline may catch without knowing the engine: {@link SttCircuitOpenError}.
 */
export {
  backoffDelayMs,
  createHttpClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY,
  type AuthorizationSource,
  type BodyReader,
  type HttpClient,
  type HttpClientOptions,
  type HttpLogger,
  type HttpObserver,
  type HttpRequest,
  type HttpResponse,
  type HttpResult,
  type RetryOptions,
  type StreamingBody,
} from './client.js';
export {
  DEFAULT_BREAKER,
  SttCircuitOpenError,
  type BreakerOptions,
  type CircuitStateName,
} from './circuit.js';
export { FILE_PIECE_BYTES, multipartBody, type MultipartFile } from './multipart.js';
export {
  DEFAULT_RETRYABLE_STATUSES,
  HttpStatusError,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
  PayloadTooLargeError,
  TransportError,
  type ErrorBodyDescription,
  type HttpEngine,
} from './errors.js';
