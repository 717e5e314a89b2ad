/**
 * The speech engine interface the pipeline talks to. An engine is one module under
 * `src/stt/<engine>/` that declares its {@link EngineCapabilities}; the pipeline decides how to
 * prepare and split audio by asking those, never by an engine's name, and never imports an
 * engine's constants, errors or limits.
 *
 * Two kinds exist, told apart by `capabilities.mode`:
 * - `operation` ({@link OperationEngine}): the whole recording is submitted once and an operation
 *   id comes back, which the pipeline saves before anything else; then it polls and fetches.
 *   A crash after submission resumes by id, without paying again (SpeechKit).
 * - `synchronous` ({@link SynchronousEngine}): each request answers with the result. The pipeline
 *   cuts the recording at pauses into units that fit the declared limits, sends them with bounded
 *   concurrency, and saves every unit's raw answer before parsing it, so a crash resends only the
 *   units that had not finished (OpenAI-compatible Whisper servers).
 */
import type { Diarization } from '../domain.js';
import type { OpusBudget } from '../media/opus-budget.js';
import type { RecognitionRequest, SttProvider, Utterance } from './types.js';

/** Audio encodings a unit can be sent in, as `src/media` produces them. */
export type UnitAudioFormat = 'ogg-opus' | 'flac';

/** What an engine can do and its limits, declared by the engine and read by the pipeline. */
export interface EngineCapabilities {
  /** `operation`: submit → poll → fetch, resumable by operation id; `synchronous`: one request per unit. */
  mode: 'operation' | 'synchronous';
  /** Largest request body the engine accepts, in bytes. */
  maxRequestBytes: number;
  /** How the audio travels: inside a JSON body as base64 (4/3 larger), or as a multipart file. */
  requestEncoding: 'base64-json' | 'multipart';
  /** Longest audio one request may carry, in seconds of each channel. */
  maxRequestSeconds: number;
  /**
   * Longest recording the engine takes, in seconds as the engine counts them: duration × channels
   * when {@link countsChannels} (SpeechKit: 4 h across both channels), else the duration.
   * Undefined: no limit beyond the service's own.
   */
  maxRecordingSeconds?: number;
  /** True when the engine counts (and bills) every channel of a multi-channel request. */
  countsChannels: boolean;
  /** Audio formats it accepts, preferred first. */
  audioFormats: UnitAudioFormat[];
  /**
   * Diarization it can deliver. CHANNELS: one speaker per channel (every engine can, by sending
   * the channels apart); SPEAKER_LABELING: the engine tells speakers apart in a mono mix.
   */
  diarization: Diarization[];
  /** Whether results carry word timings. */
  wordTimestamps: boolean;
  /** Whether the engine reports a language per utterance (else per request). */
  utteranceLanguage: boolean;
  /** BCP-47 tags it recognises (`kk-KZ`, `ru-RU`, …). */
  languages: string[];
  /** Requests a job may have in flight at once (synchronous engines). */
  concurrency: number;
  /**
   * How the engine bills one recognition request, declared by the engine's adapter (only
   * `src/stt/<engine>/` knows the rule and its source); the pipeline records what it returns
   * for every request it makes, and usage reports sum those records.
   */
  billing: BillingRule;
}

/** The audio of one recognition request, as the engine receives it. */
export interface BilledAudio {
  /** Length of the audio sent, in seconds (of each channel). */
  durationSeconds: number;
  /** Channels in the request: 1 (a mono mix or one channel of a call) or 2. */
  channels: number;
}

/** An engine's billing rule for one request. */
export interface BillingRule {
  /** One line for people: what is billed and where the rule comes from. */
  readonly summary: string;
  /**
   * Seconds the engine bills for one request carrying `audio` (the unit prices are quoted in:
   * SpeechKit's "seconds of two-channel audio", an OpenAI-compatible server's audio seconds).
   * Pure; never negative.
   */
  billedSeconds(audio: BilledAudio): number;
}

/** Identity of an engine as clients see it (`Engine` in the GraphQL schema). */
export interface EngineInfo {
  /** Stable id used in `TranscriptionOptionsInput.engine` and stored on the job (`speechkit`, `openai`, `demo`). */
  id: string;
  /** Human name (`Yandex SpeechKit`, `Whisper (OpenAI-compatible)`). */
  name: string;
  /** True when transcripts are placeholders (the bundled demo), never real recognition. */
  demo: boolean;
}

