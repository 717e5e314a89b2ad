import {
  CHUNK_CONTAINER_OVERHEAD_BYTES,
  DEFAULT_PADDING_SECONDS,
  estimateChunkBytes,
  maxChunkDuration,
  MIN_SPLIT_SECONDS,
  planChunks,
  splitChunk,
  type Chunk,
  type PlanOptions,
  type TimeRange,
} from '../../../src/media/chunk-plan.js';

const r = (startSeconds: number, endSeconds: number): TimeRange => ({ startSeconds, endSeconds });

/** Generous limits: nothing but pauses ends a chunk. */
const WIDE = { maxChunkSeconds: 600, maxChunkBytes: 25 * 1024 * 1024, bytesPerSecond: 32_640 };

/** Deterministic pseudo-random numbers in [0, 1) (LCG), so the "random" speech is reproducible. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Hours of conversation-like speech: utterances of 0.2–25 s, pauses of 0.1–4 s, some long gaps. */
function syntheticSpeech(seconds: number, seed: number): TimeRange[] {
  const rand = lcg(seed);
  const out: TimeRange[] = [];
  let t = rand() * 2;
  while (t < seconds) {
    const len = rand() < 0.1 ? 0.2 + rand() * 0.6 : 1 + rand() * 24;
    out.push(r(t, Math.min(seconds, t + len)));
    const p = rand();
    t += len + (p < 0.5 ? 0.31 + rand() * 0.5 : p < 0.95 ? 0.8 + rand() * 3 : 30 + rand() * 120);
  }
  return out;
}

const total = (ranges: TimeRange[]) =>
  ranges.reduce((s, x) => s + x.endSeconds - x.startSeconds, 0);

/** The invariants every plan keeps. */
function expectValidPlan(chunks: Chunk[], speech: TimeRange[], opts: PlanOptions): void {
  const limit = maxChunkDuration(opts);
  chunks.forEach((c, k) => {
    expect(c.index).toBe(k);
    expect(c.endSeconds).toBeGreaterThan(c.startSeconds);
    expect(c.endSeconds - c.startSeconds).toBeLessThanOrEqual(limit);
    expect(c.endSeconds - c.startSeconds).toBeLessThanOrEqual(opts.maxChunkSeconds);
    expect(
      estimateChunkBytes(c.endSeconds - c.startSeconds, opts.bytesPerSecond),
    ).toBeLessThanOrEqual(opts.maxChunkBytes);
    expect(c.startSeconds).toBeGreaterThanOrEqual(0);
    expect(c.endSeconds).toBeLessThanOrEqual(opts.durationSeconds);
    if (k > 0) expect(c.startSeconds).toBeGreaterThanOrEqual(chunks[k - 1].endSeconds);
    // no silence-only chunk
    expect(speech.some((s) => s.startSeconds < c.endSeconds && c.startSeconds < s.endSeconds)).toBe(
      true,
    );
    expect(c.speechSeconds).toBeGreaterThan(0);
  });
  // every boundary in silence (or on a hard cut, which the callers below rule out or allow)
  for (const c of chunks) {
    for (const t of [c.startSeconds, c.endSeconds]) {
      const inside = speech.find((s) => t > s.startSeconds + 0.001 && t < s.endSeconds - 0.001);
      expect({ t, inside }).toEqual({ t, inside: undefined });
    }
  }
  // every speech stretch inside exactly one chunk
  for (const s of speech) {
    const holders = chunks.filter(
      (c) => c.startSeconds <= s.startSeconds + 0.001 && c.endSeconds >= s.endSeconds - 0.001,
    );
    expect({ s, holders: holders.length }).toEqual({ s, holders: 1 });
  }
  expect(chunks.reduce((sum, c) => sum + c.speechSeconds, 0)).toBeCloseTo(total(speech), 1);
}

