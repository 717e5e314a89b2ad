/**
 * Chunk planning (pure, no I/O): where to cut a recording into pieces for a speech engine that
 * takes a limited size and duration per request (OpenAI-compatible Whisper servers: ~25 MB).
 * Pieces are cut in pauses, never mid-word, carry as little silence as possible (Whisper
 * hallucinates on silence) and end at a clear pause (≥ 0.8 s by default), so one piece is about one
 * utterance or a few and can carry a single language.
 *
 * Input is what `detectSpeech` (silence.ts) found; all times are seconds from the start of the
 * file. The plan is deterministic (same input, same plan, whatever the order of the input lists),
 * so a plan saved before a crash and a plan made again after it agree.
 */

/** A span of time, in seconds from the start of the file. `endSeconds` ≥ `startSeconds`. */
export interface TimeRange {
  startSeconds: number;
  endSeconds: number;
}

/** One piece of a recording to transcribe. */
export interface Chunk {
  /** Position in the plan, from 0. */
  index: number;
  /** Where the piece starts, in seconds (in a pause, or 0). Rounded to the millisecond. */
  startSeconds: number;
  /** Where it ends, in seconds (in a pause, or the end of the file). Rounded to the millisecond. */
  endSeconds: number;
  /**
   * Seconds of detected speech inside (pauses between words included, as in `detectSpeech`'s
   * `speech`), rounded to the millisecond; always > 0.
   */
  speechSeconds: number;
}

/** Options of {@link planChunks}. Seconds and bytes throughout. */
export interface PlanOptions {
  /** Length of the file (speech beyond it is ignored). */
  durationSeconds: number;
  /** Longest piece the engine accepts, in seconds (padding included). */
  maxChunkSeconds: number;
  /** Largest piece the engine accepts, in bytes (see {@link estimateChunkBytes}). */
  maxChunkBytes: number;
  /**
   * Bytes per second of the encoded piece: a safe upper bound (FLAC is variable-rate; 16 kHz mono
   * 16-bit FLAC never exceeds 32 000 B/s plus frame headers).
   */
  bytesPerSecond: number;
  /**
   * A pause at least this long ends a piece; default {@link DEFAULT_SPLIT_PAUSE_SECONDS}. Shorter
   * pauses end one only when the limits require it.
   */
  splitPauseSeconds?: number;
  /**
   * A piece with less speech span than this (first speech to last, seconds) is merged into a
   * neighbour at most {@link MAX_MERGE_PAUSE_SECONDS} away when the limits allow; default
   * {@link DEFAULT_MIN_CHUNK_SECONDS}. Whisper guesses language badly and hallucinates more on
   * isolated sub-second audio, and each request has a fixed cost.
   */
  minChunkSeconds?: number;
  /**
   * Silence kept on either side of the speech, in seconds; default
   * {@link DEFAULT_PADDING_SECONDS}. Never more than half the pause to the neighbouring speech, so
   * pieces never overlap and every boundary lies in a pause.
   */
  paddingSeconds?: number;
  /**
   * Short pauses inside speech (`detectSpeech`'s `shortSilences`): where a stretch of speech too
   * long for one piece is split. Without them such a stretch is cut hard (see {@link planChunks}).
   */
  shortSilences?: readonly TimeRange[];
}

/** Default {@link PlanOptions.splitPauseSeconds}: a pause between sentences or speakers. */
export const DEFAULT_SPLIT_PAUSE_SECONDS = 0.8;
/** Default {@link PlanOptions.paddingSeconds}: room for soft word onsets and endings. */
export const DEFAULT_PADDING_SECONDS = 0.2;
/** Default {@link PlanOptions.minChunkSeconds}. */
export const DEFAULT_MIN_CHUNK_SECONDS = 1;
/** A short piece is merged into a neighbour only across a pause up to this long (seconds). */
export const MAX_MERGE_PAUSE_SECONDS = 2;
/** Bytes added to every piece's estimate for its container (FLAC/Ogg headers, padding block). */
export const CHUNK_CONTAINER_OVERHEAD_BYTES = 16 * 1024;
/** {@link splitChunk} refuses pieces shorter than this (seconds). */
export const MIN_SPLIT_SECONDS = 1;
/** Every piece is planned this much (seconds) under the limit, for millisecond rounding. */
const ROUNDING_MARGIN_SECONDS = 0.002;

/** Estimated size in bytes of `seconds` of audio at `bytesPerSecond`, container included. */
export function estimateChunkBytes(seconds: number, bytesPerSecond: number): number {
  return Math.ceil(seconds * bytesPerSecond) + CHUNK_CONTAINER_OVERHEAD_BYTES;
}

/**
 * Longest piece, in seconds, that both limits allow: `maxChunkSeconds`, and the duration whose
 * {@link estimateChunkBytes} stays within `maxChunkBytes`.
 */
