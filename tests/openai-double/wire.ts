/**
 * The wire formats of the OpenAI-compatible test double: a {@link PieceTranscription} rendered
 * the way each server flavour answers `POST …/audio/transcriptions`, and each flavour's error
 * bodies. Times on the wire are seconds; {@link PieceTranscription} holds milliseconds.
 *
 * Sources, per flavour:
 * - `openai`: openai/openai-node@src/resources/audio/transcriptions.ts (TranscriptionVerbose,
 *   TranscriptionSegment, TranscriptionWord, TranscriptionDiarized; usage `{type:"duration",
 *   seconds}`), error envelope `{error:{message,type,param,code}}`.
 * - `whisper.cpp`: ggml-org/whisper.cpp@examples/server/server.cpp (the `vjson_format` branch:
 *   `language` = whisper_lang_str_full, `detected_language`, `detected_language_probability`,
 *   `language_probabilities`, words nested in `segments[].words[]` with `t_dtw` and `probability`,
 *   no `compression_ratio`, no `seek`; errors `{"error":"…"}`; unknown formats answered as json).
 * - `speaches`: speaches-ai/speaches@src/speaches/api_types.py (CreateTranscriptionResponseVerboseJson:
 *   `language` code, `words` top-level or null, `segments[].words`, `segments[].speaker`) and
 *   routers/stt.py; `words: null` even with `word` requested is its open issue #639.
 * - `vllm`: vllm-project/vllm@vllm/entrypoints/openai/speech_to_text/{protocol.py,speech_to_text.py}
 *   (`duration` a str, `no_speech_prob` null, `words` null, only text/json/verbose_json); the
 *   `avg_logprob: -1.0` / `compression_ratio: -1.0` placeholders are the sample of vLLM PR #24209.
 */
import { deflateSync } from 'node:zlib';
import { languageName } from './languages.js';
import { unitHash, type PieceSegment, type PieceTranscription } from './transcribe.js';

/** The server implementations the double imitates. */
export type OpenAiFlavour = 'openai' | 'whisper.cpp' | 'speaches' | 'vllm';

/** All flavours, for iteration in tests. */
export const FLAVOURS: readonly OpenAiFlavour[] = ['openai', 'whisper.cpp', 'speaches', 'vllm'];

/** An HTTP answer: status, `content-type` and body text. */
export interface WireAnswer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** What the request asked for, as far as rendering is concerned. */
export interface RenderRequest {
  responseFormat: string;
  /** Values of `timestamp_granularities[]` as sent (empty when none). */
  granularities: string[];
  temperature: number;
}

/** Flavour knobs that change the verbose_json shape. */
export interface RenderOptions {
  /** speaches: return the words (as if #639 were fixed) instead of `words: null`. */
  speachesWords?: boolean;
  /** vLLM: computed avg_logprob/compression_ratio (current main) instead of −1.0 placeholders. */
  vllmComputedScores?: boolean;
}

const JSON_TYPE = 'application/json';
const s2 = (ms: number) => Math.round(ms / 10) / 100;

/** Whisper's compression ratio: UTF-8 length over zlib-compressed length (openai/whisper). */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return Math.round((bytes.length / deflateSync(bytes).length) * 1e4) / 1e4;
}

/** Deterministic fake Whisper text-token ids (< 50257, the `<|endoftext|>` id) for `text`. */
export function fakeTokens(text: string): number[] {
  const out: number[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const n = Math.max(1, Math.ceil(Array.from(word).length / 3));
    for (let i = 0; i < n; i++) out.push(220 + Math.floor(unitHash(`${word}#${i}`) * 50_000));
  }
  return out;
}

/** Whisper's segment text: a leading space before the words. */
const spaced = (text: string) => ` ${text}`;

/** Speaker labels `A`, `B`, … in order of first appearance within the piece. */
function speakerLabels(segments: PieceSegment[]): string[] {
  const seen = new Map<number | undefined, string>();
  return segments.map((s) => {
    let label = seen.get(s.speaker);
    if (!label) {
      label = String.fromCharCode(65 + seen.size);
      seen.set(s.speaker, label);
    }
    return label;
  });
}