describe('planChunks', () => {
  it('gives no chunk for no speech', () => {
    expect(planChunks([], { ...WIDE, durationSeconds: 100 })).toEqual([]);
    expect(planChunks([r(120, 130)], { ...WIDE, durationSeconds: 100 })).toEqual([]);
  });

  it('ends a chunk at every pause of 0.8 s or more, padded 0.2 s into the silence', () => {
    const speech = [r(1, 4), r(4.5, 6), r(7, 9), r(20, 25)];
    const chunks = planChunks(speech, { ...WIDE, durationSeconds: 30 });
    expect(chunks).toEqual([
      { index: 0, startSeconds: 0.8, endSeconds: 6.2, speechSeconds: 4.5 },
      { index: 1, startSeconds: 6.8, endSeconds: 9.2, speechSeconds: 2 },
      { index: 2, startSeconds: 19.8, endSeconds: 25.2, speechSeconds: 5 },
    ]);
    expectValidPlan(chunks, speech, { ...WIDE, durationSeconds: 30 });
  });

  it('keeps padding inside the pause: the middle of a short gap, never past the file', () => {
    const speech = [r(0.05, 3), r(3.3, 6), r(9, 11.95)];
    const chunks = planChunks(speech, {
      ...WIDE,
      durationSeconds: 12,
      splitPauseSeconds: 0.25,
      minChunkSeconds: 0,
    });
    expect(chunks.map((c) => [c.startSeconds, c.endSeconds])).toEqual([
      [0, 3.15],
      [3.15, 6.2],
      [8.8, 12],
    ]);
  });

  it('respects the seconds and byte limits on two hours of conversation', () => {
    const speech = syntheticSpeech(7200, 1);
    for (const opts of [
      { ...WIDE, durationSeconds: 7200 },
      { ...WIDE, durationSeconds: 7200, splitPauseSeconds: 1_000 }, // only the limits split
      // bytes bind first: 1 MB at 32 kB/s is about 30 s
      { ...WIDE, durationSeconds: 7200, maxChunkBytes: 1_000_000, splitPauseSeconds: 1_000 },
      { ...WIDE, durationSeconds: 7200, maxChunkSeconds: 30, paddingSeconds: 0.5 },
    ]) {
      const chunks = planChunks(speech, opts);
      expectValidPlan(chunks, speech, opts);
    }
  });

  it('ends a chunk cut for the limit at the longest pause in its second half', () => {
    // 1 s utterances with 0.3 s pauses, and one 0.7 s pause at 39.1–39.8 s
    const speech: TimeRange[] = [];
    for (let k = 0; k < 93; k++) {
      const t = k * 1.3 + (k > 30 ? 0.4 : 0);
      speech.push(r(t, t + 1));
    }
    const chunks = planChunks(speech, { ...WIDE, durationSeconds: 130, maxChunkSeconds: 60 });
    expect(chunks[0]).toMatchObject({ startSeconds: 0, endSeconds: 40.2 }); // 0.2 s after the speech
    expectValidPlan(chunks, speech, { ...WIDE, durationSeconds: 130, maxChunkSeconds: 60 });
  });

  it('splits speech with no pause at the longest short pause, else hard into equal parts', () => {
    const speech = [r(10, 1510)];
    const opts = { ...WIDE, durationSeconds: 1600 };
    const hard = planChunks(speech, opts);
    expect(hard.map((c) => [c.startSeconds, c.endSeconds])).toEqual([
      [9.8, 510],
      [510, 1010],
      [1010, 1510.2],
    ]);

    const shortSilences = [
      r(300, 300.1),
      r(420, 420.25),
      r(430, 430.15),
      r(900, 900.2),
      r(1000, 1000.1),
    ];
    const soft = planChunks(speech, { ...opts, shortSilences });
    // 0.25 s at 420 s beats 0.15 s at 430 s; then 0.2 s at 900 s beats 0.1 s at 1000 s (both in
    // the second half), which leaves 610 s: one more cut, at 1000 s.
    expect(soft.map((c) => [c.startSeconds, c.endSeconds])).toEqual([
      [9.8, 420.125],
      [420.125, 900.1],
      [900.1, 1000.05],
      [1000.05, 1510.2],
    ]);
    expect(soft.reduce((s, c) => s + c.speechSeconds, 0)).toBeCloseTo(1500, 3);
  });

  it('merges short blips with their neighbours, but not across a long silence', () => {
    const speech = [r(5, 5.3), r(6.3, 6.6), r(7.6, 7.9), r(60, 60.4), r(100, 104), r(105, 105.2)];
    const chunks = planChunks(speech, { ...WIDE, durationSeconds: 200 });
    expect(chunks.map((c) => [c.startSeconds, c.endSeconds])).toEqual([
      [4.8, 8.1], // three blips, 1 s apart
      [59.8, 60.6], // alone: 40 s of silence either side stays out
      [99.8, 105.4], // a blip 1 s after an utterance joins it
    ]);
  });

  it('is deterministic, whatever the order of its input', () => {
    const speech = syntheticSpeech(3600, 7);
    const shuffled = [...speech].reverse();
    const opts = { ...WIDE, durationSeconds: 3600, maxChunkSeconds: 45 };
    const a = planChunks(speech, opts);
    expect(planChunks(speech, opts)).toEqual(a);
    expect(planChunks(shuffled, opts)).toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('refuses limits that leave no room', () => {
    const base = { ...WIDE, durationSeconds: 10 };
    expect(() => planChunks([], { ...base, maxChunkSeconds: 0 })).toThrow(RangeError);
    expect(() => planChunks([], { ...base, maxChunkSeconds: 0.5 })).toThrow(RangeError);
    expect(() =>
      planChunks([], { ...base, maxChunkBytes: CHUNK_CONTAINER_OVERHEAD_BYTES }),
    ).toThrow(RangeError);
    expect(() => planChunks([], { ...base, bytesPerSecond: NaN })).toThrow(RangeError);
    expect(() => planChunks([], { ...base, maxChunkSeconds: 2, paddingSeconds: 0.5 })).toThrow(
      RangeError,
    );
  });
});

describe('estimateChunkBytes / maxChunkDuration', () => {
  it('adds the container overhead once and takes the tighter limit', () => {
    expect(estimateChunkBytes(10, 1000)).toBe(10_000 + CHUNK_CONTAINER_OVERHEAD_BYTES);
    expect(
      maxChunkDuration({
        maxChunkSeconds: 600,
        maxChunkBytes: 25 * 2 ** 20,
        bytesPerSecond: 32_640,
      }),
    ).toBe(600);
    const bytesBound = maxChunkDuration({
      maxChunkSeconds: 600,
      maxChunkBytes: 1e6,
      bytesPerSecond: 32_000,
    });
    expect(bytesBound).toBeLessThan(31);
    expect(estimateChunkBytes(bytesBound, 32_000)).toBeLessThanOrEqual(1e6);
  });
});

describe('splitChunk', () => {
  const chunk: Chunk = { index: 4, startSeconds: 9.8, endSeconds: 40.2, speechSeconds: 29 };

  it('splits at the longest pause in the middle half', () => {
    const speech = [r(10, 12), r(12.3, 20), r(20.6, 30), r(30.2, 40)];
    const [a, b] = splitChunk(chunk, speech);
    // 0.6 s at 20 s beats 0.2 s at 30 s; the 0.3 s at 12 s is outside the middle half
    expect(a).toEqual({ index: 4, startSeconds: 9.8, endSeconds: 20.2, speechSeconds: 9.7 });
    expect(b).toEqual({ index: 4, startSeconds: 20.4, endSeconds: 40.2, speechSeconds: 19.2 });
  });

  it('takes the pause nearest the centre when none is in the middle half', () => {
    const speech = [r(10, 11), r(12.5, 38.5), r(38.8, 40)];
    const [a, b] = splitChunk(chunk, speech);
    expect([a.endSeconds, b.startSeconds]).toEqual([11.2, 12.3]);
  });

  it('uses short pauses, and halves the speech when there is no pause at all', () => {
    const speech = [r(10, 40)];
    const [a, b] = splitChunk(chunk, speech, { shortSilences: [r(24, 24.12)] });
    expect([a.endSeconds, b.startSeconds]).toEqual([24.06, 24.06]);
    const [c, d] = splitChunk(chunk, speech);
    expect([c.startSeconds, c.endSeconds, d.startSeconds, d.endSeconds]).toEqual([
      9.8, 25, 25, 40.2,
    ]);
    expect(c.speechSeconds + d.speechSeconds).toBeCloseTo(30, 6);
  });

  it('refuses chunks under a second or without speech', () => {
    const tiny: Chunk = {
      index: 0,
      startSeconds: 5,
      endSeconds: 5 + MIN_SPLIT_SECONDS - 0.01,
      speechSeconds: 0.5,
    };
    expect(() => splitChunk(tiny, [r(5.1, 5.6)])).toThrow(RangeError);
    expect(() => splitChunk(chunk, [r(50, 60)])).toThrow(RangeError);
  });

  it('splits a planned chunk into two that fit the plan rules', () => {
    const speech = syntheticSpeech(600, 3);
    const plan = planChunks(speech, { ...WIDE, durationSeconds: 600, splitPauseSeconds: 1_000 });
    const big = plan[0];
    const parts = splitChunk(big, speech);
    expect(parts[0].startSeconds).toBe(big.startSeconds);
    expect(parts[1].endSeconds).toBe(big.endSeconds);
    expect(parts[0].endSeconds).toBeLessThanOrEqual(parts[1].startSeconds);
    const inside = speech.filter(
      (s) => s.startSeconds < big.endSeconds && big.startSeconds < s.endSeconds,
    );
    for (const p of parts) {
      expect(p.speechSeconds).toBeGreaterThan(0);
      expect(p.endSeconds - p.startSeconds).toBeLessThan(big.endSeconds - big.startSeconds);
      for (const t of [p.startSeconds, p.endSeconds]) {
        expect(inside.some((s) => t > s.startSeconds && t < s.endSeconds)).toBe(false);
      }
    }
    expect(parts[0].speechSeconds + parts[1].speechSeconds).toBeCloseTo(big.speechSeconds, 2);
    expect(DEFAULT_PADDING_SECONDS).toBe(0.2);
  });
});
