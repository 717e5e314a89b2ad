/**
 * The OpenAI-compatible engine: any server answering `POST {url}/audio/transcriptions`
 * (OpenAI's API reference; whisper.cpp's `whisper-server --inference-path
 * /v1/audio/transcriptions`, speaches, vLLM, faster-whisper servers, OpenAI itself).
 *
 * A {@link SynchronousEngine}: the pipeline cuts the recording at pauses into mono FLAC units
 * within `OPENAI_STT_MAX_REQUEST_BYTES` and `OPENAI_STT_MAX_CHUNK_SECONDS`; this module sends
 * one unit per request, in the language strategy of `./language.ts`, and parses the saved
 * answers with `./response.ts`, dropping Whisper's non-speech and hallucinated segments
 * (`./hallucination.ts`).
 *
 * Language, never translation: a `language` field is always sent (whisper.cpp and vLLM default
 * to English and then translate); with several whitelisted languages the server's own detection
 * is used (`OPENAI_STT_LANGUAGE_DETECTION`), an answer in a language outside the whitelist or
 * with a low `avg_logprob` is retried in each other whitelisted language and the best decoding
 * kept. Cost: one extra request per retried language, only for units that needed it.
 */
import { OPENAI_BILLING } from './billing.js';
import { stat } from 'node:fs/promises';
import type { OpenAiEngineConfig } from '../../config/engines.js';
import { Diarization, SUPPORTED_LANGUAGES } from '../../domain.js';
import { JobError } from '../../errors.js';
import {
  UnitTooLargeError,
  type EngineCapabilities,
  type EngineInfo,
  type SynchronousEngine,
  type UnitRequest,
  type UnitTranscript,
} from '../engine.js';
import {
  createHttpClient,
  multipartBody,
  PayloadTooLargeError,
  type BreakerOptions,
  type HttpLogger,
  type HttpObserver,
  type RetryOptions,
} from '../http/index.js';
import type { Utterance } from '../types.js';
import { audioContentType, fileFieldName, transcriptionFields } from './form.js';
import {
  confidence,
  parseTranscription,
  OpenAiResultError,
  type ParsedTranscription,
} from './response.js';
import { dropHallucinations } from './hallucination.js';
import {
  bestAttempt,
  fromReportedLanguage,
  requestLanguagesFor,
  retryLanguages,
  toWhisperLanguage,
} from './language.js';

/** Tuning of {@link createOpenAiEngine}; times in milliseconds. */
export interface OpenAiEngineOptions {
  logger?: HttpLogger;
  observer?: HttpObserver;
  retry?: Partial<RetryOptions>;
  breaker?: Partial<BreakerOptions>;
}

/** A unit's saved answer: every decoding that was asked for, in order. Version 1. */
interface SavedAnswer {
  v: 1;
  format: 'verbose_json' | 'diarized_json';
  attempts: Array<{ language: string; body: unknown }>;
}

/** Reads OpenAI's error body `{ error: { message, type, code } }` (openai-node `APIError`). */
function describeErrorBody(body: string): { message?: string; code?: string } | undefined {
  try {
    const v = JSON.parse(body) as { error?: { message?: unknown; code?: unknown; type?: unknown } };
    const e = v?.error;
    if (!e || typeof e !== 'object') return undefined;
    return {
      ...(typeof e.message === 'string' ? { message: e.message } : {}),
      ...(typeof e.code === 'string'
        ? { code: e.code }
        : typeof e.type === 'string'
          ? { code: e.type }
          : {}),
    };
  } catch {
    return undefined;
  }
}

/** The capabilities this server configuration declares. */
function capabilitiesOf(cfg: OpenAiEngineConfig): EngineCapabilities & { mode: 'synchronous' } {
  return {
    mode: 'synchronous',
    maxRequestBytes: cfg.maxRequestBytes,
    requestEncoding: 'multipart',
    maxRequestSeconds: cfg.maxChunkSeconds,
    countsChannels: false,
    audioFormats: ['flac'],
    diarization: [
      Diarization.NONE,
      Diarization.CHANNELS,
      ...(cfg.diarization === 'diarized_json' ? [Diarization.SPEAKER_LABELING] : []),
    ],
    wordTimestamps: cfg.diarization !== 'diarized_json',
    utteranceLanguage: true,
    languages: SUPPORTED_LANGUAGES.filter((t) => toWhisperLanguage(t) !== undefined),
    concurrency: cfg.concurrency,
    billing: OPENAI_BILLING,
  };
}

/**
 * Creates an OpenAI-compatible engine.
 * @param info its identity (`openai`, or `demo` for the bundled demo server).
 * @param cfg the server (see `OPENAI_STT_*` in the README).
 */
