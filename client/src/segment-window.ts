/**
 * Windowed loading of a long transcript's segments. A 4-hour recording has ~2,800 segments; the
 * client loads them in fixed windows of {@link WINDOW_SIZE} by position (GraphQL
 * `segments(offset, limit)`), when the list scrolls to them or the audio reaches them, and keeps
 * every window it has loaded. Window `k` holds positions `[k·size, (k+1)·size)`.
 *
 * The module knows nothing of the DOM or the API: it is given a {@link WindowSource}, so it also
 * runs outside the page (the browser test drives it against the real server too).
 */

/** Segments per window: what the first request brings and every later one asks for. */
export const WINDOW_SIZE = 200;

/** What the store needs of a segment: its times in seconds from the start of the recording. */
export interface TimedRow {
  start: number;
  end: number;
}

/**
 * Fetches the rows at positions `[offset, offset + limit)` (0-based, in time order); may answer
 * fewer at the end of the transcript.
 */
export type WindowSource<T> = (offset: number, limit: number) => Promise<T[]>;

/** How far back from the last segment started at a time to look for one still running then. */
const OVERLAP_LOOKBACK = 8;

/**
 * The loaded windows of one transcript. Each window is fetched at most once at a time (callers
 * asking for a window already on its way share that request) and kept once it arrived; a failed
 * window is not kept, so asking again retries it.
 */
export class SegmentWindows<T extends TimedRow> {
  /** The last failure of a window request, until a window arrives or {@link clearError}. */
  error: unknown = null;

  private loaded = new Map<number, T[]>();
  /** Bumped by {@link reset}, so a window requested before it is not stored after it. */
  private generation = 0;
  private readonly pending = new Map<number, Promise<T[]>>();
  private readonly listeners = new Set<() => void>();

  /**
   * @param count number of segments in the transcript (GraphQL `segmentCount`).
   * @param source fetches one window.
   * @param durationSeconds length of the recording in seconds, when known: with it a time is
   *   turned into a likely position before anything is loaded around it.
   * @param size segments per window.
   */
  constructor(
    public count: number,
    private readonly source: WindowSource<T>,
    private readonly durationSeconds: number | null = null,
    readonly size: number = WINDOW_SIZE,
  ) {}

  /** Number of windows (the last may be shorter than {@link size}). */
  get windowCount(): number {
    return Math.ceil(this.count / this.size);
  }

  /** Stores a window fetched elsewhere (the first one comes with the job); `offset` = k·size. */
  seed(offset: number, rows: T[]): void {
    if (offset % this.size !== 0) throw new Error(`window offset ${offset} is not a multiple`);
    this.loaded.set(offset / this.size, rows.slice(0, this.size));
  }

  /** The segment at a position, or undefined while its window is not loaded. */
  at(index: number): T | undefined {
    return this.loaded.get(Math.floor(index / this.size))?.[index % this.size];
  }

  /** Whether every position in `[first, last]` is loaded (positions outside the list count). */
  has(first: number, last: number): boolean {
    return this.missing(first, last).length === 0;
  }

  /**
   * Replaces the whole content after the transcript changed shape (a split, merge, delete or
   * revert moves positions): the new segment count and the windows fetched for it (window
   * index → rows); every other window is forgotten and fetched again when needed.
   */
  reset(count: number, windows: Map<number, T[]>): void {
    this.generation++;
    this.count = count;
    this.loaded = new Map([...windows].map(([k, rows]) => [k, rows.slice(0, this.size)]));
    this.pending.clear();
    this.error = null;
    this.notify();
  }

  /**
   * Replaces a loaded row in place where `same(old)` holds and `keep(old)` is false (e.g. an
   * older version); returns whether a row matched. Positions do not move.
   */
  replace(row: T, same: (old: T) => boolean, keep: (old: T) => boolean = () => false): boolean {
    for (const rows of this.loaded.values()) {
      const i = rows.findIndex(same);
      if (i < 0) continue;
      if (!keep(rows[i])) rows[i] = row;
      this.notify();
      return true;
    }
    return false;
  }

  /** Every loaded row, window by window (in no particular order of windows). */
  *rows(): Generator<T> {
    for (const rows of this.loaded.values()) yield* rows;
  }

  /** Indices of the loaded windows. */
  loadedWindows(): number[] {
    return [...this.loaded.keys()];
  }

  /** Calls `fn` whenever a window arrives or fails. Returns an unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Forgets the last failure (before retrying). */
  clearError(): void {
    this.error = null;
  }

  /**
   * Loads the windows holding positions `[first, last]` (clamped to the list). Never rejects: a
   * failure is kept in {@link error} and told to the listeners.
   */
  async ensure(first: number, last: number): Promise<void> {
    await Promise.all(this.missing(first, last).map((k) => this.load(k).catch(() => undefined)));
  }

