/**
 * OpenAI-compatible speech-to-text test double: a real HTTP server speaking
 * `POST {base}/audio/transcriptions` (multipart/form-data) the way OpenAI, whisper.cpp's
 * `examples/server`, speaches and vLLM do, "recognising" the submitted audio by locating it in
 * the fixture recordings (see `locate.ts`, `transcribe.ts`; wire shapes in `wire.ts`).
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '../helpers/repo-root.js';
import { ANALYSIS_SAMPLE_RATE, decodePcm } from '../speechkit-double/audio.js';
import { FaultScript, type Fault } from '../speechkit-double/faults.js';
import { loadManifests, type FixtureManifest } from '../speechkit-double/manifest.js';
import type { VadOptions } from '../speechkit-double/vad.js';
import { loadFixtureLibrary } from './locate.js';
import { readForm } from './multipart.js';
import { transcribePiece, type PieceTranscription } from './transcribe.js';
import { undecodableAnswer, validateTranscription, type TranscriptionParams } from './validate.js';
import { errorAnswer, renderTranscription, type OpenAiFlavour, type WireAnswer } from './wire.js';

/** Default transcription path: OpenAI's (whisper.cpp needs `--inference-path` for it). */
export const DEFAULT_TRANSCRIPTION_PATH = '/v1/audio/transcriptions';
/** whisper.cpp's own default inference path (examples/server `inference_path`). */
export const WHISPER_CPP_INFERENCE_PATH = '/inference';
/** OpenAI's request size limit: 25 MiB (help.openai.com "Whisper API FAQ"). */
export const OPENAI_MAX_REQUEST_BYTES = 25 * 1024 * 1024;
/** Default fixture directory: `tests/fixtures/audio` of this repository. */
export const DEFAULT_FIXTURES_DIR = path.join(REPO_ROOT, 'tests', 'fixtures', 'audio');

/** Options of {@link startOpenAiDouble}. */
export interface OpenAiDoubleOptions {
  /** Server imitated (default `openai`); changeable later with `setFlavour`. */
  flavour?: OpenAiFlavour;
  /** When set, `Authorization: Bearer <apiKey>` is required (else 401). */
  apiKey?: string;
  /** Fixture manifests (speechkit-double `loadManifests`); default: those in `fixturesDir`. */
  manifests?: FixtureManifest[];
  /** Directory holding the manifests' audio files (default {@link DEFAULT_FIXTURES_DIR}). */
  fixturesDir?: string;
  /**
   * Largest request body in bytes; a bigger one gets 413 after reading just past the limit, and
   * the connection is closed. Default: 25 MiB for `openai` and `vllm` (vLLM's
   * VLLM_MAX_AUDIO_CLIP_FILESIZE_MB = 25, which real vLLM checks on the file and answers 400),
   * none for `whisper.cpp` (cpp-httplib's limit is size_t max) and `speaches`.
   */
  maxRequestBytes?: number;
  /** Transcription path (default {@link DEFAULT_TRANSCRIPTION_PATH}; whisper.cpp's own: `/inference`). */
  path?: string;
  /** Accept `response_format=diarized_json` (OpenAI: with model `gpt-4o-transcribe-diarize`). */
  diarization?: boolean;
  /**
   * Requests processed at once; more wait. Default 1 for `whisper.cpp` (one global
   * `whisper_mutex`), unlimited for the others.
   */
  concurrency?: number;
  /** Fixed processing delay per request, milliseconds (default 0). */
  latencyMs?: number;
  /** Extra processing delay per second of submitted audio, milliseconds (default 0). */
  processingMsPerAudioSecond?: number;
  /**
   * Answer silence with Whisper's hallucination "Продолжение следует...". Default true for
   * `openai` and `whisper.cpp`, false for `speaches` (Silero VAD on every request) and `vllm`.
   */
  hallucinateOnSilence?: boolean;
  /** Under auto-detection, report `to` for speech in `from` (e.g. `{from:'kk', to:'tt'}`). */
  misdetect?: { from: string; to: string };
  /** speaches: return words as if its issue #639 were fixed (default false: `words: null`). */
  speachesWords?: boolean;
  /** vLLM: computed avg_logprob/compression_ratio instead of PR #24209's −1.0 placeholders. */
  vllmComputedScores?: boolean;
  /** Model ids served; unknown ones get 404 (default: OpenAI's list for `openai`, any otherwise). */
  models?: readonly string[];
  /** VAD tuning (speechkit-double `detectSpeech`). */
  vad?: Partial<VadOptions>;
  /** Listen address (default 127.0.0.1) and port (default 0: any free port). */
  host?: string;
  port?: number;
}

