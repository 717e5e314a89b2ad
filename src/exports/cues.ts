/**
 * Turns transcript segments into subtitle cues: times in whole milliseconds, one speaker per cue,
 * long segments split into readable pieces.
 */
import { toMilliseconds } from './timecode.js';
import { charCount, normalizeText, orderedSegments, speakerLabelOf } from './text-utils.js';
import type { ExportDocument, ExportSegment } from './types.js';

/** A subtitle cue. `endMs >= startMs >= 0`; `text` is one line without the speaker label. */
export interface Cue {
  startMs: number;
  endMs: number;
  speakerLabel: string;
  /** BCP-47 tag of the segment's language, when known. */
  language: string | null;
  text: string;
}

/** Readability limits for one cue. */
export interface CueLimits {
  /** Longest a cue may stay on screen, in seconds (a piece that is one word may exceed it). */
  maxSeconds: number;
  /** Most characters of text in a cue, label excluded (two 42-character lines). */
  maxChars: number;
  /**
   * Whether a piece of a segment's text fits one cue as it will be written (e.g. in two lines of
   * at most 42 characters, label included); checked in addition to `maxChars` when given.
   */
  fits?: (text: string, segment: ExportSegment, label: string) => boolean;
}

/** Default limits: about 7 s and 84 characters per cue, common subtitle guidelines. */
export const DEFAULT_CUE_LIMITS: Readonly<CueLimits> = Object.freeze({
  maxSeconds: 7,
  maxChars: 84,
});

interface Token {
  text: string;
  /** Code-point offset of the token in the normalised segment text. */
  offset: number;
  chars: number;
  startMs: number;
  endMs: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Splits the normalised text of a segment into space-separated tokens with times. Times come from
 * the segment's word timings when there is exactly one word per token (so edited or punctuated
 * text still lines up); otherwise they are interpolated by character position across the segment.
 */
function tokenize(segment: ExportSegment, text: string, startMs: number, endMs: number): Token[] {
  const parts = text.split(' ');
  const totalChars = charCount(text);
  const words = segment.words ?? [];
  const useWords =
    words.length === parts.length &&
    words.every((w) => Number.isFinite(w.start) && Number.isFinite(w.end));
  const tokens: Token[] = [];
  let offset = 0;
  let prevStart = startMs;
  for (const [i, part] of parts.entries()) {
    const chars = charCount(part);
    let tStart: number;
    let tEnd: number;
    if (useWords) {
      const w = words[i];
      tStart = clamp(toMilliseconds(w.start), prevStart, endMs);
      tEnd = clamp(toMilliseconds(w.end), tStart, endMs);
    } else {
      // The space after a word belongs to it, so interpolated pieces are contiguous.
      const span = endMs - startMs;
      const next = Math.min(offset + chars + 1, totalChars);
      tStart = startMs + Math.round((span * offset) / totalChars);
      tEnd = startMs + Math.round((span * next) / totalChars);
    }
    tokens.push({ text: part, offset, chars, startMs: tStart, endMs: tEnd });
    prevStart = tStart;
    offset += chars + 1;
  }
  // The first and last pieces are shown from the segment's start to its end, so measure them so.
  tokens[0].startMs = startMs;
  tokens[tokens.length - 1].endMs = endMs;
  return tokens;
}

/** Characters of tokens[from..to) joined by single spaces. */
const piecesChars = (tokens: Token[], from: number, to: number): number =>
  tokens[to - 1].offset + tokens[to - 1].chars - tokens[from].offset;

/**
 * Chooses where to cut `tokens` into pieces that respect `limits`. Tries the fewest pieces first
 * and, for each count, cuts at the word boundaries nearest to equal character shares, so pieces
 * come out balanced instead of a full cue followed by a two-word tail.
 * @returns start indexes of each piece (the first is always 0)
 */
function chooseCuts(
  tokens: Token[],
  limits: CueLimits,
  fits: (from: number, to: number) => boolean,
): number[] {
  const total = piecesChars(tokens, 0, tokens.length);
  const span = tokens[tokens.length - 1].endMs - tokens[0].startMs;
  const maxMs = limits.maxSeconds * 1000;
  const minPieces = Math.max(1, Math.ceil(total / limits.maxChars), Math.ceil(span / maxMs));
  for (let n = Math.min(minPieces, tokens.length); n <= tokens.length; n++) {
    const cuts = [0];
    for (let k = 1; k < n; k++) {
      const target = (total * k) / n;
      const lo = cuts[k - 1] + 1;
      const hi = tokens.length - (n - k);
      let best = lo;
      for (let j = lo; j <= hi; j++) {
        if (Math.abs(tokens[j].offset - target) < Math.abs(tokens[best].offset - target)) {
          best = j;
        }
      }
      cuts.push(best);
    }
    const allFit = cuts.every((from, k) => {
      const to = cuts[k + 1] ?? tokens.length;
      if (to - from === 1) {
        return true; // a single word cannot be split further
      }
      return (
        piecesChars(tokens, from, to) <= limits.maxChars &&
        tokens[to - 1].endMs - tokens[from].startMs <= maxMs &&
        fits(from, to)
      );
    });
    if (allFit) {
      return cuts;
    }
  }
  return tokens.map((_, i) => i); // unreachable: one word per piece always fits
}

/** Cues of one segment: one cue, or several when it is longer than the limits allow. */
function segmentCues(segment: ExportSegment, label: string, limits: CueLimits): Cue[] {
  const text = normalizeText(segment.text ?? '');
  if (!text) {
    return [];
  }
  const startMs = toMilliseconds(segment.start);
  const endMs = Math.max(startMs, toMilliseconds(segment.end));
  const fitsText = (t: string) => limits.fits?.(t, segment, label) ?? true;
  if (
    charCount(text) <= limits.maxChars &&
    endMs - startMs <= limits.maxSeconds * 1000 &&
    fitsText(text)
  ) {
    return [{ startMs, endMs, speakerLabel: label, language: segment.language ?? null, text }];
  }
  const tokens = tokenize(segment, text, startMs, endMs);
  const joined = (from: number, to: number) =>
    tokens
      .slice(from, to)
      .map((t) => t.text)
      .join(' ');
  const cuts = chooseCuts(tokens, limits, (from, to) => fitsText(joined(from, to)));
  const cues: Cue[] = [];
  let prevEnd = startMs;
  for (const [k, from] of cuts.entries()) {
    const to = cuts[k + 1] ?? tokens.length;
    const first = k === 0;
    const last = to === tokens.length;
    // The first piece starts with the segment and the last ends with it; pieces never overlap.
    const pieceStart = first ? startMs : Math.max(prevEnd, tokens[from].startMs);
    const pieceEnd = last ? endMs : Math.max(pieceStart, tokens[to - 1].endMs);
    cues.push({
      startMs: pieceStart,
      endMs: Math.max(pieceStart, pieceEnd),
      speakerLabel: label,
      language: segment.language ?? null,
      text: joined(from, to),
    });
    prevEnd = pieceEnd;
  }
  return cues;
}

/**
 * Builds the subtitle cues of a document, in time order. Segments with empty text are skipped.
 * Every cue carries its speaker's display label (see {@link speakerLabelOf}), also on each piece
 * of a split segment.
 */
export function buildCues(doc: ExportDocument, limits: CueLimits = DEFAULT_CUE_LIMITS): Cue[] {
  return orderedSegments(doc).flatMap((segment) =>
    segmentCues(segment, speakerLabelOf(doc, segment), limits),
  );
}
