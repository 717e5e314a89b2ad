/**
 * Parser for the JSON answer of `POST /v1/audio/transcriptions` (`verbose_json`, `diarized_json`)
 * from OpenAI and the self-hosted servers that imitate it, with every known deviation accepted.
 *
 * **Units: all times here are seconds** (floats, from the start of the audio that was sent), as on
 * the wire. Converting to the service's milliseconds and to absolute recording time is the
 * adapter's job.
 *
 * Shapes, by source:
 * - OpenAI — openai/openai-node@src/resources/audio/transcriptions.ts (011cd36):
 *   `verbose_json` = `{language, duration, text, segments?[{id, seek, start, end, text, tokens,
 *   temperature, avg_logprob, compression_ratio, no_speech_prob}], words?[{word, start, end}],
 *   usage?{type:"duration", seconds}}` — words are top-level, not inside segments. `whisper-1`
 *   reports `language` as a full name (`"english"` in the sample of openai/openai-python#245).
 *   `diarized_json` = `{task, duration, text, segments[{id: string, start, end, speaker, text,
 *   type:"transcript.text.segment"}], usage?}`.
 * - whisper.cpp — ggml-org/whisper.cpp@examples/server/server.cpp: `language` is the full name
 *   (`whisper_lang_str_full`, e.g. `"kazakh"`); adds `detected_language` (full name),
 *   `detected_language_probability`, `language_probabilities`; words are nested in
 *   `segments[].words[{word, start, end, t_dtw, probability}]` and are *tokens* (sub-word
 *   pieces, see {@link parseTranscription}); `speaker` per segment with `-di`; no
 *   `compression_ratio` ("not implemented yet"); token times are -1 (→ -0.01 s) when token
 *   timestamps were not computed.
 * - speaches — speaches-ai/speaches@src/speaches/api_types.py: `language` is a code; words both
 *   top-level and in `segments[].words`, each with a leading space and `probability`; `words: null`
 *   when word timings were not produced (speaches issues #639, #379); `speaker` may be null;
 *   `segments: []` with non-empty `text` was reported in speaches issue #86.
 * - vLLM — vllm-project/vllm@vllm/entrypoints/openai/speech_to_text/protocol.py (0cca7f6):
 *   `duration` is a **string** (`"17.653125"`), `segments`/`words`/`no_speech_prob` may be null;
 *   vLLM PR #24209's sample has `avg_logprob: -1.0` and `compression_ratio: -1.0` placeholders,
 *   PR #31059's has `compression_ratio: null`, `no_speech_prob: null`.
 */

/**
 * The answer is not a transcription this layer can read (not an object, `segments` not an array,
 * a time that is not a finite number, a segment ending before it starts, …). The adapter maps it to
 * the job error `STT_RESULT_MALFORMED`. {@link OpenAiResultError.detail} is short and names the
 * offending field, e.g. `segments[3].end is before start (2.1 < 4.5)`.
 */
export class OpenAiResultError extends Error {
  constructor(readonly detail: string) {
    super(`Malformed OpenAI-compatible transcription result: ${detail}`);
    this.name = 'OpenAiResultError';
  }
}

/** One word, times in seconds. `probability` 0–1 when the server reports it (whisper.cpp, speaches). */
export interface ParsedWord {
  /** Trimmed (Whisper words carry a leading space). */
  text: string;
  startSeconds: number;
  endSeconds: number;
  probability?: number;
}

/**
 * One segment, times in seconds. Scores are `undefined` when unknown — missing, null, or a
 * placeholder (vLLM's `-1.0`) — never a failure.
 */
export interface ParsedSegment {
  startSeconds: number;
  endSeconds: number;
  /** Trimmed. May be empty (such segments are dropped by `dropHallucinations`). */
  text: string;
  /** Mean token log probability, ≤ 0. Whisper treats < -1 as a failed decoding. */
  avgLogprob?: number;
  /** Probability of the `<|nospeech|>` token, 0–1. */
  noSpeechProb?: number;
  /** gzip compression ratio of the text, > 0. Whisper treats > 2.4 as repetitive garbage. */
  compressionRatio?: number;
  /**
   * Speaker label as reported: `A`, `B`, … or a known speaker name (OpenAI `diarized_json`),
   * `SPEAKER_00` (speaches with diarization), `0`/`1` (whisper.cpp `-di`, stereo channels).
   * whisper.cpp's `?` (channel energies too close to call) is reported as undefined.
   */
  speaker?: string;
  /** Sorted by start; empty when the server sent no word timings. */
  words: ParsedWord[];
}

