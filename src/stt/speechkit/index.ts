/**
 * SpeechKit STT v3 asynchronous REST client ("SpeechKit v3 REST" reference: recognizeFileAsync,
 * operations, getRecognition, deleteRecognition, IAM token exchange).
 *
 * Entry points: {@link createSpeechKitProvider} (the {@link SttProvider} implementation) and
 * {@link describeSttConfig} (health endpoint). The other exports are building blocks, exported
 * for tests and diagnostics. The HTTP transport it uses (retries, circuit breaker, job errors,
 * `SttCircuitOpenError`) is the engine-neutral one in `src/stt/http`; what is SpeechKit's own
 * about it (google.rpc.Status bodies, 429/503/504) is in `./transport.ts`.
 */
export {
  createSpeechKitProvider,
  describeSttConfig,
  DEFAULT_POLL,
  POLL_BACKOFF_FACTOR,
  type PollOptions,
  type SpeechKitProviderOptions,
  type SttConfigDescription,
} from './provider.js';
export {
  RETRYABLE_STATUSES,
  SPEECHKIT_AUTH_HINT,
  SPEECHKIT_HTTP_ENGINE,
  parseRpcStatus,
  speechKitHttpOptions,
  type RpcStatus,
} from './transport.js';
export {
  CREDENTIALS_NOT_CONFIGURED,
  stripPemPreamble,
  signServiceAccountJwt,
  readServiceAccountKey,
  tokenNeedsRefresh,
  type ServiceAccountKey,
} from './auth.js';
export {
  MAX_REQUEST_BODY_BYTES,
  buildRecognizeFileOptions,
  encodeRecognizeFileBody,
  recognizeFileBody,
  type RecognizeFileOptionsJson,
} from './request.js';
export {
  parseRecognitionStream,
  parseRecognitionChunks,
  splitJsonValues,
  assembleUtterances,
  JsonValueSplitter,
  UtteranceAssembler,
} from './result-stream.js';
export {
  SPEECHKIT_ENGINE,
  SPEECHKIT_QUOTAS,
  createSpeechKitLimiter,
  speechKitQuotas,
  speechKitQuotaScope,
  type SpeechKitQuotaOverrides,
  type SpeechKitRequestKind,
} from './quotas.js';