function timestamp(ms: number, sep: ',' | '.'): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor(t / 60_000) % 60;
  const s = Math.floor(t / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(t % 1000, 3)}`;
}

function subtitles(t: PieceTranscription, kind: 'srt' | 'vtt'): string {
  const cues = t.segments.map((s, i) => {
    const sep = kind === 'srt' ? ',' : '.';
    const times = `${timestamp(s.startMs, sep)} --> ${timestamp(s.endMs, sep)}`;
    return kind === 'srt' ? `${i + 1}\n${times}\n${s.text}\n` : `${times}\n${s.text}\n`;
  });
  return kind === 'srt' ? cues.join('\n') : `WEBVTT\n\n${cues.join('\n')}`;
}

/** `usage` of OpenAI/vLLM: billed seconds, rounded up (vLLM speech_to_text.py "as per openAI specs"). */
const usage = (t: PieceTranscription) => ({
  type: 'duration',
  seconds: Math.ceil(t.durationMs / 1000),
});

function verboseOpenAi(t: PieceTranscription, req: RenderRequest, text: string) {
  const wantWords = req.granularities.includes('word');
  const wantSegments = req.granularities.length === 0 || req.granularities.includes('segment');
  const body: Record<string, unknown> = {
    task: 'transcribe',
    language: languageName(t.language),
    duration: s2(t.durationMs),
    text,
  };
  if (wantSegments) {
    body.segments = t.segments.map((s, id) => ({
      id,
      seek: Math.floor(s.startMs / 30_000) * 3000,
      start: s2(s.startMs),
      end: s2(s.endMs),
      text: spaced(s.text),
      tokens: fakeTokens(s.text),
      temperature: req.temperature,
      avg_logprob: s.avgLogprob,
      compression_ratio: compressionRatio(spaced(s.text)),
      no_speech_prob: s.noSpeechProb,
    }));
  }
  if (wantWords) {
    body.words = t.segments.flatMap((s) =>
      s.words.map((w) => ({
        word: w.text.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''),
        start: s2(w.startMs),
        end: s2(w.endMs),
      })),
    );
  }
  body.usage = usage(t);
  return body;
}

function verboseWhisperCpp(t: PieceTranscription, req: RenderRequest, text: string) {
  const probs = t.languageProbabilities;
  return {
    task: 'transcribe',
    language: languageName(t.language),
    duration: t.durationMs / 1000,
    text,
    segments: t.segments.map((s, id) => ({
      id,
      text: spaced(s.text),
      start: s2(s.startMs),
      end: s2(s.endMs),
      tokens: fakeTokens(s.text),
      words: s.words.map((w) => ({
        word: spaced(w.text),
        start: s2(w.startMs),
        end: s2(w.endMs),
        t_dtw: -1,
        probability: w.probability,
      })),
      temperature: req.temperature,
      avg_logprob: s.avgLogprob,
      no_speech_prob: s.noSpeechProb,
    })),
    detected_language: languageName(t.detectedLanguage),
    detected_language_probability: probs[t.detectedLanguage] ?? 0,
    language_probabilities: probs,
  };
}

function verboseSpeaches(
  t: PieceTranscription,
  req: RenderRequest,
  text: string,
  opts: RenderOptions,
) {
  const wordTimestamps = req.granularities.includes('word');
  const segments = t.segments.map((s, id) => ({
    avg_logprob: s.avgLogprob,
    compression_ratio: compressionRatio(spaced(s.text)),
    end: s2(s.endMs),
    id,
    no_speech_prob: s.noSpeechProb,
    seek: Math.floor(s.startMs / 30_000) * 3000,
    start: s2(s.startMs),
    temperature: req.temperature,
    text: spaced(s.text),
    tokens: fakeTokens(s.text),
    words:
      wordTimestamps && opts.speachesWords
        ? s.words.map((w) => ({
            start: s2(w.startMs),
            end: s2(w.endMs),
            word: spaced(w.text),
            probability: w.probability,
            speaker: null,
          }))
        : null,
    speaker: null,
  }));
  return {
    task: 'transcribe',
    language: t.language,
    duration: t.durationMs / 1000,
    text,
    words: wordTimestamps && opts.speachesWords ? segments.flatMap((s) => s.words ?? []) : null,
    segments,
  };
}

function verboseVllm(t: PieceTranscription, req: RenderRequest, text: string, opts: RenderOptions) {
  return {
    duration: String(t.durationMs / 1000),
    language: t.language,
    text,
    segments: t.segments.map((s, id) => ({
      id,
      avg_logprob: opts.vllmComputedScores ? s.avgLogprob : -1.0,
      compression_ratio: opts.vllmComputedScores ? compressionRatio(spaced(s.text)) : -1.0,
      end: s2(s.endMs),
      no_speech_prob: null,
      seek: Math.floor(s.startMs / 30_000) * 30,
      start: s2(s.startMs),
      temperature: req.temperature,
      text: spaced(s.text),
      tokens: fakeTokens(s.text),
    })),
    words: null,
  };
}

/** The transcript text as each flavour joins its segments. */
function joined(t: PieceTranscription, flavour: OpenAiFlavour): string {
  const raw = t.segments.map((s) => spaced(s.text)).join('');
  return flavour === 'openai' || flavour === 'speaches' ? raw.trim() : raw;
}

/** `diarized_json` (openai-node TranscriptionDiarized); speakers lettered by first appearance. */
function diarized(t: PieceTranscription, text: string) {
  const labels = speakerLabels(t.segments);
  return {
    task: 'transcribe',
    duration: s2(t.durationMs),
    text,
    segments: t.segments.map((s, i) => ({
      type: 'transcript.text.segment',
      id: `seg_${i}`,
      start: s2(s.startMs),
      end: s2(s.endMs),
      text: s.text,
      speaker: labels[i],
    })),
    usage: usage(t),
  };
}

/**
 * Renders a successful answer. `responseFormat` must already be validated for the flavour
 * (whisper.cpp answers any format it does not know as `json`, so it is never rejected here).
 */
export function renderTranscription(
  t: PieceTranscription,
  flavour: OpenAiFlavour,
  req: RenderRequest,
  opts: RenderOptions = {},
): WireAnswer {
  const text = joined(t, flavour);
  const json = (body: unknown): WireAnswer => ({
    status: 200,
    contentType: JSON_TYPE,
    body: JSON.stringify(body),
  });
  switch (req.responseFormat) {
    case 'verbose_json':
      if (flavour === 'openai') return json(verboseOpenAi(t, req, text));
      if (flavour === 'whisper.cpp') return json(verboseWhisperCpp(t, req, text));
      if (flavour === 'speaches') return json(verboseSpeaches(t, req, text, opts));
      return json(verboseVllm(t, req, text, opts));
    case 'diarized_json':
      return json(diarized(t, text.trim()));
    case 'text':
      return {
        status: 200,
        contentType:
          flavour === 'whisper.cpp' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
        body: flavour === 'whisper.cpp' ? text : `${text.trim()}\n`,
      };
    case 'srt':
      return {
        status: 200,
        contentType:
          flavour === 'whisper.cpp' ? 'application/x-subrip' : 'text/plain; charset=utf-8',
        body: subtitles(t, 'srt'),
      };
    case 'vtt':
      return { status: 200, contentType: 'text/vtt', body: subtitles(t, 'vtt') };
    default:
      return json(
        flavour === 'openai' || flavour === 'vllm' ? { text, usage: usage(t) } : { text },
      );
  }
}

/** Details of an error answer: OpenAI's `param`/`code`/`type` where the flavour has them. */
export interface ErrorDetails {
  param?: string | null;
  code?: string | null;
  type?: string;
}

const VLLM_TYPES: Record<number, string> = {
  400: 'BadRequestError',
  401: 'Unauthorized',
  404: 'NotFoundError',
  413: 'BadRequestError',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

/**
 * An error answer in the flavour's own envelope:
 * - openai: `{error:{message,type,param,code}}` (type `invalid_request_error` below 500, else
 *   `server_error`);
 * - vllm: `{error:{message,type,param,code:<status>}}` (vLLM ErrorResponse; type e.g.
 *   `BadRequestError`);
 * - speaches (FastAPI): `{detail: message}`;
 * - whisper.cpp: `{error: message}`.
 */
export function errorAnswer(
  flavour: OpenAiFlavour,
  status: number,
  message: string,
  details: ErrorDetails = {},
  headers?: Record<string, string>,
): WireAnswer {
  let body: unknown;
  if (flavour === 'openai') {
    body = {
      error: {
        message,
        type: details.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
        param: details.param ?? null,
        code: details.code ?? null,
      },
    };
  } else if (flavour === 'vllm') {
    body = {
      error: {
        message,
        type: details.type ?? VLLM_TYPES[status] ?? 'Error',
        param: details.param ?? null,
        code: status,
      },
    };
  } else if (flavour === 'speaches') {
    body = { detail: message };
  } else {
    body = { error: message };
  }
  return { status, contentType: JSON_TYPE, body: JSON.stringify(body), headers };
}

/**
 * FastAPI's 422 for a missing or invalid form field (speaches):
 * `{detail:[{type,loc:["body",field],msg,input}]}`.
 */
export function fastApi422(
  field: string,
  msg = 'Field required',
  input: unknown = null,
): WireAnswer {
  return {
    status: 422,
    contentType: JSON_TYPE,
    body: JSON.stringify({
      detail: [
        {
          type: msg === 'Field required' ? 'missing' : 'value_error',
          loc: ['body', field],
          msg,
          input,
        },
      ],
    }),
  };
}