export function createOpenAiEngine(
  info: EngineInfo,
  cfg: OpenAiEngineConfig,
  options: OpenAiEngineOptions = {},
): SynchronousEngine {
  const http = createHttpClient({
    engine: { id: info.id, name: info.name },
    requestTimeoutMs: cfg.timeoutMs,
    logger: options.logger,
    observer: options.observer,
    retry: options.retry,
    breaker: options.breaker,
    describeErrorBody,
    authFailureHint: info.demo ? undefined : 'Check OPENAI_STT_API_KEY.',
  });
  const capabilities = capabilitiesOf(cfg);
  const format = cfg.diarization === 'diarized_json' ? 'diarized_json' : 'verbose_json';
  const auth = cfg.apiKey
    ? { refreshable: false, authorization: () => Promise.resolve(`Bearer ${cfg.apiKey}`) }
    : undefined;

  /** One request for `unit` in `language`; returns the decoded JSON body. */
  async function transcribe(
    unit: UnitRequest,
    language: string,
    omitAuto: boolean,
    signal?: AbortSignal,
  ) {
    const fields = transcriptionFields({
      model: cfg.model,
      language,
      responseFormat: unit.speakerLabeling ? format : 'verbose_json',
      wordTimestamps: true,
      temperature: 0,
      omitAutoLanguage: omitAuto,
    });
    const body = await multipartBody(fields, {
      name: fileFieldName,
      path: unit.audioPath,
      filename: `unit-${unit.index}.flac`,
      contentType: audioContentType('flac'),
    });
    try {
      const res = await http.send({
        method: 'POST',
        url: `${cfg.url}/audio/transcriptions`,
        what: 'transcriptions',
        body,
        auth,
        signal,
      });
      try {
        return JSON.parse(res.text) as unknown;
      } catch (err) {
        throw new JobError(
          'STT_RESULT_MALFORMED',
          `${info.name} answered 2xx with a body that is not JSON: ${res.text.slice(0, 200)}`,
          false,
          { cause: err },
        );
      }
    } catch (err) {
      if (err instanceof PayloadTooLargeError) {
        const bytes = (await stat(unit.audioPath)).size;
        throw new UnitTooLargeError(err.message, bytes);
      }
      throw err;
    }
  }

  const parse = (
    body: unknown,
    unit: UnitRequest,
    fmt: SavedAnswer['format'],
  ): ParsedTranscription => {
    try {
      return parseTranscription(body, {
        format: fmt,
        audioSeconds: unit.endSeconds - unit.startSeconds,
      });
    } catch (err) {
      if (err instanceof OpenAiResultError) {
        throw new JobError('STT_RESULT_MALFORMED', `${info.name}: ${err.message}`, false, {
          cause: err,
        });
      }
      throw err;
    }
  };

  return {
    info,
    capabilities,
    async recognizeUnit(unit, signal) {
      const plan = requestLanguagesFor(unit.languages, cfg.languageDetection);
      const fmt: SavedAnswer['format'] = unit.speakerLabeling ? format : 'verbose_json';
      const saved: SavedAnswer = { v: 1, format: fmt, attempts: [] };
      const first = await transcribe(unit, plan.first, plan.omitAutoLanguage, signal);
      saved.attempts.push({ language: plan.first, body: first });
      for (const language of retryLanguages(plan, parse(first, unit, fmt))) {
        const body = await transcribe(unit, language, false, signal);
        parse(body, unit, fmt); // a malformed retry fails now, not after it was saved
        saved.attempts.push({ language, body });
      }
      return { raw: JSON.stringify(saved), requests: saved.attempts.length };
    },
    parseUnit(raw, unit) {
      return parseSaved(raw, unit, parse);
    },
  };
}

/** Parses a {@link SavedAnswer}: the best decoding, its language mapped into the whitelist. */
function parseSaved(
  raw: string,
  unit: UnitRequest,
  parse: (body: unknown, unit: UnitRequest, fmt: SavedAnswer['format']) => ParsedTranscription,
): UnitTranscript {
  let saved: SavedAnswer;
  try {
    saved = JSON.parse(raw) as SavedAnswer;
  } catch (err) {
    throw new JobError('STT_RESULT_MALFORMED', 'A saved engine answer is not JSON.', false, {
      cause: err,
    });
  }
  const attempts = saved.attempts.map((a) => ({
    language: a.language,
    parsed: parse(a.body, unit, saved.format),
  }));
  const best = bestAttempt(attempts);
  if (!best) return { utterances: [], dropped: [] };
  const language = languageOf(best.language, best.parsed, unit.languages);
  const { kept, dropped } = dropHallucinations(best.parsed.segments);
  const durationMs = Math.round((unit.endSeconds - unit.startSeconds) * 1000);
  const clamp = (s: number) => Math.max(0, Math.min(durationMs, Math.round(s * 1000)));
  const utterances: Utterance[] = kept.map((s) => ({
    channelTag: s.speaker !== undefined && unit.speakerLabeling ? s.speaker : String(unit.channel),
    finalIndex: 0,
    startMs: clamp(s.startSeconds),
    endMs: clamp(s.endSeconds),
    text: s.text,
    ...(language ? { language } : {}),
    ...(confidence(s.avgLogprob) !== undefined ? { confidence: confidence(s.avgLogprob) } : {}),
    words: s.words.map((w) => ({
      text: w.text,
      startMs: clamp(w.startSeconds),
      endMs: clamp(w.endSeconds),
    })),
  }));
  return {
    utterances,
    dropped: dropped.map((d) => ({ text: d.segment.text, reason: d.reason })),
  };
}

/**
 * The BCP-47 tag of a decoding: the language it was forced to, else what the server detected,
 * mapped into the whitelist. A whitelist of one language answers that language; a detection
 * outside the whitelist that no retry replaced falls back to the first whitelisted language
 * (every segment's language is one of the requested tags).
 */
function languageOf(
  sent: string,
  parsed: ParsedTranscription,
  whitelist: string[],
): string | undefined {
  const tag =
    sent !== 'auto'
      ? fromReportedLanguage(sent, whitelist)
      : fromReportedLanguage(parsed.language ?? parsed.detectedLanguage ?? '', whitelist);
  if (tag) return tag;
  const concrete = whitelist.filter((t) => t !== 'auto');
  return concrete[0];
}