/** A parsed answer. Times in seconds; see the module comment for the shapes it comes from. */
export interface ParsedTranscription {
  /**
   * Language as reported, raw: a code (`kk`: speaches, vLLM) or a full name (`kazakh`: whisper.cpp,
   * OpenAI `whisper-1`). Map it with `fromReportedLanguage` in `./language.ts`. Absent in
   * `diarized_json`.
   */
  language?: string;
  /** whisper.cpp only: the language its detector hears (full name), even when one was forced. */
  detectedLanguage?: string;
  /** whisper.cpp only: the detector's probability for {@link detectedLanguage}, 0–1. */
  detectedLanguageProbability?: number;
  /** Duration of the audio the server decoded, seconds (`duration`, else `usage.seconds`). */
  durationSeconds?: number;
  /** Whole text, trimmed; the segments' texts joined when the body has no `text`. */
  text: string;
  /** Sorted by start (stable). */
  segments: ParsedSegment[];
}

/** Options of {@link parseTranscription}. */
export interface ParseOptions {
  /** The format that was requested. */
  format: 'verbose_json' | 'diarized_json';
  /**
   * Duration of the audio that was sent, seconds. Only used to span the single segment made for
   * an answer that has text but no segments and no `duration`.
   */
  audioSeconds?: number;
}

/**
 * How far (seconds) a time may go wrong before the answer counts as malformed: an end up to this
 * much before its start is clamped to the start, a start up to this much below 0 is clamped to 0.
 * whisper.cpp's time unit is 10 ms; this allows a few units of rounding.
 */
export const TIME_TOLERANCE_SECONDS = 0.05;

/** vLLM's "not computed" value for `avg_logprob` and `compression_ratio` (vLLM PR #24209). */
export const VLLM_PLACEHOLDER_SCORE = -1.0;

/**
 * Parses a transcription answer (already JSON-decoded) into {@link ParsedTranscription}.
 *
 * Accepted deviations:
 * - words top-level (OpenAI; assigned to the segment containing their midpoint, else the nearest),
 *   nested in `segments[].words[]` (whisper.cpp, speaches; nested win when both exist), or
 *   `words: null` (speaches bug) — then segments have no words;
 * - whisper.cpp's nested words are tokens: when they carry `t_dtw`, a piece that does not start
 *   with a space is glued to the previous word (as faster-whisper's `split_tokens_on_spaces` does),
 *   so `" Сәл"`, `"ем"` become `Сәлем`; the word's probability is the mean of its pieces';
 * - words without times, or with negative times (whisper.cpp's -1 "not computed"), are left out;
 * - `language` a code or a full name (kept raw); `duration` a number or a numeric string (vLLM),
 *   else `usage.seconds`;
 * - scores missing, null, out of range, or vLLM's `-1.0` placeholder → undefined;
 * - `verbose_json` without segments (or with `segments: []`, speaches #86) but with non-blank text →
 *   one segment spanning `duration` (else `audioSeconds`, else the last word's end);
 * - `diarized_json` segments with `speaker`, string ids and `type`.
 *
 * @throws OpenAiResultError when the body is not an object, has neither `text` nor `segments`
 *   (e.g. an `{"error": …}` body), `segments`/`words` is not an array, an entry is not an object,
 *   a time is not a finite number, a start is negative or an end precedes its start beyond
 *   {@link TIME_TOLERANCE_SECONDS}, or text without segments has no duration to span.
 */
