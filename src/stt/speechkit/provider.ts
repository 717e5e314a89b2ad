/**
 * The SpeechKit STT v3 asynchronous REST client, implementing {@link SttProvider}.
 *
 * Sources ("SpeechKit v3 REST" reference): recognizeFileAsync (§2.1–2.2), Operation polling
 * (§2.3), getRecognition result stream (§2.4), deleteRecognition (§2.1), error model (§3),
 * authentication (§1).
 */
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../config/config.js';
import { JobError } from '../../errors.js';
import type { RequestLimiter } from '../request-limiter.js';
import type { RecognitionRequest, SttProvider, Utterance } from '../types.js';
import { createAuthorizer } from './auth.js';
import {
  createHttpClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY,
  type BreakerOptions,
  type HttpLogger,
  type HttpObserver,
  type RetryOptions,
} from '../http/index.js';
import type { SpeechKitRequestKind } from './quotas.js';
import { buildRecognizeFileOptions, recognizeFileBody } from './request.js';
import { describeRpcCode, parseRecognitionChunks } from './result-stream.js';
import { speechKitHttpOptions } from './transport.js';

/**
 * Polling schedule of {@link SttProvider.waitForCompletion}, all in milliseconds:
 * the first poll is immediate, then waits start at `initialDelayMs` and grow ×1.5 up to
 * `maxDelayMs`; polling gives up after `timeoutMs` in total.
 */
export interface PollOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

/** Defaults: 1 s, ×1.5, capped at 15 s, for at most 6 h (SpeechKit needs ~10 s per audio minute). */
export const DEFAULT_POLL: Readonly<PollOptions> = Object.freeze({
  initialDelayMs: 1_000,
  maxDelayMs: 15_000,
  timeoutMs: 6 * 3600 * 1000,
});

/** Growth factor between poll delays. */
export const POLL_BACKOFF_FACTOR = 1.5;

/** Tuning of {@link createSpeechKitProvider}; everything optional, times in milliseconds. */
export interface SpeechKitProviderOptions {
  /** Retry budget of every HTTP request (default {@link DEFAULT_RETRY}: 5 attempts, 500 ms, 20 s). */
  retry?: Partial<RetryOptions>;
  /** Polling schedule (default {@link DEFAULT_POLL}). */
  poll?: Partial<PollOptions>;
  /** Per-attempt HTTP timeout (default 120 000 ms). */
  requestTimeoutMs?: number;
  /** Structured logger (pino compatible). */
  logger?: HttpLogger;
  /** Metrics hooks, called per HTTP attempt, retry and circuit change (`engine: 'speechkit'`). */
  observer?: HttpObserver;
  /** Circuit breaker tuning (default {@link DEFAULT_BREAKER}: 5 failures, 30 s). */
  breaker?: Partial<BreakerOptions>;
  /**
   * SpeechKit's quotas across the deployment (`createSpeechKitLimiter`): every submit and poll
   * attempt waits for a permit. Without it requests are not limited.
   */
  limiter?: RequestLimiter<SpeechKitRequestKind>;
}

/** Health-endpoint view of the STT configuration; never contains secrets. */
export interface SttConfigDescription {
  provider: Config['stt']['provider'];
  auth: Config['stt']['auth']['kind'];
  /** False when no credentials are set (every recognition would fail with STT_AUTH_FAILED). */
  configured: boolean;
  sttUrl: string;
  model: string;
}

