/**
 * The speech-to-text provider interface the pipeline talks to, and the transcript shapes it
 * returns. Engine specifics stay in `src/stt/<engine>/`; see `engine.ts` for capabilities.
 */

/** One word with its timing, in milliseconds from the start of the audio. */
export interface RecognizedWord {
  text: string;
  startMs: number;
  endMs: number;
}

/**
 * One utterance as recognised: a stretch of speech by one channel or speaker.
 * `channelTag` is SpeechKit's tag: the physical channel ("0" left, "1" right) for stereo input,
 * or the speaker label ("0"/"1") when speaker labelling is on for mono input.
 */
export interface Utterance {
  channelTag: string;
  /** `finalIndex` within its channel (SpeechKit `audioCursors.finalIndex`). */
  finalIndex: number;
  startMs: number;
  endMs: number;
  text: string;
  /** BCP-47 language tag (`kk-KZ`, `ru-RU`) when the engine reports one, else undefined. */
  language?: string;
  /** How sure the engine is of the text, 0–1 (OpenAI-compatible: exp(avg_logprob)); undefined when not reported. */
  confidence?: number;
  words: RecognizedWord[];
}

/** What to recognise and how. Audio must be OGG/Opus as produced by `src/media`. */
export interface RecognitionRequest {
  /** Path of the OGG/Opus file to send inline (base64) to the engine. */
  audioPath: string;
  /** 1 (mono mix) or 2 (two channels kept apart, one speaker each). */
  channels: 1 | 2;
  /** BCP-47 tags used as a whitelist, or ["auto"]. */
  languages: string[];
  /** Ask the engine to split a mono recording by speaker (SpeechKit: mono only, at most 2). */
  speakerLabeling: boolean;
  profanityFilter: boolean;
  textNormalization: boolean;
}

/** Progress of a running recognition as reported by polling. */
export interface OperationState {
  done: boolean;
}

/**
 * A speech-to-text engine with an asynchronous, resumable operation model.
 *
 * The pipeline calls {@link submit} once and saves the returned operation id before anything
 * else, so that a crash after submission resumes with {@link waitForCompletion} and
 * {@link fetchUtterances} instead of submitting (and paying for) the audio again.
 */
export interface SttProvider {
  /**
   * Submits audio for recognition.
   * @returns the engine's operation id.
   * @throws JobError STT_BAD_REQUEST | STT_AUTH_FAILED | STT_UNAVAILABLE | AUDIO_TOO_LARGE
   */
  submit(request: RecognitionRequest, signal?: AbortSignal): Promise<string>;
  /**
   * Polls the operation with backoff until it is done.
   * @param onPoll called after every poll with the number of polls so far.
   * @throws JobError STT_OPERATION_FAILED when the operation ends in error,
   *   STT_UNAVAILABLE | STT_AUTH_FAILED when polling itself fails beyond retries.
   */
  waitForCompletion(
    operationId: string,
    onPoll?: (polls: number) => void,
    signal?: AbortSignal,
  ): Promise<void>;
  /**
   * Fetches the finished result and assembles it into utterances sorted by start time.
   * @throws JobError STT_RESULT_MALFORMED | STT_UNAVAILABLE | STT_AUTH_FAILED
   */
  fetchUtterances(operationId: string, signal?: AbortSignal): Promise<Utterance[]>;
  /** Best-effort deletion of the stored result at the engine (results expire anyway). */
  deleteResult(operationId: string): Promise<void>;
}
