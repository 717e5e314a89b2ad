/**
 * SpeechKit STT v3 test double: see {@link startSpeechKitDouble}.
 */
export {
  startSpeechKitDouble,
  MAX_SUBMIT_BODY_BYTES,
  type SpeechKitDouble,
  type SpeechKitDoubleOptions,
  type RecordedRequest,
  type DoubleOperation,
} from './server.js';
export {
  FaultScript,
  type Fault,
  type FaultTarget,
  type StatusFault,
  type ResetFault,
  type DelayFault,
  type OperationErrorFault,
  type MalformedResultFault,
} from './faults.js';
export {
  loadManifests,
  parseManifest,
  type FixtureManifest,
  type ManifestUtterance,
} from './manifest.js';
export {
  recognize,
  renderResultStream,
  type Recognition,
  type DoubleUtterance,
} from './recognizer.js';
export { peakRate, type PeakRate } from './rates.js';
export { fitLoopedManifest, type LoopedUtterance } from './loops.js';
export { detectSpeech, DEFAULT_VAD, type SpeechRegion, type VadOptions } from './vad.js';
export { LANGUAGE_CODES, MODELS } from './validate.js';
