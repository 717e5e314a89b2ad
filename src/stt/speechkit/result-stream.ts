/**
 * Parser for the body of `GET /stt/v3/getRecognition` and transcript assembly.
 *
 * Source: "SpeechKit v3 REST: getRecognition response: envelope and event types" (§2.4).
 * The body is a sequence of JSON values, each `{"result": StreamingResponse}` (pretty-printed and
 * concatenated in the docs, one per line in practice), possibly `{"error": google.rpc.Status}`.
 * int64 fields are JSON strings. Pure functions, no I/O.
 */
import { JobError } from '../../errors.js';
import type { RecognizedWord, Utterance } from '../types.js';

/** gRPC status code names, for error messages ("SpeechKit v3 REST: Error model", §3). */
export const GRPC_CODE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'OK',
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
});

/** "code 13 INTERNAL" for error messages. */
export function describeRpcCode(code: unknown): string {
  if (typeof code !== 'number') return 'no code';
  const name = GRPC_CODE_NAMES[code];
  return name ? `code ${code} ${name}` : `code ${code}`;
}

function malformed(message: string, cause?: unknown): JobError {
  return new JobError(
    'STT_RESULT_MALFORMED',
    `SpeechKit recognition result is malformed: ${message}`,
    false,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Splits text holding zero or more concatenated JSON objects/arrays into parsed values,
 * regardless of whitespace between or inside them (pretty-printed, NDJSON, or `}{` back to back).
 * Commas between top-level values are tolerated, and a top-level array contributes its elements.
 * @throws JobError STT_RESULT_MALFORMED on anything else (scalars, truncation, invalid JSON).
 */
export function splitJsonValues(text: string): unknown[] {
  const out: unknown[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    while (i < n) {
      const c = text.charCodeAt(i);
      // whitespace, comma, BOM
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x2c || c === 0xfeff) i++;
      else break;
    }
    if (i >= n) return out;
    const start = i;
    const first = text[i];
    if (first !== '{' && first !== '[') {
      throw malformed(
        `expected a JSON object at character ${i}, found ${JSON.stringify(text.slice(i, i + 20))}`,
      );
    }
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 0x5c) {
          i++;
        } // backslash: skip the escaped character
        else if (c === 0x22) inString = false;
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) throw malformed(`truncated JSON value starting at character ${start}`);
    let value: unknown;
    try {
      value = JSON.parse(text.slice(start, i));
    } catch (err) {
      throw malformed(`invalid JSON at character ${start}: ${(err as Error).message}`, err);
    }
    if (Array.isArray(value)) out.push(...(value as unknown[]));
    else out.push(value);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses an int64 (JSON string or number); undefined/null → `fallback`. */
function int64(v: unknown, field: string, fallback = 0): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw malformed(`${field} is not an integer: ${JSON.stringify(v)}`);
}

function optObj(v: unknown, field: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw malformed(`${field} is not an object`);
  return v;
}

function arr(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw malformed(`${field} is not an array`);
  return v;
}

function str(v: unknown, field: string, fallback = ''): string {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string') throw malformed(`${field} is not a string`);
  return v;
}

/** The best hypothesis (`alternatives[0]`) of an AlternativeUpdate, parsed. */
interface ParsedAlternative {
  text: string;
  startMs: number;
  endMs: number;
  words: RecognizedWord[];
  language?: string;
}

function parseAlternativeUpdate(update: Obj, field: string): ParsedAlternative | undefined {
  const alternatives = arr(update.alternatives, `${field}.alternatives`);
  if (alternatives.length === 0) return undefined;
  const alt = alternatives[0];
  if (!isObj(alt)) throw malformed(`${field}.alternatives[0] is not an object`);
  const words = arr(alt.words, `${field}.alternatives[0].words`).map((w, k) => {
    if (!isObj(w)) throw malformed(`${field}.alternatives[0].words[${k}] is not an object`);
    return {
      text: str(w.text, `words[${k}].text`),
      startMs: int64(w.startTimeMs, `words[${k}].startTimeMs`),
      endMs: int64(w.endTimeMs, `words[${k}].endTimeMs`),
    };
  });
  let language: string | undefined;
  let best = -Infinity;
  for (const [k, l] of arr(alt.languages, `${field}.alternatives[0].languages`).entries()) {
    if (!isObj(l)) throw malformed(`languages[${k}] is not an object`);
    const code = str(l.languageCode, `languages[${k}].languageCode`);
    const p = typeof l.probability === 'number' ? l.probability : 0;
    if (code && p > best) {
      best = p;
      language = code;
    }
  }
  return {
    text: str(alt.text, `${field}.alternatives[0].text`),
    startMs: int64(alt.startTimeMs, `${field}.alternatives[0].startTimeMs`),
    endMs: int64(alt.endTimeMs, `${field}.alternatives[0].endTimeMs`),
    words,
    language,
  };
}

