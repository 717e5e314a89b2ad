/**
 * Word timings after an edit, pure (no database). Words that still match keep their times; new
 * or changed words get times interpolated in the gap they fill (between the kept words around
 * them, or the segment's edges), shared by character length; no word ever lies outside its
 * segment. Times in seconds, rounded to whole milliseconds like everything the engines give us.
 */
import { diffArrays } from 'diff';
import type { SnapshotWord } from './revision-change.js';

/** A segment's time span in seconds. */
export interface Span {
  start: number;
  end: number;
}

/** Rounds seconds to whole milliseconds. */
export const roundMs = (seconds: number): number => Math.round(seconds * 1000) / 1000;

/** The words of a text: runs of non-space characters. */
export function tokenize(text: string): string[] {
  return text.split(/\s+/u).filter(Boolean);
}

/** How two words are compared: case and surrounding punctuation do not make a word new. */
function comparable(word: string): string {
  return word.toLocaleLowerCase('kk').replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '');
}

/** `words` moved inside `span`: each start and end clamped to it, and end ≥ start. */
export function clampWords(words: readonly SnapshotWord[], span: Span): SnapshotWord[] {
  const clamp = (t: number) => Math.min(span.end, Math.max(span.start, t));
  return words.map((w) => {
    const start = clamp(w.start);
    return { text: w.text, start, end: Math.max(start, clamp(w.end)) };
  });
}

type Slot = SnapshotWord | { text: string; start: null; end: null };

/**
 * The words of `text` in a segment spanning `span`, timed from the segment's previous words
 * `before` (see the module comment).
 * @returns one word per token of `text`, in order, each inside `span`.
 */
export function retimeWords(
  before: readonly SnapshotWord[],
  text: string,
  span: Span,
): SnapshotWord[] {
  const old = clampWords(before, span);
  const tokens = tokenize(text);
  const changes = diffArrays(
    old.map((w) => comparable(w.text)),
    tokens.map(comparable),
  );
  const slots: Slot[] = [];
  let oldAt = 0;
  let newAt = 0;
  for (const change of changes) {
    if (change.removed) {
      oldAt += change.count;
    } else if (change.added) {
      for (let i = 0; i < change.count; i++) {
        slots.push({ text: tokens[newAt++], start: null, end: null });
      }
    } else {
      for (let i = 0; i < change.count; i++) {
        const w = old[oldAt++];
        slots.push({ text: tokens[newAt++], start: w.start, end: w.end });
      }
    }
  }
  return interpolate(slots, span);
}

/** Fills each run of untimed slots into the gap between its timed neighbours. */
function interpolate(slots: Slot[], span: Span): SnapshotWord[] {
  const out: SnapshotWord[] = [];
  for (let i = 0; i < slots.length;) {
    const slot = slots[i];
    if (slot.start !== null) {
      out.push(slot as SnapshotWord);
      i++;
      continue;
    }
    let j = i;
    while (j < slots.length && slots[j].start === null) j++;
    const from = out.length > 0 ? out[out.length - 1].end : span.start;
    const next = j < slots.length ? (slots[j] as SnapshotWord).start : span.end;
    const to = Math.max(from, next);
    const run = slots.slice(i, j);
    const chars = run.reduce((n, w) => n + [...w.text].length, 0);
    let at = from;
    for (const w of run) {
      const length = ((to - from) * [...w.text].length) / chars;
      out.push({ text: w.text, start: roundMs(at), end: roundMs(at + length) });
      at += length;
    }
    i = j;
  }
  return clampWords(out, span);
}

/**
 * Where to split a segment of `words` (one per token, timed) nearest to `at` seconds: the
 * boundary between words k-1 and k (its time is the middle of the gap between them) closest
 * to `at`.
 * @returns k, 1 ≤ k ≤ words.length - 1.
 * @throws Error when there are fewer than two words (the caller checks first).
 */
export function splitIndex(words: readonly SnapshotWord[], at: number): number {
  if (words.length < 2) throw new Error('a segment of one word cannot be split');
  let best = 1;
  let bestDistance = Infinity;
  for (let k = 1; k < words.length; k++) {
    const boundary = (words[k - 1].end + words[k].start) / 2;
    const distance = Math.abs(boundary - at);
    if (distance < bestDistance) {
      best = k;
      bestDistance = distance;
    }
  }
  return best;
}