/** A request as the double received and answered it. */
export interface RecordedRequest {
  method: string;
  /** URL path without the query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Text form fields: name → every value in order (`timestamp_granularities[]` repeats). */
  fields: Record<string, string[]>;
  /** The `file` part, without its bytes. */
  file?: { filename: string; mimeType: string; bytes: number };
  /** Request body bytes read (the declared Content-Length when refused unread). */
  bodyBytes: number;
  /** Seconds of audio ffmpeg decoded from `file` (undefined: missing or undecodable). */
  audioSeconds?: number;
  /** The `language` field as sent (undefined when omitted). */
  language?: string;
  /** Effective response format (after whisper.cpp's fallback to json). */
  responseFormat?: string;
  /** `timestamp_granularities[]` values honoured. */
  timestampGranularities: string[];
  /** Fields the flavour does not read, e.g. `timestamp_granularities` without `[]`. */
  ignoredFields: string[];
  /** What the server would log as warnings. */
  warnings: string[];
  /** The scripted fault applied, if any. */
  fault?: Fault;
  /** HTTP status answered (undefined when reset or not answered). */
  status?: number;
  /** True when the client went away before the answer could be sent. */
  aborted: boolean;
  /** The double's reading of the audio (2xx answers). */
  transcription?: PieceTranscription;
  /** Epoch milliseconds of arrival and of the answer. */
  at: number;
  answeredAt?: number;
}

/** A running double. */
export interface OpenAiDouble {
  /** OpenAI base URL, `http://host:port/v1` (use as OPENAI_STT_URL / the client's baseURL). */
  url: string;
  /** Full URL of the transcription endpoint (`http://host:port` + `path`). */
  endpoint: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Seconds of audio in requests answered 2xx (and delivered). */
  audioSecondsReceived(): number;
  /** Seconds of audio in every request whose file decoded, whatever the answer. */
  audioSecondsTotal(): number;
  /**
   * Scripted faults; every transcription request consumes faults pushed with `on: 'submit'`:
   * `{on:'submit', status: 429, retryAfter: '2', times: 3}`, `{on:'submit', status: 503}`,
   * `{on:'submit', delayMs: 60_000}` (hang: a delay longer than the client's timeout, ended early
   * when the client disconnects), `{on:'submit', reset: true}` (connection destroyed after the
   * body is read). A status fault without `body` gets the flavour's error envelope.
   */
  faults: FaultScript;
  /** The flavour now imitated. */
  readonly flavour: OpenAiFlavour;
  /** Switches flavour; flavour-dependent defaults (limits, concurrency, …) follow it. */
  setFlavour(flavour: OpenAiFlavour): void;
  /** Most requests in flight at once (arrived, not yet answered), processing or waiting. */
  readonly maxObservedConcurrency: number;
  close(): Promise<void>;
}

/** Flavour defaults (overridable by options). */
function defaults(flavour: OpenAiFlavour) {
  return {
    concurrency: flavour === 'whisper.cpp' ? 1 : Infinity,
    maxRequestBytes:
      flavour === 'openai' || flavour === 'vllm' ? OPENAI_MAX_REQUEST_BYTES : Infinity,
    hallucinateOnSilence: flavour === 'openai' || flavour === 'whisper.cpp',
    whenOmitted:
      flavour === 'openai' || flavour === 'speaches' ? ('auto' as const) : ('en' as const),
    model:
      flavour === 'openai'
        ? 'whisper-1'
        : flavour === 'speaches'
          ? 'Systran/faster-whisper-large-v3'
          : 'openai/whisper-large-v3',
  };
}