export function maxChunkDuration(
  opts: Pick<PlanOptions, 'maxChunkSeconds' | 'maxChunkBytes' | 'bytesPerSecond'>,
): number {
  const byBytes = (opts.maxChunkBytes - CHUNK_CONTAINER_OVERHEAD_BYTES - 1) / opts.bytesPerSecond;
  return Math.min(opts.maxChunkSeconds, byBytes);
}

/**
 * Plans the pieces of a recording from its speech.
 *
 * Rules:
 * - all speech is covered, every moment of it by exactly one piece (a stretch is in one piece
 *   unless it has to be split, below), and every piece holds speech (pure silence is never a
 *   piece; no speech at all gives `[]`);
 * - boundaries lie in pauses: `paddingSeconds` from the speech, or the middle of a shorter pause
 *   (a piece may start at 0 or end at `durationSeconds`);
 * - a piece ends at a pause ≥ `splitPauseSeconds`, or where adding the next speech would take it
 *   past {@link maxChunkDuration} (`maxChunkSeconds`, or `maxChunkBytes` at `bytesPerSecond`); it
 *   then ends at the longest pause in its second half (the longest anywhere if the second half has
 *   none), so a long monologue is cut at its clearest pauses rather than at whichever comes last;
 * - a stretch of speech with no pause (not even a `shortSilences` one) longer than a piece may be
 *   is cut hard into equal parts that fit, which may cut a word. Real speech pauses at least every
 *   few seconds, so this only happens with noise or music above the detection threshold;
 * - pieces with less than `minChunkSeconds` of speech span are merged into the neighbour across
 *   the shorter pause, if it is at most {@link MAX_MERGE_PAUSE_SECONDS} and the result fits.
 *
 * @param speech stretches of speech (`detectSpeech().speech`), any order; overlaps are merged.
 * @returns the pieces in order, indexed from 0, not overlapping.
 * @throws RangeError when an option is not a finite positive number (`splitPauseSeconds`,
 *   `minChunkSeconds` and `paddingSeconds` may be 0), the limits leave less than 1 s per piece, or
 *   the padding is a quarter of a piece or more.
 */
export function planChunks(speech: readonly TimeRange[], opts: PlanOptions): Chunk[] {
  const duration = opts.durationSeconds;
  const splitPause = opts.splitPauseSeconds ?? DEFAULT_SPLIT_PAUSE_SECONDS;
  const minChunk = opts.minChunkSeconds ?? DEFAULT_MIN_CHUNK_SECONDS;
  const pad = opts.paddingSeconds ?? DEFAULT_PADDING_SECONDS;
  requirePositive('durationSeconds', duration, true);
  requirePositive('maxChunkSeconds', opts.maxChunkSeconds);
  requirePositive('maxChunkBytes', opts.maxChunkBytes);
  requirePositive('bytesPerSecond', opts.bytesPerSecond);
  requirePositive('splitPauseSeconds', splitPause, true);
  requirePositive('minChunkSeconds', minChunk, true);
  requirePositive('paddingSeconds', pad, true);
  const limit = maxChunkDuration(opts) - ROUNDING_MARGIN_SECONDS;
  if (!(limit >= MIN_SPLIT_SECONDS)) {
    throw new RangeError(
      `the limits allow only ${limit.toFixed(3)} s per piece; at least ${MIN_SPLIT_SECONDS} s is needed`,
    );
  }

  if (!(4 * pad < limit)) {
    throw new RangeError(`paddingSeconds ${pad} is too large for pieces of ${limit.toFixed(3)} s`);
  }
  const regions = normalise(speech, 0, duration);
  const atoms = toAtoms(regions, opts.shortSilences ?? [], limit - 2 * pad);
  if (atoms.length === 0) return [];
  const b = new Bounds(atoms, 0, duration, pad);

  // Greedy grouping, backing off to the best pause when a limit is hit.
  const groups: Array<[number, number]> = [];
  for (let i = 0; i < atoms.length;) {
    let j = i;
    while (j + 1 < atoms.length && b.gapAfter(j) < splitPause && b.span(i, j + 1) <= limit) j++;
    if (j + 1 < atoms.length && b.gapAfter(j) < splitPause) j = bestCut(b, i, j, limit);
    groups.push([i, j]);
    i = j + 1;
  }

  // Short pieces join the neighbour across the shorter pause.
  const speechSpan = (g: [number, number]) => atoms[g[1]].end - atoms[g[0]].start;
  for (let p = 0; p < groups.length;) {
    const g = groups[p];
    if (speechSpan(g) >= minChunk) {
      p++;
      continue;
    }
    const prev = p > 0 ? groups[p - 1] : undefined;
    const next = p + 1 < groups.length ? groups[p + 1] : undefined;
    const prevGap = prev ? b.gapAfter(prev[1]) : Infinity;
    const nextGap = next ? b.gapAfter(g[1]) : Infinity;
    const canPrev = prev && prevGap <= MAX_MERGE_PAUSE_SECONDS && b.span(prev[0], g[1]) <= limit;
    const canNext = next && nextGap <= MAX_MERGE_PAUSE_SECONDS && b.span(g[0], next[1]) <= limit;
    if (canPrev && (!canNext || prevGap <= nextGap)) {
      groups.splice(p - 1, 2, [prev[0], g[1]]);
      p--;
    } else if (canNext) {
      groups.splice(p, 2, [g[0], next[1]]);
    } else p++;
  }

  const overlap = overlapCounter(regions);
  return groups.map(([i, j], index) => {
    const start = b.start(i);
    const end = b.end(j);
    return {
      index,
      startSeconds: ms(start),
      endSeconds: ms(end),
      speechSeconds: Math.max(0.001, ms(overlap(start, end))),
    };
  });
}