  /**
   * The position of the segment playing at `seconds`, from the loaded windows alone: -1 when no
   * segment covers that time (a pause, before the first or after the last), undefined when it
   * cannot be told without loading another window. Where segments overlap, the one started last
   * wins.
   */
  locate(seconds: number): number | undefined {
    if (this.count === 0) return -1;
    const k = this.bounds(seconds).lo;
    if (k < 0) return this.loaded.has(0) ? -1 : undefined;
    const rows = this.loaded.get(k)!;
    const j = lastStartedBy(rows, seconds);
    for (let i = j; i >= Math.max(0, j - OVERLAP_LOOKBACK); i--) {
      if (rows[i].end > seconds) return k * this.size + i;
    }
    const last = j === rows.length - 1;
    if (!last || k === this.windowCount - 1 || this.loaded.has(k + 1)) return -1;
    return undefined;
  }

  /**
   * The position of the segment playing at `seconds` (as {@link locate}), loading windows until
   * it is known: first the window the time suggests (by the recording's length, or between the
   * loaded windows around it), then closer ones. Each step narrows the unloaded gap, so it ends
   * after at most {@link windowCount} requests, usually one. Rejects when a request fails.
   */
  async find(seconds: number): Promise<number> {
    for (let step = 0; step <= this.windowCount; step++) {
      const hit = this.locate(seconds);
      if (hit !== undefined) return hit;
      await this.load(this.guessWindow(seconds));
    }
    return -1;
  }

  /** Windows overlapping positions `[first, last]` that are not loaded yet. */
  private missing(first: number, last: number): number[] {
    const from = Math.max(0, Math.floor(first / this.size));
    const to = Math.min(this.windowCount - 1, Math.floor(last / this.size));
    const out: number[] = [];
    for (let k = from; k <= to; k++) if (!this.loaded.has(k)) out.push(k);
    return out;
  }

  /** Fetches window `k` once; concurrent callers share the request. */
  private load(k: number): Promise<T[]> {
    const have = this.loaded.get(k);
    if (have) return Promise.resolve(have);
    const pending = this.pending.get(k);
    if (pending) return pending;
    const offset = k * this.size;
    const generation = this.generation;
    const request = this.source(offset, Math.min(this.size, this.count - offset)).then(
      (rows) => {
        if (generation !== this.generation) return rows;
        this.pending.delete(k);
        this.loaded.set(k, rows);
        this.error = null;
        this.notify();
        return rows;
      },
      (err: unknown) => {
        if (generation !== this.generation) throw err;
        this.pending.delete(k);
        this.error = err;
        this.notify();
        throw err;
      },
    );
    this.pending.set(k, request);
    return request;
  }

  private notify(): void {
    for (const fn of this.listeners) fn();
  }

  /**
   * The loaded windows around a time: `lo` the last one whose first segment starts at or before
   * `seconds` (-1: none), `hi` the first one starting after it ({@link windowCount}: none).
   */
  private bounds(seconds: number): { lo: number; hi: number } {
    let lo = -1;
    let hi = this.windowCount;
    for (const [k, rows] of this.loaded) {
      if (rows.length === 0) continue;
      if (rows[0].start <= seconds) lo = Math.max(lo, k);
      else hi = Math.min(hi, k);
    }
    return { lo, hi };
  }

  /**
   * The unloaded window most likely to hold `seconds`: the position interpolated between the
   * nearest known segments on either side (the start of the recording at 0 s and its end at
   * {@link durationSeconds} when nothing is loaded there), kept strictly between `lo` and `hi`.
   */
  private guessWindow(seconds: number): number {
    const { lo, hi } = this.bounds(seconds);
    const before = lo >= 0 ? this.loaded.get(lo)! : undefined;
    const after = hi < this.windowCount ? this.loaded.get(hi)! : undefined;
    const loIndex = before ? lo * this.size + before.length - 1 : 0;
    const loTime = before ? before[before.length - 1].start : 0;
    const hiIndex = after ? hi * this.size : this.count;
    const hiTime = after ? after[0].start : (this.durationSeconds ?? Number.NaN);
    const span = hiTime - loTime;
    const estimate =
      Number.isFinite(span) && span > 0
        ? loIndex + ((seconds - loTime) / span) * (hiIndex - loIndex)
        : (loIndex + hiIndex) / 2;
    const k = Math.floor(estimate / this.size);
    return Math.min(hi - 1, Math.max(lo + 1, k));
  }
}

/** Index of the last row starting at or before `seconds` (rows in time order, `rows[0]` does). */
function lastStartedBy(rows: TimedRow[], seconds: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (rows[mid].start <= seconds) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