export function parseTranscription(body: unknown, opts: ParseOptions): ParsedTranscription {
  if (typeof body === 'string') {
    throw new OpenAiResultError('body is a string, not a JSON object (wrong response_format?)');
  }
  if (!isRecord(body)) throw new OpenAiResultError(`body is ${describe(body)}, not an object`);

  const hasText = typeof body.text === 'string';
  if (body.text !== undefined && body.text !== null && !hasText) {
    throw new OpenAiResultError(`text is ${describe(body.text)}, not a string`);
  }
  const rawSegments = body.segments;
  if (rawSegments !== undefined && rawSegments !== null && !Array.isArray(rawSegments)) {
    throw new OpenAiResultError(`segments is ${describe(rawSegments)}, not an array`);
  }
  if (!hasText && !Array.isArray(rawSegments)) {
    const error = isRecord(body.error) ? body.error.message : body.error;
    throw new OpenAiResultError(
      error !== undefined
        ? `server answered an error object: ${String(typeof error === 'string' ? error : JSON.stringify(error)).slice(0, 200)}`
        : `neither text nor segments in the ${opts.format} body`,
    );
  }

  const durationSeconds =
    readSeconds(body.duration, 'duration') ??
    (isRecord(body.usage) ? readSeconds(body.usage.seconds, 'usage.seconds') : undefined);

  const segments = (Array.isArray(rawSegments) ? rawSegments : []).map((raw, i) =>
    parseSegment(raw, i),
  );
  segments.sort((a, b) => a.startSeconds - b.startSeconds);

  const rawWords = body.words;
  if (rawWords !== undefined && rawWords !== null && !Array.isArray(rawWords)) {
    throw new OpenAiResultError(`words is ${describe(rawWords)}, not an array`);
  }
  const topWords = Array.isArray(rawWords) ? parseWords(rawWords, 'words') : [];

  const text = hasText ? (body.text as string).trim() : segments.map((s) => s.text).join(' ');

  if (segments.length === 0 && text !== '') {
    const end =
      durationSeconds ??
      (opts.audioSeconds !== undefined && Number.isFinite(opts.audioSeconds)
        ? opts.audioSeconds
        : undefined) ??
      topWords.at(-1)?.endSeconds;
    if (end === undefined) {
      throw new OpenAiResultError('text without segments and no duration to span it');
    }
    segments.push({ startSeconds: 0, endSeconds: Math.max(0, end), text, words: [] });
  }

  if (topWords.length > 0 && !segments.some((s) => s.words.length > 0)) {
    assignWords(segments, topWords);
  }

  const result: ParsedTranscription = { text, segments };
  const language = readLabel(body.language);
  if (language !== undefined) result.language = language;
  const detected = readLabel(body.detected_language);
  if (detected !== undefined) result.detectedLanguage = detected;
  const detectedP = readProbability(body.detected_language_probability);
  if (detectedP !== undefined) result.detectedLanguageProbability = detectedP;
  if (durationSeconds !== undefined) result.durationSeconds = durationSeconds;
  return result;
}

/**
 * Segment confidence 0–1 from Whisper's `avg_logprob`: `exp(avg_logprob)`, the geometric mean of
 * the tokens' probabilities, clamped to [0, 1]. `undefined` when `avg_logprob` is unknown — an
 * unknown score is not a low one. Examples: -0.1 → 0.90, -0.7 → 0.50, -1.0 → 0.37.
 */
export function confidence(avgLogprob: number | undefined): number | undefined {
  if (avgLogprob === undefined || !Number.isFinite(avgLogprob)) return undefined;
  return Math.min(1, Math.max(0, Math.exp(avgLogprob)));
}

// ---------------------------------------------------------------------------------------------

function parseSegment(raw: unknown, i: number): ParsedSegment {
  const where = `segments[${i}]`;
  if (!isRecord(raw)) throw new OpenAiResultError(`${where} is ${describe(raw)}, not an object`);
  const start = requireSeconds(raw.start, `${where}.start`);
  let end = requireSeconds(raw.end, `${where}.end`);
  if (end < start) {
    if (start - end > TIME_TOLERANCE_SECONDS) {
      throw new OpenAiResultError(`${where}.end is before start (${end} < ${start})`);
    }
    end = start;
  }
  if (raw.text !== undefined && raw.text !== null && typeof raw.text !== 'string') {
    throw new OpenAiResultError(`${where}.text is ${describe(raw.text)}, not a string`);
  }
  const segment: ParsedSegment = {
    startSeconds: start,
    endSeconds: end,
    text: typeof raw.text === 'string' ? raw.text.trim() : '',
    words: [],
  };

  const avg = readScore(raw.avg_logprob);
  if (avg !== undefined && avg !== VLLM_PLACEHOLDER_SCORE && avg <= 0) segment.avgLogprob = avg;
  const noSpeech = readProbability(raw.no_speech_prob);
  if (noSpeech !== undefined) segment.noSpeechProb = noSpeech;
  const ratio = readScore(raw.compression_ratio);
  if (ratio !== undefined && ratio > 0) segment.compressionRatio = ratio;

  const speaker =
    typeof raw.speaker === 'string'
      ? raw.speaker.trim()
      : typeof raw.speaker === 'number'
        ? String(raw.speaker)
        : '';
  if (speaker !== '' && speaker !== '?') segment.speaker = speaker;

  if (raw.words !== undefined && raw.words !== null) {
    if (!Array.isArray(raw.words)) {
      throw new OpenAiResultError(`${where}.words is ${describe(raw.words)}, not an array`);
    }
    segment.words = parseWords(raw.words, `${where}.words`);
  }
  return segment;
}

interface WordPiece {
  text: string;
  start: number;
  end: number;
  probability?: number;
}

