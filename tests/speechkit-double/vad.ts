/**
 * A simple energy voice-activity detector for the SpeechKit test double.
 */
import { ANALYSIS_SAMPLE_RATE } from './audio.js';

/** A stretch of speech, in milliseconds from the start of the audio. */
export interface SpeechRegion {
  startMs: number;
  endMs: number;
}

/** VAD tuning. Durations in milliseconds; `thresholdRatio` relative to the channel's peak frame RMS. */
export interface VadOptions {
  sampleRate: number;
  frameMs: number;
  /** A frame is speech when its RMS ≥ thresholdRatio × the loudest frame's RMS. */
  thresholdRatio: number;
  /** Channels whose loudest frame RMS is below this (int16 units) are silent. */
  minPeakRms: number;
  /** Gaps shorter than this are bridged. */
  mergeGapMs: number;
  /** Regions shorter than this (after merging) are dropped. */
  minRegionMs: number;
}

/** Defaults: 20 ms frames, −20 dB below peak, merge gaps < 350 ms, drop regions < 150 ms. */
export const DEFAULT_VAD: Readonly<VadOptions> = Object.freeze({
  sampleRate: ANALYSIS_SAMPLE_RATE,
  frameMs: 20,
  thresholdRatio: 0.1,
  minPeakRms: 30,
  mergeGapMs: 350,
  minRegionMs: 150,
});

/** Finds speech regions in one channel of 16-bit PCM. */
export function detectSpeech(
  samples: Int16Array,
  options: Partial<VadOptions> = {},
): SpeechRegion[] {
  const o: VadOptions = { ...DEFAULT_VAD, ...options };
  const frameLen = Math.round((o.sampleRate * o.frameMs) / 1000);
  const frames = Math.floor(samples.length / frameLen);
  const rms = new Float64Array(frames);
  let peak = 0;
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * frameLen; i < (f + 1) * frameLen; i++) sum += samples[i] * samples[i];
    rms[f] = Math.sqrt(sum / frameLen);
    if (rms[f] > peak) peak = rms[f]!;
  }
  if (peak < o.minPeakRms) return [];
  const threshold = peak * o.thresholdRatio;

  const raw: SpeechRegion[] = [];
  let start = -1;
  for (let f = 0; f <= frames; f++) {
    const voiced = f < frames && rms[f] >= threshold;
    if (voiced && start < 0) start = f;
    if (!voiced && start >= 0) {
      raw.push({ startMs: start * o.frameMs, endMs: f * o.frameMs });
      start = -1;
    }
  }
  const merged: SpeechRegion[] = [];
  for (const r of raw) {
    const last = merged[merged.length - 1];
    if (last && r.startMs - last.endMs < o.mergeGapMs) last.endMs = r.endMs;
    else merged.push({ ...r });
  }
  return merged.filter((r) => r.endMs - r.startMs >= o.minRegionMs);
}
