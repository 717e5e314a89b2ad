/**
 * How an OpenAI-compatible transcription server bills: by the duration of the audio sent in each
 * request (OpenAI reports it as `usage: {type: "duration", seconds}` on whisper-1 answers; a
 * self-hosted server bills nothing, and the figure is then the work it was given). Channels do
 * not multiply it: every request carries one channel or a mono mix.
 */
import type { BillingRule } from '../engine.js';

/** The OpenAI-compatible engines' billing rule, declared in their capabilities. */
export const OPENAI_BILLING: BillingRule = Object.freeze({
  summary: 'OpenAI-compatible: the duration of the audio sent, per request.',
  billedSeconds: (audio: { durationSeconds: number }) => Math.max(0, audio.durationSeconds),
});
