/**
 * What Whisper writes when nobody speaks, and how to tell it from speech.
 *
 * Two kinds of evidence:
 * 1. Whisper's own per-segment rules, with the defaults of openai/whisper@whisper/transcribe.py
 *    (c0d2f62): a window is silence when `no_speech_prob > no_speech_threshold (0.6)` unless
 *    `avg_logprob > logprob_threshold (-1.0)`; a decoding is repetitive garbage when
 *    `compression_ratio > compression_ratio_threshold (2.4)`. The OpenAI spec repeats these hints
 *    (openai/openai-node@src/resources/audio/transcriptions.ts, `TranscriptionSegment`).
 *    Servers apply them while decoding only if configured to (OpenWhispr issue #1458: whisper-server
 *    run without thresholds), so they are applied again here.
 * 2. Known phrases Whisper invents on silence and noise, learnt from subtitled videos — subtitle
 *    credits and video outros — matched only where the audio gives them little support (see
 *    {@link dropHallucinations} for the heuristic and its risk).
 *
 * Also the scores used to choose between retries of a piece in different languages
 * ({@link scoreTranscription}, {@link looksWrongLanguage}). All times are seconds.
 */
import { deflateSync } from 'node:zlib';
import type { ParsedSegment, ParsedTranscription } from './response.js';

/** Whisper's `no_speech_threshold` default (openai/whisper transcribe.py). */
export const NO_SPEECH_THRESHOLD = 0.6;
/** Whisper's `logprob_threshold` default (openai/whisper transcribe.py). */
export const LOGPROB_THRESHOLD = -1.0;
/** Whisper's `compression_ratio_threshold` default (openai/whisper transcribe.py). */
export const COMPRESSION_RATIO_THRESHOLD = 2.4;

/**
 * Whisper's silence rule for one segment: `noSpeechProb > 0.6` and not `avgLogprob > -1.0`.
 * As in transcribe.py with `logprob_threshold=None`, an unknown `avgLogprob` leaves the decision to
 * `noSpeechProb` alone; an unknown `noSpeechProb` is never silence.
 */
export function isNonSpeech(
  segment: Pick<ParsedSegment, 'noSpeechProb' | 'avgLogprob'>,
  thresholds: { noSpeech?: number; logprob?: number } = {},
): boolean {
  const noSpeech = thresholds.noSpeech ?? NO_SPEECH_THRESHOLD;
  const logprob = thresholds.logprob ?? LOGPROB_THRESHOLD;
  if (segment.noSpeechProb === undefined || !(segment.noSpeechProb > noSpeech)) return false;
  return !(segment.avgLogprob !== undefined && segment.avgLogprob > logprob);
}

/**
 * Whisper's compression ratio of a text: UTF-8 bytes / zlib-compressed bytes (whisper/utils.py
 * `compression_ratio`, `zlib.compress` at the default level; Node's `deflateSync` writes the same
 * zlib format). Used when the server does not report `compression_ratio` (whisper.cpp, vLLM).
 * Whisper computes it over a whole 30 s window; over one short segment the zlib header makes it
 * lower, so the fallback errs towards keeping text.
 */
export function compressionRatioOf(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateSync(bytes).length;
}

/**
 * The computed ratio ({@link compressionRatioOf}) is only trusted on texts at least this long
 * (UTF-8 bytes): on short ones zlib's overhead and a genuine "Да, да, да, да, да, да, да, да, да."
 * (53 bytes, ratio 2.79) would trip the 2.4 rule. A reported `compression_ratio` is always used.
 */
export const MIN_COMPUTED_RATIO_BYTES = 120;

/** Where a phrase comes from, for the list below. */
interface KnownPhrase {
  phrase: string;
  source: string;
}

/**
 * Phrases Whisper produces on silence or noise, matched after {@link normalizeForMatch}.
 * Single words ("Спасибо.", "и", "Thank you.") are left out on purpose although they are reported
 * too (Vexa ru.txt): as real answers they are far too common; Whisper's silence rule still catches
 * them when the scores say silence.
 */