/** Parses a words array; glues whisper.cpp token pieces into words (see parseTranscription). */
function parseWords(raw: unknown[], where: string): ParsedWord[] {
  const tokenLevel = raw.some((w) => isRecord(w) && 't_dtw' in w);
  const words: Array<WordPiece & { probabilities: number[] }> = [];
  raw.forEach((w, i) => {
    const at = `${where}[${i}]`;
    if (!isRecord(w)) throw new OpenAiResultError(`${at} is ${describe(w)}, not an object`);
    const rawText = typeof w.word === 'string' ? w.word : typeof w.text === 'string' ? w.text : '';
    const start = readNumber(w.start, `${at}.start`);
    const end = readNumber(w.end, `${at}.end`);
    // No times (not computed) or whisper.cpp's -1 placeholder: the word cannot be placed.
    if (start === undefined || end === undefined || start < 0 || end < 0) return;
    if (end < start && start - end > TIME_TOLERANCE_SECONDS) {
      throw new OpenAiResultError(`${at}.end is before start (${end} < ${start})`);
    }
    const probability = readProbability(w.probability);
    const last = words.at(-1);
    if (tokenLevel && last !== undefined && rawText !== '' && !/^\s/.test(rawText)) {
      last.text += rawText;
      last.end = Math.max(last.end, end);
      if (probability !== undefined) last.probabilities.push(probability);
      return;
    }
    words.push({
      text: rawText,
      start,
      end: Math.max(start, end),
      probabilities: probability === undefined ? [] : [probability],
    });
  });
  const parsed: ParsedWord[] = [];
  for (const w of words) {
    const text = w.text.trim();
    if (text === '') continue;
    const word: ParsedWord = { text, startSeconds: w.start, endSeconds: w.end };
    if (w.probabilities.length > 0) {
      word.probability = w.probabilities.reduce((a, b) => a + b, 0) / w.probabilities.length;
    }
    parsed.push(word);
  }
  parsed.sort((a, b) => a.startSeconds - b.startSeconds);
  return parsed;
}

/**
 * Gives each top-level word to the segment that contains its midpoint, else to the nearest one.
 * `segments` are sorted by start; binary search per word.
 */
function assignWords(segments: ParsedSegment[], words: ParsedWord[]): void {
  if (segments.length === 0) return;
  for (const word of words) {
    const mid = (word.startSeconds + word.endSeconds) / 2;
    let lo = 0;
    let hi = segments.length - 1;
    let idx = -1; // last segment starting at or before mid
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (segments[m].startSeconds <= mid + TIME_TOLERANCE_SECONDS) {
        idx = m;
        lo = m + 1;
      } else {
        hi = m - 1;
      }
    }
    let target: number;
    if (idx === -1) {
      target = 0;
    } else if (mid <= segments[idx].endSeconds + TIME_TOLERANCE_SECONDS) {
      target = idx;
    } else if (idx > 0 && mid <= segments[idx - 1].endSeconds + TIME_TOLERANCE_SECONDS) {
      target = idx - 1;
    } else if (idx + 1 < segments.length) {
      const before = mid - segments[idx].endSeconds;
      const after = segments[idx + 1].startSeconds - mid;
      target = after < before ? idx + 1 : idx;
    } else {
      target = idx;
    }
    segments[target].words.push(word);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A number or a numeric string (vLLM sends `duration` as a string); undefined when absent/null. */
function readNumber(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && v.trim() !== '') n = Number(v.trim());
  else throw new OpenAiResultError(`${where} is ${describe(v)}, not a number`);
  if (!Number.isFinite(n)) {
    throw new OpenAiResultError(`${where} is not a finite number (${String(v).slice(0, 40)})`);
  }
  return n;
}

/** Optional time in seconds: finite, not negative beyond the tolerance (clamped to 0). */
function readSeconds(v: unknown, where: string): number | undefined {
  const n = readNumber(v, where);
  if (n === undefined) return undefined;
  if (n < -TIME_TOLERANCE_SECONDS) throw new OpenAiResultError(`${where} is negative (${n})`);
  return Math.max(0, n);
}

function requireSeconds(v: unknown, where: string): number {
  const n = readSeconds(v, where);
  if (n === undefined) throw new OpenAiResultError(`${where} is missing`);
  return n;
}

/** A score is never fatal: anything but a finite number (or numeric string) is "unknown". */
function readScore(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function readProbability(v: unknown): number | undefined {
  const n = readScore(v);
  return n !== undefined && n >= 0 && n <= 1 ? n : undefined;
}

function readLabel(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return s === '' ? undefined : s;
}
