/**
 * How SpeechKit bills asynchronous recognition (the only mode this adapter uses).
 *
 * Source: Yandex SpeechKit pricing, "Asynchronous recognition" (docs en/speechkit/pricing.md
 * @266e1294; aistudio.yandex.ru/docs/en/speechkit/pricing.html), as copied into our SpeechKit v3
 * notes §7: "billed per one second of two-channel audio, rounded up. The channel count is rounded
 * up to an even number, with a minimum of 15 s per pair of channels. Examples: 1 s mono → 15 s;
 * 1 s with 3 channels → 30 s; 15.5 s stereo → 16 s; 15.5 s with 4 channels → 32 s." So mono and
 * stereo cost the same per second.
 */
import type { BillingRule } from '../engine.js';

/** Minimum billed per pair of channels, seconds (SpeechKit pricing, asynchronous recognition). */
export const SPEECHKIT_MINIMUM_SECONDS_PER_PAIR = 15;

/**
 * Seconds SpeechKit bills for one asynchronous request: whole seconds rounded up (at millisecond
 * precision, so float noise such as 16.0000001 s is not a second more), times the pairs of
 * channels (channels rounded up to an even number), at least 15 s per pair.
 */
export function speechKitBilledSeconds(audio: { durationSeconds: number; channels: number }) {
  const pairs = Math.ceil(Math.max(1, audio.channels) / 2);
  const seconds = Math.ceil(Math.round(Math.max(0, audio.durationSeconds) * 1000) / 1000);
  return pairs * Math.max(SPEECHKIT_MINIMUM_SECONDS_PER_PAIR, seconds);
}

/** SpeechKit's billing rule, declared in its capabilities. */
export const SPEECHKIT_BILLING: BillingRule = Object.freeze({
  summary:
    'SpeechKit asynchronous recognition: per second of two-channel audio, rounded up, channels rounded up to a pair, at least 15 s per pair (SpeechKit pricing).',
  billedSeconds: speechKitBilledSeconds,
});
