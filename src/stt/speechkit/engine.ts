/**
 * SpeechKit as an {@link OperationEngine}: the provider of `provider.ts` plus its declared
 * capabilities (SpeechKit v3 notes §2.6 "Audio formats and limits"; "Pricing" for billing).
 */
import type { Config } from '../../config/config.js';
import { Diarization, SUPPORTED_LANGUAGES } from '../../domain.js';
import type { EngineCapabilities, OperationEngine } from '../engine.js';
import { SPEECHKIT_BILLING } from './billing.js';
import { createSpeechKitProvider, type SpeechKitProviderOptions } from './provider.js';

/** SpeechKit v3 inline request body limit (60 MB, read as 60 × 10^6 bytes). */
const INLINE_BODY_LIMIT_BYTES = 60_000_000;
/** SpeechKit async limit: 4 h of audio, counted across channels (2 h of stereo). */
const MAX_AUDIO_SECONDS = 14_400;

/** What SpeechKit v3 asynchronous recognition can do. */
const CAPABILITIES: EngineCapabilities & { mode: 'operation' } = {
  mode: 'operation',
  maxRequestBytes: INLINE_BODY_LIMIT_BYTES,
  requestEncoding: 'base64-json',
  maxRequestSeconds: MAX_AUDIO_SECONDS,
  maxRecordingSeconds: MAX_AUDIO_SECONDS,
  countsChannels: true,
  audioFormats: ['ogg-opus'],
  diarization: [Diarization.NONE, Diarization.SPEAKER_LABELING, Diarization.CHANNELS],
  wordTimestamps: true,
  utteranceLanguage: true,
  languages: [...SUPPORTED_LANGUAGES],
  concurrency: 1,
  billing: SPEECHKIT_BILLING,
};
export const SPEECHKIT_CAPABILITIES: Readonly<EngineCapabilities & { mode: 'operation' }> =
  Object.freeze(CAPABILITIES);

/**
 * Creates the SpeechKit engine (`id` `speechkit`).
 * @param cfg SpeechKit settings; `options` as for {@link createSpeechKitProvider}.
 */
export function createSpeechKitEngine(
  cfg: Config['stt'],
  options: SpeechKitProviderOptions = {},
): OperationEngine {
  const provider = createSpeechKitProvider(cfg, options);
  return {
    info: { id: 'speechkit', name: 'SpeechKit', demo: false },
    capabilities: SPEECHKIT_CAPABILITIES,
    submit: (req, signal) => provider.submit(req, signal),
    waitForCompletion: (id, onPoll, signal) => provider.waitForCompletion(id, onPoll, signal),
    fetchUtterances: (id, signal) => provider.fetchUtterances(id, signal),
    deleteResult: (id) => provider.deleteResult(id),
  };
}