/** Describes `cfg` for the health endpoint: `{ provider, auth: kind, configured, sttUrl, model }`. */
export function describeSttConfig(cfg: Config['stt']): SttConfigDescription {
  return {
    provider: cfg.provider,
    auth: cfg.auth.kind,
    configured: cfg.auth.kind !== 'none',
    sttUrl: cfg.sttUrl,
    model: cfg.model,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJsonObject(text: string, what: string): Obj {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new JobError(
      'STT_RESULT_MALFORMED',
      `SpeechKit ${what} answered 2xx with a body that is not JSON: ${text.slice(0, 200)}`,
      false,
      { cause: err },
    );
  }
  if (!isObj(v)) {
    throw new JobError(
      'STT_RESULT_MALFORMED',
      `SpeechKit ${what} answered 2xx with a non-object body`,
    );
  }
  return v;
}

/**
 * Creates the SpeechKit v3 provider.
 *
 * - `submit`: streams the OGG/Opus file as inline base64 `content` of a POST to
 *   `${sttUrl}/stt/v3/recognizeFileAsync` (see {@link recognizeFileBody} and
 *   {@link buildRecognizeFileOptions}), headers `Authorization`,
 *   `x-folder-id` (when `cfg.folderId`), `x-client-request-id`. Retries only 429/503/504 and
 *   failures without an HTTP answer (network error, reset, per-attempt timeout); an answered
 *   (2xx) submit is never repeated. Caveat: a request that timed out or was reset may in rare
 *   cases have reached SpeechKit, so its retry could create a second (billable) operation. Returns the
 *   Operation `id`. Throws AUDIO_TOO_LARGE (body > 60 000 000 bytes), STT_BAD_REQUEST (400, with
 *   SpeechKit's message), STT_AUTH_FAILED (401/403, no credentials), STT_UNAVAILABLE (retries
 *   exhausted, retryable), STT_RESULT_MALFORMED (2xx without an operation id).
 * - `waitForCompletion`: GETs `${operationUrl}/operations/{id}` per {@link PollOptions} until
 *   `done`; an `error` (google.rpc.Status) → STT_OPERATION_FAILED with code and message; `done`
 *   without `response` is success. Timeout → STT_UNAVAILABLE (retryable; the operation id stays
 *   valid). 404 → STT_OPERATION_FAILED.
 * - `fetchUtterances`: GETs `${sttUrl}/stt/v3/getRecognition?operationId=…` and parses the body
 *   as it arrives with {@link parseRecognitionChunks}.
 * - Quotas: with `options.limiter`, each submit attempt waits for a `submissions` permit and
 *   each poll attempt for an `operationPolls` permit (shared by every worker on the same Redis).
 * - `deleteResult`: DELETEs `${sttUrl}/stt/v3/deleteRecognition?operationId=…`; failures are
 *   logged and swallowed.
 *
 * With `cfg.auth.kind === 'none'` every call (except deleteResult, which swallows it) throws
 * JobError STT_AUTH_FAILED.
 */
export function createSpeechKitProvider(
  cfg: Config['stt'],
  options: SpeechKitProviderOptions = {},
): SttProvider {
  const logger = options.logger;
  const http = createHttpClient({
    ...speechKitHttpOptions(),
    retry: { ...DEFAULT_RETRY, ...options.retry },
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    logger,
    observer: options.observer,
    breaker: options.breaker,
    limiter: options.limiter,
  });
  const auth = createAuthorizer(cfg, { http, logger });
  const poll: PollOptions = { ...DEFAULT_POLL, ...definedOnly(options.poll) };
  const folderHeaders: Record<string, string> = cfg.folderId ? { 'x-folder-id': cfg.folderId } : {};
  const opQuery = (id: string) => `operationId=${encodeURIComponent(id)}`;

  const requireAuth = async (signal?: AbortSignal) => {
    // Fail fast (before reading audio) when credentials are missing or the key file is broken.
    await auth.authorization({ signal });
  };

  return {
    async submit(request: RecognitionRequest, signal?: AbortSignal): Promise<string> {
      await requireAuth(signal);
      const { size: audioBytes } = await stat(request.audioPath);
      const body = recognizeFileBody(
        request.audioPath,
        audioBytes,
        buildRecognizeFileOptions(request, cfg.model),
      );
      const res = await http.send({
        method: 'POST',
        url: `${cfg.sttUrl}/stt/v3/recognizeFileAsync`,
        what: 'recognizeFileAsync',
        headers: folderHeaders,
        body,
        limit: 'submissions',
        auth,
        signal,
      });
      const op = parseJsonObject(res.text, 'recognizeFileAsync');
      if (typeof op.id !== 'string' || op.id === '') {
        throw new JobError(
          'STT_RESULT_MALFORMED',
          `SpeechKit recognizeFileAsync answered HTTP ${res.status} without an operation id: ${res.text.slice(0, 200)}`,
        );
      }
      logger?.info(
        {
          operationId: op.id,
          audioBytes,
          bodyBytes: body.bytes,
          attempts: res.attempts,
          requestId: res.headers.get('x-request-id') ?? undefined,
        },
        'SpeechKit recognition submitted',
      );
      return op.id;
    },

    async waitForCompletion(operationId, onPoll, signal): Promise<void> {
      const started = Date.now();
      let delay = poll.initialDelayMs;
      for (let polls = 1; ; polls++) {
        const res = await http.send({
          method: 'GET',
          url: `${cfg.operationUrl}/operations/${encodeURIComponent(operationId)}`,
          what: 'operation poll',
          headers: folderHeaders,
          limit: 'operationPolls',
          auth,
          notFoundCode: 'STT_OPERATION_FAILED',
          signal,
        });
        const op = parseJsonObject(res.text, 'operation poll');
        onPoll?.(polls);
        if (op.error !== undefined && op.error !== null) {
          const e = isObj(op.error) ? op.error : {};
          const message = typeof e.message === 'string' ? e.message : JSON.stringify(op.error);
          throw new JobError(
            'STT_OPERATION_FAILED',
            `SpeechKit recognition operation ${operationId} failed (${describeRpcCode(e.code)}): ${message}`,
          );
        }
        if (op.done === true) return;
        const elapsed = Date.now() - started;
        if (elapsed + delay > poll.timeoutMs) {
          throw new JobError(
            'STT_UNAVAILABLE',
            `SpeechKit recognition operation ${operationId} was not done after ${Math.round(elapsed / 1000)} s (${polls} polls); it can be resumed later`,
            true,
          );
        }
        await sleep(delay, undefined, { signal });
        delay = Math.min(poll.maxDelayMs, Math.round(delay * POLL_BACKOFF_FACTOR));
      }
    },

    async fetchUtterances(operationId, signal): Promise<Utterance[]> {
      const res = await http.read(
        {
          method: 'GET',
          url: `${cfg.sttUrl}/stt/v3/getRecognition?${opQuery(operationId)}`,
          what: 'getRecognition',
          headers: folderHeaders,
          auth,
          notFoundCode: 'STT_OPERATION_FAILED',
          signal,
        },
        parseRecognitionChunks,
      );
      const { utterances, bytes } = res.value;
      logger?.info(
        { operationId, utterances: utterances.length, bytes },
        'SpeechKit recognition result fetched',
      );
      return utterances;
    },

    async deleteResult(operationId): Promise<void> {
      try {
        await http.send({
          method: 'DELETE',
          url: `${cfg.sttUrl}/stt/v3/deleteRecognition?${opQuery(operationId)}`,
          what: 'deleteRecognition',
          headers: folderHeaders,
          auth,
          retry: { maxAttempts: 2 },
        });
      } catch (err) {
        logger?.warn(
          { operationId, error: (err as Error).message },
          'Could not delete the SpeechKit recognition result (it expires after 3 days anyway)',
        );
      }
    },
  };
}

function definedOnly<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