export const KNOWN_HALLUCINATIONS: ReadonlyArray<Readonly<KnownPhrase>> = Object.freeze([
  // Russian
  { phrase: 'Продолжение следует...', source: 'OpenWhispr/openwhispr#1458; Vexa ru.txt' },
  { phrase: 'Субтитры сделал DimaTorzok', source: 'Vexa ru.txt' },
  { phrase: 'Субтитры создавал DimaTorzok', source: 'Vexa ru.txt' },
  { phrase: 'Субтитры делал DimaTorzok', source: 'Vexa ru.txt' },
  { phrase: 'Субтитры подогнал «Симон»', source: 'Vexa ru.txt' },
  { phrase: 'Спасибо за субтитры Алексею Дубровскому!', source: 'Vexa ru.txt' },
  { phrase: 'Спасибо за субтитры', source: 'Vexa ru.txt' },
  { phrase: 'Редактор субтитров А.Семкин Корректор А.Егорова', source: 'brief' },
  { phrase: 'Спасибо за просмотр!', source: 'Vexa ru.txt; brief' },
  { phrase: 'Подписывайтесь на канал', source: 'brief' },
  { phrase: 'ДИНАМИЧНАЯ МУЗЫКА', source: 'Vexa ru.txt' },
  // English (Whisper falls into English on silence under auto-detect)
  { phrase: 'Thank you for watching!', source: 'OpenWhispr/openwhispr#1458, #462' },
  { phrase: 'Thanks for watching!', source: 'OpenWhispr/openwhispr#462' },
  { phrase: 'Please subscribe', source: 'OpenWhispr/openwhispr#462' },
  {
    phrase: 'Subtitles by the Amara.org community',
    source: 'OpenWhispr/openwhispr#462 ("Subtitles by...")',
  },
  // Kazakh: no issue thread found (doc §1.4); the same outro boilerplate by analogy, unverified.
  { phrase: 'Жалғасы бар', source: 'by analogy with "Продолжение следует"' },
  { phrase: 'Көргендеріңізге рахмет', source: 'by analogy with "Спасибо за просмотр"' },
  { phrase: 'Арнаға жазылыңыздар', source: 'by analogy with "Подписывайтесь на канал"' },
]);

/**
 * Lower case, `ё`→`е`, punctuation and symbols → spaces, whitespace collapsed:
 * `"  Субтитры сделал DimaTorzok!"` → `"субтитры сделал dimatorzok"`,
 * `"А.Семкин"` and `"А. Семкин"` → `"а семкин"`.
 */
export function normalizeForMatch(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const PHRASE_WORDS: ReadonlyArray<readonly string[]> = KNOWN_HALLUCINATIONS.map((p) =>
  normalizeForMatch(p.phrase).split(' '),
);

/** At most this many words in a segment for the phrase rule to apply ("short"). */
export const MAX_PHRASE_SEGMENT_WORDS = 16;

/**
 * Whether the whole text is made of known phrases only (one or several in a row, e.g.
 * "Спасибо за просмотр! Подписывайтесь на канал"), at most {@link MAX_PHRASE_SEGMENT_WORDS} words.
 * A phrase inside real speech does not match.
 */
export function isKnownHallucination(text: string): boolean {
  const normalized = normalizeForMatch(text);
  if (normalized === '') return false;
  const words = normalized.split(' ');
  if (words.length > MAX_PHRASE_SEGMENT_WORDS) return false;
  // reachable[i]: words[0..i) splits into known phrases
  const reachable = new Array<boolean>(words.length + 1).fill(false);
  reachable[0] = true;
  for (let i = 0; i < words.length; i++) {
    if (!reachable[i]) continue;
    for (const phrase of PHRASE_WORDS) {
      const end = i + phrase.length;
      if (end <= words.length && phrase.every((w, k) => words[i + k] === w)) reachable[end] = true;
    }
  }
  return reachable[words.length];
}

/**
 * A text that is only non-speech annotations: `[BLANK_AUDIO]` (whisper.cpp), `[музыка]` (whisper.cpp
 * on zero-filled audio with `-l ru`, whisper.cpp issue #1881 / PR #3762), `*OUTRO MUSIC*` (vLLM
 * PR #24209's sample), `(аплодисменты)`, `♪♪`.
 */
export function isAnnotationOnly(text: string): boolean {
  return /^(?:\s*(?:\[[^\]]*\]|\([^)]*\)|\*[^*]+\*|[♩♪♫♬]+)\s*)+$/u.test(text);
}