/**
 * Splits one piece in two, for an engine that answered 413 (too large) or timed out on it: at the
 * best pause inside — the longest whose middle lies in the middle half of the piece (ties: the
 * one nearest the centre), else the one nearest the centre — or, with no pause inside the speech,
 * at the middle of the speech (a hard cut that may cut a word). Boundaries at the pause follow
 * {@link planChunks}' padding rule; the outer boundaries stay.
 *
 * Both parts keep `chunk.index`: the caller renumbers (or names them, e.g. `3a`/`3b`).
 *
 * @param chunk the piece to split.
 * @param speech the recording's speech (any order; only what lies inside the piece counts).
 * @param opts.shortSilences short pauses inside speech, used as split points too.
 * @param opts.paddingSeconds default {@link DEFAULT_PADDING_SECONDS}.
 * @returns the two parts, in order, each holding speech.
 * @throws RangeError when the piece is shorter than {@link MIN_SPLIT_SECONDS} or holds no speech.
 */
export function splitChunk(
  chunk: Chunk,
  speech: readonly TimeRange[],
  opts: { shortSilences?: readonly TimeRange[]; paddingSeconds?: number } = {},
): [Chunk, Chunk] {
  const { startSeconds: from, endSeconds: to } = chunk;
  const pad = opts.paddingSeconds ?? DEFAULT_PADDING_SECONDS;
  requirePositive('paddingSeconds', pad, true);
  if (!(to - from >= MIN_SPLIT_SECONDS)) {
    throw new RangeError(
      `chunk ${chunk.index} is ${(to - from).toFixed(3)} s long; pieces under ${MIN_SPLIT_SECONDS} s are not split`,
    );
  }
  const regions = normalise(speech, from, to);
  const atoms = toAtoms(regions, opts.shortSilences ?? [], Infinity);
  if (atoms.length === 0) throw new RangeError(`chunk ${chunk.index} holds no speech`);
  const centre = (from + to) / 2;
  const quarter = (to - from) / 4;

  let cut: number | undefined;
  let best: { inMiddle: boolean; gap: number; distance: number } | undefined;
  for (let k = 0; k + 1 < atoms.length; k++) {
    const gap = atoms[k + 1].start - atoms[k].end;
    const mid = (atoms[k].end + atoms[k + 1].start) / 2;
    const cand = {
      inMiddle: Math.abs(mid - centre) <= quarter,
      gap,
      distance: Math.abs(mid - centre),
    };
    const better =
      !best ||
      (cand.inMiddle !== best.inMiddle
        ? cand.inMiddle
        : cand.inMiddle && cand.gap !== best.gap
          ? cand.gap > best.gap
          : cand.distance < best.distance);
    if (better) {
      best = cand;
      cut = k;
    }
  }

  const overlap = overlapCounter(regions);
  const part = (start: number, end: number): Chunk => ({
    index: chunk.index,
    startSeconds: ms(start),
    endSeconds: ms(end),
    speechSeconds: Math.max(0.001, ms(overlap(start, end))),
  });
  if (cut !== undefined) {
    const b = new Bounds(atoms, from, to, pad);
    return [part(from, b.end(cut)), part(b.start(cut + 1), to)];
  }
  // One stretch of speech without a pause: cut it in the middle.
  const middle = (atoms[0].start + atoms[0].end) / 2;
  return [part(from, middle), part(middle, to)];
}

// ---------------------------------------------------------------------------------------------

/** A piece of speech between pauses (of any length) or hard cuts. */
interface Atom {
  start: number;
  end: number;
}

/** Padded boundaries and pauses of consecutive atoms within `[from, to]`. */
class Bounds {
  constructor(
    private readonly atoms: readonly Atom[],
    private readonly from: number,
    private readonly to: number,
    private readonly pad: number,
  ) {}

