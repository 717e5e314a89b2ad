/**
 * OpenAI-compatible speech-to-text test double (OpenAI, whisper.cpp, speaches, vLLM flavours):
 * see {@link startOpenAiDouble}.
 */
export {
  startOpenAiDouble,
  DEFAULT_FIXTURES_DIR,
  DEFAULT_TRANSCRIPTION_PATH,
  OPENAI_MAX_REQUEST_BYTES,
  WHISPER_CPP_INFERENCE_PATH,
  type OpenAiDouble,
  type OpenAiDoubleOptions,
  type RecordedRequest,
} from './server.js';
export {
  FLAVOURS,
  compressionRatio,
  errorAnswer,
  renderTranscription,
  type OpenAiFlavour,
  type RenderOptions,
  type RenderRequest,
  type WireAnswer,
} from './wire.js';
export {
  SILENCE_HALLUCINATION,
  transcribePiece,
  type LanguageRequest,
  type PieceSegment,
  type PieceTranscription,
  type PieceWord,
} from './transcribe.js';
export {
  envelope,
  loadFixtureLibrary,
  locatePiece,
  MATCH_THRESHOLD,
  type FixtureLibrary,
  type FixtureMatch,
} from './locate.js';
export {
  OPENAI_FILE_FORMATS,
  OPENAI_MODELS,
  validateTranscription,
  type TranscriptionParams,
} from './validate.js';
export {
  TRANSLATION_MARK,
  WHISPER_LANGUAGES,
  fakeEnglish,
  garble,
  languageName,
} from './languages.js';
export { readForm, type FormFile, type ParsedForm } from './multipart.js';
export { FaultScript, type Fault } from '../speechkit-double/faults.js';
export { loadManifests, type FixtureManifest } from '../speechkit-double/manifest.js';