/** A stretch of detected speech in the piece (from the pipeline's VAD), seconds. */
export interface SpeechSpan {
  startSeconds: number;
  endSeconds: number;
}

/** Why a segment was dropped. */
export type DropReason =
  /** Nothing left after removing punctuation. */
  | 'empty'
  /** Only `[BLANK_AUDIO]`, `[музыка]`, `♪`… — {@link isAnnotationOnly}. */
  | 'annotation'
  /** Whisper's silence rule — {@link isNonSpeech}. */
  | 'non_speech'
  /** Compression ratio above 2.4 (reported, else {@link compressionRatioOf} on ≥ 120 bytes). */
  | 'repetitive'
  /** A known phrase, short and weakly supported — {@link KNOWN_HALLUCINATIONS}. */
  | 'known_phrase';

/** A dropped segment and why, for logs and metrics. */
export interface DroppedSegment<S> {
  segment: S;
  reason: DropReason;
}

/** Tuning of {@link dropHallucinations}; every field has Whisper's or this module's default. */
export interface HallucinationOptions {
  /** Whisper's silence rule, default 0.6. */
  noSpeechThreshold?: number;
  /** Whisper's silence rule, default -1.0. */
  logprobThreshold?: number;
  /** Whisper's repetition rule, default 2.4. */
  compressionRatioThreshold?: number;
  /** A known phrase is weakly supported above this `noSpeechProb` (default 0.3). */
  phraseNoSpeechProb?: number;
  /** … or below this `avgLogprob` (default -0.7, i.e. confidence < 0.5). */
  phraseAvgLogprob?: number;
  /** … or when detected speech covers less than this share of the segment (default 0.5). */
  phraseMinSpeechCoverage?: number;
}

/**
 * Share (0–1) of the segment's time covered by speech spans; for a zero-length segment, 1 when a
 * span contains it, else 0.
 */
export function speechCoverage(
  segment: Pick<ParsedSegment, 'startSeconds' | 'endSeconds'>,
  spans: readonly SpeechSpan[],
): number {
  const { startSeconds: s, endSeconds: e } = segment;
  if (e <= s) return spans.some((p) => p.startSeconds <= s && s <= p.endSeconds) ? 1 : 0;
  let covered = 0;
  for (const p of spans) {
    covered += Math.max(0, Math.min(e, p.endSeconds) - Math.max(s, p.startSeconds));
  }
  return Math.min(1, covered / (e - s));
}

/**
 * Splits segments into kept and dropped (with a reason), in order:
 * empty → annotation → Whisper's silence rule → Whisper's repetition rule → known phrase.
 *
 * **The known-phrase heuristic.** A segment is dropped as `known_phrase` only when
 * (a) it is *short*: its whole text is known phrases and nothing else, ≤ 16 words
 * ({@link isKnownHallucination}), and (b) it is *weakly supported*: `noSpeechProb > 0.3`, or
 * `avgLogprob < -0.7`, or `speechSpans` were given and cover < 50 % of it, or nothing vouches for
 * it at all (no scores — `diarized_json`, vLLM placeholders — and no spans).
 * The risk: a real speaker saying "Спасибо за просмотр" at the end of a newsroom clip. Recognised
 * confidently (e.g. `avgLogprob` -0.2, `noSpeechProb` 0.01, inside detected speech) it survives;
 * said over music, mumbled, or returned by a server that reports no scores and with no VAD spans
 * given, it is dropped. Pass `speechSpans` when available: they are what rescues real phrases on
 * score-less servers. A phrase inside a longer segment is never cut out (a tail glued to real
 * speech in one segment stays).
 *
 * @param speechSpans detected speech in the same time frame as the segments (piece-relative seconds).
 */
