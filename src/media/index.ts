/**
 * Media handling: the only module that runs ffmpeg/ffprobe. Every input is read with
 * `-protocol_whitelist file` and a demuxer whitelist (see `INPUT_DEMUXERS`).
 *
 * - {@link probeMedia}: is an upload usable audio? (BadInputError with a `MEDIA_*` reason if not)
 * - {@link channelsCarrySameSignal}: is a stereo file really two copies of one signal?
 * - {@link transcodeToOpus}: upload → OGG/Opus for speech recognition (JobError `TRANSCODE_FAILED`)
 * - {@link chooseOpusBitrate} and friends: what fits one request of an engine's declared size (pure)
 */
export {
  probeMedia,
  ACCEPTED_FORMATS_TEXT,
  MIN_DURATION_SECONDS,
  type MediaInfo,
  type MediaRejectReason,
} from './probe.js';
export { channelsCarrySameSignal, SAME_SIGNAL_THRESHOLD_DB } from './channels.js';
export {
  transcodeToOpus,
  OPUS_INPUT_SAMPLE_RATE,
  OPUS_COMPLEXITY,
  type TranscodeOptions,
} from './transcode.js';
export { INPUT_DEMUXERS, INPUT_HARDENING_OPTIONS, warmMediaTools } from './ffmpeg-process.js';
export {
  MONO_BITRATE_LADDER_BPS,
  STEREO_BITRATE_LADDER_BPS,
  JSON_ENVELOPE_MARGIN_BYTES,
  audioSecondsCounted,
  chooseOpusBitrate,
  estimateInlineBodyBytes,
  estimateOpusBytes,
  formatDuration,
  type OpusBudget,
} from './opus-budget.js';
// Chunking for engines with a per-request limit: speech detection, planning at pauses, cutting.
export {
  detectSpeech,
  adaptiveNoiseDb,
  DEFAULT_NOISE_DB,
  REFERENCE_SPEECH_DB,
  ADAPTIVE_NOISE_RANGE_DB,
  DEFAULT_MIN_SILENCE_SECONDS,
  MIN_SPEECH_SECONDS,
  SHORT_SILENCE_SECONDS,
  DETECTION_SAMPLE_RATE,
  DEFAULT_DETECT_TIMEOUT_MS,
  type DetectSpeechOptions,
  type SpeechDetection,
} from './silence.js';
export {
  planChunks,
  splitChunk,
  estimateChunkBytes,
  maxChunkDuration,
  CHUNK_CONTAINER_OVERHEAD_BYTES,
  DEFAULT_SPLIT_PAUSE_SECONDS,
  DEFAULT_PADDING_SECONDS,
  DEFAULT_MIN_CHUNK_SECONDS,
  MAX_MERGE_PAUSE_SECONDS,
  MIN_SPLIT_SECONDS,
  type Chunk,
  type PlanOptions,
  type TimeRange,
} from './chunk-plan.js';
export {
  cutChunk,
  maxBytesPerSecond,
  DEFAULT_CUT_SAMPLE_RATE,
  DEFAULT_CUT_OPUS_BITRATE_BPS,
  type ChunkFormat,
  type CutOptions,
  type CutResult,
} from './cut.js';