/** Longest single timer Node accepts (larger values fire after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The answer to a scripted status fault: its `body`, or a 429/503 message in the flavour's envelope. */
function faultAnswer(
  flavour: OpenAiFlavour,
  fault: { status: number; retryAfter?: string; body?: string },
): WireAnswer {
  const headers = fault.retryAfter ? { 'retry-after': fault.retryAfter } : undefined;
  if (fault.body !== undefined) {
    return { status: fault.status, contentType: 'application/json', body: fault.body, headers };
  }
  const message =
    fault.status === 429
      ? 'Rate limit reached for requests. Please try again later.'
      : fault.status === 503
        ? 'The server is overloaded or not ready yet.'
        : `Scripted fault: HTTP ${fault.status}.`;
  const details = fault.status === 429 ? { type: 'requests', code: 'rate_limit_exceeded' } : {};
  return errorAnswer(flavour, fault.status, message, details, headers);
}

/**
 * Starts the double on `host:port` (default 127.0.0.1, any free port) after decoding the
 * fixtures. Routes: `POST {path}` (transcription), `GET /health`, `GET /v1/models` (not
 * whisper.cpp); anything else 404 in the flavour's style.
 * @throws Error when a fixture cannot be decoded or the port cannot be bound.
 */
export async function startOpenAiDouble(opts: OpenAiDoubleOptions = {}): Promise<OpenAiDouble> {
  let flavour: OpenAiFlavour = opts.flavour ?? 'openai';
  const fixturesDir = opts.fixturesDir ?? DEFAULT_FIXTURES_DIR;
  const manifests = opts.manifests ?? loadManifests(fixturesDir);
  const library = await loadFixtureLibrary(fixturesDir, manifests);
  const transcriptionPath = opts.path ?? DEFAULT_TRANSCRIPTION_PATH;
  const faults = new FaultScript();
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  const settings = () => ({ ...defaults(flavour), ...definedOnly(opts) });

  let inFlight = 0;
  let maxObservedConcurrency = 0;
  let processing = 0;
  const waiting: (() => void)[] = [];
  /** Waits for a processing slot; resolves to its release function. */
  const acquire = async (signal: AbortSignal): Promise<() => void> => {
    while (processing >= settings().concurrency) {
      signal.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const i = waiting.indexOf(wake);
          if (i >= 0) waiting.splice(i, 1);
          reject(signal.reason as Error);
        };
        waiting.push(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    processing++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      processing--;
      waiting.shift()?.();
    };
  };

  const send = (rec: RecordedRequest, res: ServerResponse, a: WireAnswer, close = false) => {
    rec.status = a.status;
    rec.answeredAt = Date.now();
    if (res.destroyed || res.headersSent) {
      rec.aborted = true;
      return;
    }
    res.writeHead(a.status, {
      'content-type': a.contentType,
      ...(close ? { connection: 'close' } : {}),
      ...a.headers,
    });
    res.end(a.body);
  };

  /** 413 without reading further; the connection is closed once the answer is out. */
  const refuseTooLarge = (rec: RecordedRequest, req: IncomingMessage, res: ServerResponse) => {
    const limit = settings().maxRequestBytes;
    const a =
      flavour === 'openai' || flavour === 'vllm'
        ? errorAnswer(
            flavour,
            413,
            `Maximum content size limit (${limit}) exceeded (${rec.bodyBytes} bytes read)`,
            { code: 'request_too_large' },
          )
        : { status: 413, contentType: 'text/plain', body: 'Payload Too Large' };
    res.on('finish', () => {
      req.socket.end();
      setTimeout(() => req.socket.destroy(), 1000).unref();
    });
    send(rec, res, a, true);
    req.resume();
  };

  const authorized = (req: IncomingMessage, rec: RecordedRequest, res: ServerResponse) => {
    if (opts.apiKey === undefined) return true;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (m && m[1] === opts.apiKey) return true;
    req.resume();
    if (flavour === 'vllm') {
      send(rec, res, {
        status: 401,
        contentType: 'application/json',
        body: '{"error":"Unauthorized"}',
      });
      return false;
    }
    const masked = m ? `${m[1].slice(0, 3)}***${m[1].slice(-4)}` : '';
    const message = m
      ? `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`
      : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
    send(rec, res, errorAnswer('openai', 401, message, { code: 'invalid_api_key' }));
    return false;
  };

  const handleTranscription = async (
    req: IncomingMessage,
    res: ServerResponse,
    rec: RecordedRequest,
  ) => {
    if (!authorized(req, rec, res)) return;
    const s = settings();
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > s.maxRequestBytes) {
      rec.bodyBytes = declared;
      return refuseTooLarge(rec, req, res);
    }
    const form = await readForm(req, s.maxRequestBytes);
    rec.bodyBytes = form.bytes;
    rec.fields = Object.fromEntries(form.fields);
    rec.language = form.fields.get('language')?.[0] || undefined;
    if (form.tooLarge) return refuseTooLarge(rec, req, res);
    const filePart = form.files.find((f) => f.field === 'file');
    let pcm: Int16Array | undefined;
    if (filePart) {
      rec.file = {
        filename: filePart.filename,
        mimeType: filePart.mimeType,
        bytes: filePart.data.length,
      };
      try {
        [pcm] = await decodePcm(filePart.data, 1);
        rec.audioSeconds = pcm.length / ANALYSIS_SAMPLE_RATE;
      } catch {
        pcm = undefined;
      }
    }

    const fault = faults.take('submit');
    if (fault) {
      rec.fault = fault;
      if ('reset' in fault) {
        req.socket.destroy();
        return;
      }
      if ('status' in fault) return send(rec, res, faultAnswer(flavour, fault));
    }

    const v = validateTranscription(form, {
      flavour,
      diarization: opts.diarization ?? false,
      models: opts.models,
    });
    if ('answer' in v) return send(rec, res, v.answer);
    const params: TranscriptionParams = v.params;
    rec.responseFormat = params.responseFormat;
    rec.timestampGranularities = params.granularities;
    rec.ignoredFields = params.ignoredFields;
    rec.warnings = params.warnings;
    if (!pcm) return send(rec, res, undecodableAnswer(flavour));

    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort(new Error('client disconnected'));
    });
    const signal = AbortSignal.any([gone.signal, closing.signal]);
    let release: (() => void) | undefined;
    try {
      release = await acquire(signal);
      const wait = (ms: number) =>
        ms > 0 ? sleep(Math.min(ms, MAX_TIMER_MS), undefined, { signal }) : undefined;
      if (fault && 'delayMs' in fault) await wait(fault.delayMs);
      await wait(
        (s.latencyMs ?? 0) + (s.processingMsPerAudioSecond ?? 0) * (rec.audioSeconds ?? 0),
      );
      const t = transcribePiece({
        pcm,
        library,
        language: {
          requested: params.language,
          whenOmitted: s.whenOmitted,
          misdetect: opts.misdetect,
        },
        hallucinateOnSilence: s.hallucinateOnSilence,
        vad: opts.vad,
      });
      rec.transcription = t;
      send(
        rec,
        res,
        renderTranscription(
          t,
          flavour,
          {
            responseFormat: params.responseFormat,
            granularities: params.granularities,
            temperature: params.temperature,
          },
          { speachesWords: opts.speachesWords, vllmComputedScores: opts.vllmComputedScores },
        ),
      );
    } catch (err) {
      if (!signal.aborted) throw err;
      rec.aborted = true;
    } finally {
      release?.();
    }
  };

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://double');
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      headers: req.headers,
      fields: {},
      bodyBytes: 0,
      timestampGranularities: [],
      ignoredFields: [],
      warnings: [],
      aborted: false,
      at: Date.now(),
    };
    requests.push(rec);
    inFlight++;
    maxObservedConcurrency = Math.max(maxObservedConcurrency, inFlight);
    res.on('close', () => {
      inFlight--;
      if (!res.writableFinished && rec.status !== undefined) rec.aborted = true;
    });
    let handler: Promise<void> | void;
    if (req.method === 'POST' && u.pathname === transcriptionPath) {
      handler = handleTranscription(req, res, rec);
    } else if (req.method === 'GET' && u.pathname === '/health') {
      req.resume();
      handler = send(rec, res, {
        status: 200,
        contentType: 'application/json',
        body: '{"status":"ok"}',
      });
    } else if (req.method === 'GET' && u.pathname === '/v1/models' && flavour !== 'whisper.cpp') {
      req.resume();
      const ids = opts.models ?? [defaults(flavour).model];
      const data = ids.map((id) => ({ id, object: 'model', created: 0, owned_by: flavour }));
      handler = send(rec, res, {
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ object: 'list', data }),
      });
    } else {
      req.resume();
      handler = send(rec, res, notFound(flavour, req.method ?? 'GET', u.pathname));
    }
    Promise.resolve(handler).catch((err: unknown) => {
      send(
        rec,
        res,
        errorAnswer(flavour, 500, `Internal error in the test double: ${(err as Error).message}`),
      );
    });
  });

  server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { address, port, family } = server.address() as AddressInfo;
  const origin = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  const sum = (pick: (r: RecordedRequest) => boolean) =>
    requests.filter(pick).reduce((n, r) => n + (r.audioSeconds ?? 0), 0);

  return {
    url: `${origin}/v1`,
    endpoint: `${origin}${transcriptionPath}`,
    requests,
    audioSecondsReceived: () =>
      sum((r) => r.status !== undefined && r.status >= 200 && r.status < 300 && !r.aborted),
    audioSecondsTotal: () => sum(() => true),
    faults,
    get flavour() {
      return flavour;
    },
    setFlavour(next: OpenAiFlavour) {
      flavour = next;
      while (waiting.length && processing < settings().concurrency) waiting.shift()?.();
    },
    get maxObservedConcurrency() {
      return maxObservedConcurrency;
    },
    async close() {
      closing.abort(new Error('double closing'));
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}

/** `opts` without its undefined values, so they do not hide flavour defaults. */
function definedOnly(opts: OpenAiDoubleOptions) {
  const out: Partial<{
    concurrency: number;
    maxRequestBytes: number;
    hallucinateOnSilence: boolean;
    latencyMs: number;
    processingMsPerAudioSecond: number;
  }> = {};
  if (opts.concurrency !== undefined) out.concurrency = Math.max(1, opts.concurrency);
  if (opts.maxRequestBytes !== undefined) out.maxRequestBytes = opts.maxRequestBytes;
  if (opts.hallucinateOnSilence !== undefined) out.hallucinateOnSilence = opts.hallucinateOnSilence;
  if (opts.latencyMs !== undefined) out.latencyMs = opts.latencyMs;
  if (opts.processingMsPerAudioSecond !== undefined) {
    out.processingMsPerAudioSecond = opts.processingMsPerAudioSecond;
  }
  return out;
}

/** A 404 as each server writes it (whisper.cpp: cpp-httplib error handler text). */
function notFound(flavour: OpenAiFlavour, method: string, pathname: string): WireAnswer {
  if (flavour === 'whisper.cpp') {
    return { status: 404, contentType: 'text/plain', body: `File Not Found (${pathname})` };
  }
  if (flavour === 'openai') {
    return errorAnswer(flavour, 404, `Invalid URL (${method} ${pathname})`);
  }
  return { status: 404, contentType: 'application/json', body: '{"detail":"Not Found"}' };
}