export function dropHallucinations<S extends ParsedSegment>(
  segments: readonly S[],
  speechSpans?: readonly SpeechSpan[],
  options: HallucinationOptions = {},
): { kept: S[]; dropped: Array<DroppedSegment<S>> } {
  const ratioThreshold = options.compressionRatioThreshold ?? COMPRESSION_RATIO_THRESHOLD;
  const kept: S[] = [];
  const dropped: Array<DroppedSegment<S>> = [];
  for (const segment of segments) {
    const reason = dropReason(segment, speechSpans, options, ratioThreshold);
    if (reason === undefined) kept.push(segment);
    else dropped.push({ segment, reason });
  }
  return { kept, dropped };
}

function dropReason(
  segment: ParsedSegment,
  spans: readonly SpeechSpan[] | undefined,
  options: HallucinationOptions,
  ratioThreshold: number,
): DropReason | undefined {
  if (normalizeForMatch(segment.text) === '') return 'empty';
  if (isAnnotationOnly(segment.text)) return 'annotation';
  if (
    isNonSpeech(segment, { noSpeech: options.noSpeechThreshold, logprob: options.logprobThreshold })
  ) {
    return 'non_speech';
  }
  const ratio =
    segment.compressionRatio ??
    (Buffer.byteLength(segment.text, 'utf8') >= MIN_COMPUTED_RATIO_BYTES
      ? compressionRatioOf(segment.text)
      : undefined);
  if (ratio !== undefined && ratio > ratioThreshold) return 'repetitive';
  if (isKnownHallucination(segment.text) && weaklySupported(segment, spans, options)) {
    return 'known_phrase';
  }
  return undefined;
}

function weaklySupported(
  segment: ParsedSegment,
  spans: readonly SpeechSpan[] | undefined,
  options: HallucinationOptions,
): boolean {
  const noSpeech = options.phraseNoSpeechProb ?? 0.3;
  const logprob = options.phraseAvgLogprob ?? -0.7;
  const coverage = options.phraseMinSpeechCoverage ?? 0.5;
  if (segment.noSpeechProb !== undefined && segment.noSpeechProb > noSpeech) return true;
  if (segment.avgLogprob !== undefined && segment.avgLogprob < logprob) return true;
  if (spans !== undefined) return speechCoverage(segment, spans) < coverage;
  return segment.noSpeechProb === undefined && segment.avgLogprob === undefined;
}

/**
 * Mean `avgLogprob` of the segments, weighted by their duration (seconds); segments without a
 * score are left out, and when every scored segment has zero length the plain mean is used.
 * `undefined` when no segment has a score (diarized_json, vLLM placeholders). Higher is better;
 * used to choose between retries of one piece in different languages.
 */
export function scoreTranscription(
  parsed: Pick<ParsedTranscription, 'segments'>,
): number | undefined {
  let weighted = 0;
  let weight = 0;
  let sum = 0;
  let count = 0;
  for (const s of parsed.segments) {
    if (s.avgLogprob === undefined) continue;
    const d = Math.max(0, s.endSeconds - s.startSeconds);
    weighted += s.avgLogprob * d;
    weight += d;
    sum += s.avgLogprob;
    count++;
  }
  if (count === 0) return undefined;
  return weight > 0 ? weighted / weight : sum / count;
}

/**
 * Whether a result looks decoded in the wrong language: its {@link scoreTranscription} is below
 * `threshold` (default -1.0, Whisper's `logprob_threshold`: below it Whisper itself counts a
 * decoding as failed). `false` when the score is unknown — nothing to judge by.
 */
export function looksWrongLanguage(
  parsed: Pick<ParsedTranscription, 'segments'>,
  threshold = LOGPROB_THRESHOLD,
): boolean {
  const score = scoreTranscription(parsed);
  return score !== undefined && score < threshold;
}