  /** Pause after atom `k` (0 at a hard cut; to the end of the range for the last atom). */
  gapAfter(k: number): number {
    const next = k + 1 < this.atoms.length ? this.atoms[k + 1].start : undefined;
    return (next ?? this.to) - this.atoms[k].end;
  }

  /**
   * Start of a piece whose first atom is `i`: `pad` before its speech, at most back to the middle
   * of the pause before it (computed exactly as {@link end} computes it, so neighbours meet).
   */
  start(i: number): number {
    const s = this.atoms[i].start;
    if (i === 0) return s - Math.min(this.pad, s - this.from);
    const e = this.atoms[i - 1].end;
    return (s - e) / 2 <= this.pad ? (e + s) / 2 : s - this.pad;
  }

  /** End of a piece whose last atom is `j`: `pad` after its speech, at most to the pause's middle. */
  end(j: number): number {
    const e = this.atoms[j].end;
    if (j + 1 === this.atoms.length) return e + Math.min(this.pad, this.to - e);
    const s = this.atoms[j + 1].start;
    return (s - e) / 2 <= this.pad ? (e + s) / 2 : e + this.pad;
  }

  /** Length of the piece made of atoms `i..j`, padding included. */
  span(i: number, j: number): number {
    return this.end(j) - this.start(i);
  }
}

/**
 * Where a piece starting at atom `i` that could run to atom `j` (the next one does not fit) should
 * end: after the atom followed by the longest pause among those ending the piece in its second
 * half (at least half the limit long), else among all; ties go to the later atom.
 */
function bestCut(b: Bounds, i: number, j: number, limit: number): number {
  let best = -1;
  let bestLate = false;
  let bestGap = -1;
  for (let k = i; k <= j; k++) {
    const late = b.span(i, k) >= limit / 2;
    const gap = b.gapAfter(k);
    if (late !== bestLate ? late : gap >= bestGap) {
      best = k;
      bestLate = late;
      bestGap = gap;
    }
  }
  return best;
}

/** Sorted, clipped to `[from, to]`, overlapping or touching ranges merged, empty ones dropped. */
function normalise(ranges: readonly TimeRange[], from: number, to: number): Atom[] {
  const sorted = ranges
    .map((r) => ({ start: Math.max(from, r.startSeconds), end: Math.min(to, r.endSeconds) }))
    .filter((r) => Number.isFinite(r.start) && Number.isFinite(r.end) && r.end > r.start)
    .sort((x, y) => x.start - y.start || x.end - y.end);
  const out: Atom[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/**
 * Splits speech at the short pauses that lie inside it, then cuts any part longer than
 * `maxAtomSeconds` into equal parts no longer than that (hard cuts, no pause between them).
 */
function toAtoms(
  speech: readonly Atom[],
  shortSilences: readonly TimeRange[],
  maxAtomSeconds: number,
): Atom[] {
  const pauses = normalise(shortSilences, -Infinity, Infinity);
  const out: Atom[] = [];
  const push = (start: number, end: number) => {
    if (end <= start) return;
    const parts = Math.ceil((end - start) / maxAtomSeconds);
    if (!(parts > 1)) {
      out.push({ start, end });
      return;
    }
    const step = (end - start) / parts;
    for (let p = 0; p < parts; p++) {
      out.push({ start: start + p * step, end: p + 1 === parts ? end : start + (p + 1) * step });
    }
  };
  let k = 0;
  for (const s of speech) {
    let cursor = s.start;
    while (k < pauses.length && pauses[k].end <= s.start) k++;
    for (; k < pauses.length && pauses[k].start < s.end; k++) {
      const p = pauses[k];
      if (p.start > cursor && p.end < s.end) {
        push(cursor, p.start);
        cursor = p.end;
      }
    }
    push(cursor, s.end);
  }
  return out;
}

/**
 * Seconds of `regions` (sorted, disjoint) inside `[start, end]`, for calls with non-decreasing
 * `start`: linear over a whole plan.
 */
function overlapCounter(regions: readonly Atom[]): (start: number, end: number) => number {
  let k = 0;
  return (start, end) => {
    while (k < regions.length && regions[k].end <= start) k++;
    let sum = 0;
    for (let m = k; m < regions.length && regions[m].start < end; m++) {
      sum += Math.max(0, Math.min(end, regions[m].end) - Math.max(start, regions[m].start));
    }
    return sum;
  };
}

function requirePositive(name: string, value: number, zeroAllowed = false): void {
  if (!Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    throw new RangeError(
      `${name} must be a finite ${zeroAllowed ? 'non-negative' : 'positive'} number, got ${value}`,
    );
  }
}

/** Rounds seconds to the millisecond (plans are stored; this keeps them short and stable). */
function ms(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