interface Slot {
  channelTag: string;
  finalIndex: number;
  final?: ParsedAlternative;
  refinement?: ParsedAlternative;
}

/**
 * Assembles parsed stream messages into utterances.
 *
 * Rule ("Transcript assembly rule", §2.4): key by `(channelTag, finalIndex)` where finalIndex is
 * `audioCursors.finalIndex` for `final` and `finalRefinement.finalIndex` for refinements; prefer
 * `finalRefinement.normalizedText.alternatives[0]` over `final.alternatives[0]`; language is the
 * `languages[]` entry with the highest probability (of the preferred alternative, else of the
 * other); ignore `partial`, `eouUpdate`, `statusCode`, classifier/analysis/summarization events;
 * drop utterances whose text is empty. Sorted by `startMs`, then `channelTag`, then `finalIndex`.
 * `channelTag` is the result-level one, else the AlternativeUpdate's, else "0".
 *
 * @param messages values from {@link splitJsonValues}.
 * @throws JobError STT_OPERATION_FAILED for a top-level `{"error": {...}}` message;
 *   STT_RESULT_MALFORMED for messages of the wrong shape.
 */
export function assembleUtterances(messages: unknown[]): Utterance[] {
  const slots = new Map<string, Slot>();
  const slot = (channelTag: string, finalIndex: number): Slot => {
    const key = `${channelTag}\u0000${finalIndex}`;
    let s = slots.get(key);
    if (!s) {
      s = { channelTag, finalIndex };
      slots.set(key, s);
    }
    return s;
  };

  messages.forEach((message, m) => {
    if (!isObj(message)) throw malformed(`message ${m} is not a JSON object`);
    if (message.error !== undefined && message.error !== null) {
      const e = isObj(message.error) ? message.error : {};
      const code = typeof e.code === 'number' ? e.code : e.grpcCode;
      const text = typeof e.message === 'string' ? e.message : JSON.stringify(message.error);
      throw new JobError(
        'STT_OPERATION_FAILED',
        `SpeechKit reported an error in the recognition result (${describeRpcCode(code)}): ${text}`,
      );
    }
    const result = optObj(message.result, `message ${m}: result`);
    if (!result) throw malformed(`message ${m} has neither "result" nor "error"`);

    const final = optObj(result.final, `message ${m}: result.final`);
    const refinement = optObj(result.finalRefinement, `message ${m}: result.finalRefinement`);
    if (final) {
      const cursors = optObj(result.audioCursors, `message ${m}: result.audioCursors`);
      const finalIndex = int64(cursors?.finalIndex, `message ${m}: audioCursors.finalIndex`);
      const channelTag = str(result.channelTag ?? final.channelTag, 'channelTag', '0');
      const parsed = parseAlternativeUpdate(final, `message ${m}: final`);
      if (parsed) slot(channelTag, finalIndex).final = parsed;
    } else if (refinement) {
      const normalized = optObj(
        refinement.normalizedText,
        `message ${m}: finalRefinement.normalizedText`,
      );
      const finalIndex = int64(refinement.finalIndex, `message ${m}: finalRefinement.finalIndex`);
      const channelTag = str(result.channelTag ?? normalized?.channelTag, 'channelTag', '0');
      const parsed = normalized
        ? parseAlternativeUpdate(normalized, `message ${m}: finalRefinement.normalizedText`)
        : undefined;
      if (parsed) slot(channelTag, finalIndex).refinement = parsed;
    }
    // partial, eouUpdate, statusCode, classifierUpdate, speakerAnalysis, conversationAnalysis,
    // summarization: not part of the transcript.
  });

  const utterances: Utterance[] = [];
  for (const s of slots.values()) {
    const chosen = s.refinement ?? s.final;
    if (!chosen || chosen.text.trim() === '') continue;
    const other = chosen === s.refinement ? s.final : s.refinement;
    const words = chosen.words.length > 0 ? chosen.words : (other?.words ?? []);
    const utterance: Utterance = {
      channelTag: s.channelTag,
      finalIndex: s.finalIndex,
      startMs: chosen.startMs,
      endMs: chosen.endMs,
      text: chosen.text.trim(),
      words,
    };
    const language = chosen.language ?? other?.language;
    if (language !== undefined) utterance.language = language;
    utterances.push(utterance);
  }
  utterances.sort(
    (a, b) =>
      a.startMs - b.startMs ||
      (a.channelTag < b.channelTag ? -1 : a.channelTag > b.channelTag ? 1 : 0) ||
      a.finalIndex - b.finalIndex,
  );
  return utterances;
}

/**
 * Parses a whole getRecognition body into utterances: {@link splitJsonValues} then
 * {@link assembleUtterances}. An empty body (no speech) yields `[]`.
 * @throws JobError STT_RESULT_MALFORMED | STT_OPERATION_FAILED (see those functions).
 */
export function parseRecognitionStream(body: string): Utterance[] {
  return assembleUtterances(splitJsonValues(body));
}