/** One piece of a recording sent to a synchronous engine. Times in seconds on the recording. */
export interface UnitRequest {
  /** Position of the unit in the job's plan, from 0. */
  index: number;
  /** The channel this unit carries (0 left, 1 right) when channels are sent apart; 0 for a mono mix. */
  channel: number;
  startSeconds: number;
  endSeconds: number;
  /** The unit's audio file, cut by the pipeline in one of the engine's {@link UnitAudioFormat}s. */
  audioPath: string;
  format: UnitAudioFormat;
  /** Size of the audio file in bytes. */
  bytes: number;
  /** BCP-47 whitelist (`["kk-KZ", "ru-RU"]`) or `["auto"]`. */
  languages: string[];
  /** Speaker labelling requested (only for engines that declare SPEAKER_LABELING). */
  speakerLabeling: boolean;
  profanityFilter: boolean;
  textNormalization: boolean;
}

/** What a unit's raw answer parses into. Utterance times in milliseconds from the unit's start. */
export interface UnitTranscript {
  utterances: Utterance[];
  /** Segments dropped as non-speech or hallucination, for logs: `{ text, reason }`. */
  dropped: Array<{ text: string; reason: string }>;
}

/** A synchronous engine: one request per unit, the raw answer saved before it is parsed. */
export interface SynchronousEngine {
  readonly info: EngineInfo;
  readonly capabilities: EngineCapabilities & { mode: 'synchronous' };
  /**
   * Recognises one unit.
   * @returns the engine's raw answer as text (saved by the pipeline before {@link parseUnit}) and
   *   how many requests carried the unit's audio (more than 1 when the engine retried it in
   *   another language), for billing.
   * @throws UnitTooLargeError when the engine refused the unit's size (the pipeline splits it);
   *   JobError STT_BAD_REQUEST | STT_AUTH_FAILED | STT_UNAVAILABLE | STT_RESULT_MALFORMED;
   *   the abort reason when `signal` aborts.
   */
  recognizeUnit(
    unit: UnitRequest,
    signal?: AbortSignal,
  ): Promise<{ raw: string; requests: number }>;
  /**
   * Parses a raw answer of {@link recognizeUnit} for `unit`: utterances with times relative to the
   * unit's start (ms), `channelTag` = the unit's channel, language one of the unit's whitelist.
   * @throws JobError STT_RESULT_MALFORMED
   */
  parseUnit(raw: string, unit: UnitRequest): UnitTranscript;
}

/** An operation engine: the whole recording in one request, resumed by operation id. */
export interface OperationEngine extends SttProvider {
  readonly info: EngineInfo;
  readonly capabilities: EngineCapabilities & { mode: 'operation' };
}

/** Either kind; tell them apart with {@link isOperationEngine} (which reads `capabilities.mode`). */
export type SttEngine = SynchronousEngine | OperationEngine;

/** True when `engine` is operation-based (`capabilities.mode === 'operation'`). */
export function isOperationEngine(engine: SttEngine): engine is OperationEngine {
  return engine.capabilities.mode === 'operation';
}

/** Thrown by {@link SynchronousEngine.recognizeUnit} when the engine refused the unit as too big (HTTP 413). */
export class UnitTooLargeError extends Error {
  constructor(
    message: string,
    /** The size that was refused, in bytes. */
    readonly bytes: number,
  ) {
    super(message);
    this.name = 'UnitTooLargeError';
  }
}

/**
 * What one request of `caps` may carry, as `chooseOpusBitrate` takes it: the whole recording for
 * an operation engine; unbounded for a synchronous one (its pieces are cut from the file later,
 * so the file is only bounded by quality).
 */
export function requestBudget(caps: EngineCapabilities): OpusBudget {
  return caps.mode === 'operation'
    ? {
        maxBodyBytes: caps.maxRequestBytes,
        base64: caps.requestEncoding === 'base64-json',
        maxCountedSeconds: caps.maxRecordingSeconds,
        countsChannels: caps.countsChannels,
      }
    : { maxBodyBytes: Number.POSITIVE_INFINITY, base64: false, countsChannels: false };
}

export type { RecognitionRequest, Utterance };
