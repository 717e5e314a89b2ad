/**
 * Parser for the body of `GET /stt/v3/getRecognition` and transcript assembly.
 *
 * Source: "SpeechKit v3 REST: getRecognition response: envelope and event types" (§2.4).
 * The body is a sequence of JSON values, each `{"result": StreamingResponse}` (pretty-printed and
 * concatenated in the docs, one per line in practice), possibly `{"error": google.rpc.Status}`.
 * int64 fields are JSON strings. {@link parseRecognitionChunks} parses the body as it arrives,
 * holding one message at a time and the transcript being assembled, never the whole text.
 */
import { JobError } from '../../errors.js';
import type { RecognizedWord, Utterance } from '../types.js';
import { JsonValueSplitter, malformed, splitJsonValues } from './json-stream.js';

export { JsonValueSplitter, splitJsonValues };

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
 * Assembles parsed stream messages into utterances, one message at a time ({@link add}), so a
 * stream can be assembled as it is parsed; {@link finish} returns the transcript.
 *
 * Rule ("Transcript assembly rule", §2.4): key by `(channelTag, finalIndex)` where finalIndex is
 * `audioCursors.finalIndex` for `final` and `finalRefinement.finalIndex` for refinements; prefer
 * `finalRefinement.normalizedText.alternatives[0]` over `final.alternatives[0]`; language is the
 * `languages[]` entry with the highest probability (of the preferred alternative, else of the
 * other); ignore `partial`, `eouUpdate`, `statusCode`, classifier/analysis/summarization events;
 * drop utterances whose text is empty. Sorted by `startMs`, then `channelTag`, then `finalIndex`.
 * `channelTag` is the result-level one, else the AlternativeUpdate's, else "0".
 */
export class UtteranceAssembler {
  private readonly slots = new Map<string, Slot>();
  /** Messages added so far (the index in error messages). */
  private count = 0;

  /**
   * @param message one value from {@link JsonValueSplitter} / {@link splitJsonValues}.
   * @throws JobError STT_OPERATION_FAILED for a top-level `{"error": {...}}` message;
   *   STT_RESULT_MALFORMED for a message of the wrong shape.
   */
  add(message: unknown): void {
    const m = this.count++;
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
      if (parsed) this.slot(channelTag, finalIndex).final = parsed;
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
      if (parsed) this.slot(channelTag, finalIndex).refinement = parsed;
    }
    // partial, eouUpdate, statusCode, classifierUpdate, speakerAnalysis, conversationAnalysis,
    // summarization: not part of the transcript.
  }

  /** The utterances of every message added, sorted (see the class notes). */
  finish(): Utterance[] {
    const utterances: Utterance[] = [];
    for (const s of this.slots.values()) {
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

  private slot(channelTag: string, finalIndex: number): Slot {
    const key = `${channelTag}\u0000${finalIndex}`;
    let s = this.slots.get(key);
    if (!s) {
      s = { channelTag, finalIndex };
      this.slots.set(key, s);
    }
    return s;
  }
}

/**
 * Assembles parsed stream messages into utterances (see {@link UtteranceAssembler}).
 * @param messages values from {@link splitJsonValues}.
 * @throws JobError STT_OPERATION_FAILED for a top-level `{"error": {...}}` message;
 *   STT_RESULT_MALFORMED for messages of the wrong shape.
 */
export function assembleUtterances(messages: unknown[]): Utterance[] {
  const assembler = new UtteranceAssembler();
  for (const message of messages) assembler.add(message);
  return assembler.finish();
}

/**
 * Parses a whole getRecognition body into utterances: {@link splitJsonValues} then
 * {@link assembleUtterances}. An empty body (no speech) yields `[]`.
 * @throws JobError STT_RESULT_MALFORMED | STT_OPERATION_FAILED (see those functions).
 */
export function parseRecognitionStream(body: string): Utterance[] {
  return assembleUtterances(splitJsonValues(body));
}

/**
 * Parses a getRecognition body as it arrives: UTF-8 bytes in chunks of any size (cut anywhere,
 * even inside a character) are decoded, split into messages and assembled one by one, so memory
 * holds the message in progress and the transcript, never the whole text. Accepts exactly what
 * {@link parseRecognitionStream} accepts; a problem is reported when the stream reaches it (so an
 * `{"error"}` message before a truncated tail is STT_OPERATION_FAILED).
 * @param chunks the response body, e.g. a fetch `Response.body`.
 * @returns the utterances and the body's size in bytes.
 * @throws JobError STT_RESULT_MALFORMED | STT_OPERATION_FAILED; errors of `chunks` itself pass
 *   through unchanged.
 */
export async function parseRecognitionChunks(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ utterances: Utterance[]; bytes: number }> {
  const decoder = new TextDecoder('utf-8');
  const splitter = new JsonValueSplitter();
  const assembler = new UtteranceAssembler();
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.byteLength;
    for (const message of splitter.push(decoder.decode(chunk, { stream: true }))) {
      assembler.add(message);
    }
  }
  for (const message of splitter.push(decoder.decode())) assembler.add(message);
  splitter.end();
  return { utterances: assembler.finish(), bytes };
}
