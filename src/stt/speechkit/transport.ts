/**
 * What the shared HTTP transport (`src/stt/http`) needs to know about SpeechKit, per "SpeechKit
 * v3 REST: Error model": error bodies are `google.rpc.Status` (`{ code, message, details[] }`,
 * sometimes wrapped as `{ error: {…} }` by grpc-gateway); 429 RESOURCE_EXHAUSTED, 503
 * UNAVAILABLE and 504 DEADLINE_EXCEEDED are the statuses it lists as worth retrying, so other
 * 5xx fail at once (as STT_UNAVAILABLE); the credentials live in YANDEX_* settings. IAM token
 * exchange shares the SpeechKit client, and these rules.
 */
import type { ErrorBodyDescription, HttpClientOptions, HttpEngine } from '../http/index.js';
import { SPEECHKIT_ENGINE } from './quotas.js';

/** SpeechKit as the transport names it: `engine="speechkit"` in logs and metrics, "SpeechKit" in messages. */
export const SPEECHKIT_HTTP_ENGINE: HttpEngine = Object.freeze({
  id: SPEECHKIT_ENGINE,
  name: 'SpeechKit',
});

/** HTTP statuses retried with backoff ("SpeechKit v3 REST: Error model": 429, 503, 504). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = Object.freeze(new Set([429, 503, 504]));

/** Appended to the message of a final 401/403 from SpeechKit or IAM. */
export const SPEECHKIT_AUTH_HINT =
  "Check YANDEX_API_KEY / YANDEX_IAM_TOKEN / YANDEX_SA_KEY_FILE and the service account's role ai.speechkit-stt.user.";

/** `google.rpc.Status` as sent in SpeechKit error bodies: `{ code, message, details[] }`. */
export interface RpcStatus extends ErrorBodyDescription {
  code?: number;
  message?: string;
  details?: unknown[];
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

/**
 * The SpeechKit-specific options of `createHttpClient`: engine identity, retryable statuses
 * (429/503/504), `google.rpc.Status` error bodies and the credentials hint.
 */
export function speechKitHttpOptions(): Pick<
  HttpClientOptions,
  'engine' | 'retryableStatuses' | 'describeErrorBody' | 'authFailureHint'
> {
  return {
    engine: SPEECHKIT_HTTP_ENGINE,
    retryableStatuses: RETRYABLE_STATUSES,
    describeErrorBody: parseRpcStatus,
    authFailureHint: SPEECHKIT_AUTH_HINT,
  };
}
