/**
 * The multipart text fields of `POST /v1/audio/transcriptions` for OpenAI-compatible servers
 * (OpenAI, speaches, whisper.cpp `examples/server`, vLLM). Pure: no HTTP here — the shared
 * transport appends these fields and then the audio under {@link fileFieldName}.
 *
 * Sources:
 * - openai/openai-node@src/resources/audio/transcriptions.ts (011cd36), generated from OpenAI's
 *   OpenAPI spec: the field names, `response_format` values, `timestamp_granularities[]`,
 *   `chunking_strategy`, and that `prompt` is not supported by `gpt-4o-transcribe-diarize`.
 * - speaches-ai/speaches@src/speaches/routers/stt.py: reads `form.getlist("timestamp_granularities[]")`,
 *   so the field keeps its brackets and repeats once per value.
 * - ggml-org/whisper.cpp@examples/server/server.cpp: reads `file`, `language` (default `"en"`,
 *   `"auto"` detects), `response_format`, `temperature`, `prompt`; ignores `model` and
 *   `timestamp_granularities`.
 * - SYSTRAN/faster-whisper@faster_whisper/tokenizer.py (used by speaches): a language outside its
 *   code list, including `"auto"`, raises "'auto' is not a valid language code" — there
 *   detection happens only when the field is absent (see {@link TranscriptionFieldsRequest.omitAutoLanguage}).
 */

/** Response formats this engine asks for (the others carry no timings). */
export type OpenAiResponseFormat = 'verbose_json' | 'diarized_json';

/** What to ask for; see {@link transcriptionFields}. */
export interface TranscriptionFieldsRequest {
  /**
   * Server model id, e.g. `whisper-1`, `gpt-4o-transcribe-diarize`,
   * `Systran/faster-whisper-large-v3`. whisper.cpp ignores it (models load via `POST /load`) but
   * it is sent anyway: OpenAI and speaches require it.
   */
  model: string;
  /**
   * ISO-639-1 code (`kk`, `ru`; see `toWhisperLanguage` in `./language.ts`) or `'auto'`. Always
   * sent, because whisper.cpp and vLLM fall back to English when the field is missing (whisper.cpp
   * `std::string language = "en"`; vLLM defaults to `en` with a warning). Which value to send for a
   * whitelist is decided by `requestLanguagesFor` in `./language.ts`.
   */
  language: string;
  /** `verbose_json` (segments with Whisper's scores, words) or `diarized_json` (speakers, OpenAI only). */
  responseFormat: OpenAiResponseFormat;
  /**
   * Ask for word timings (`timestamp_granularities[]=word`). Only with `verbose_json`; costs
   * latency at OpenAI; Groq rejects it ("We only support segment-level timestamps").
   */
  wordTimestamps: boolean;
  /**
   * Sampling temperature 0–1, default 0: per the OpenAI spec, 0 means "use log probability to
   * automatically increase the temperature until certain thresholds are hit" (Whisper's fallback).
   */
  temperature?: number;
  /**
   * Text to condition the decoder on; "should match the audio language" (OpenAI spec). Not sent
   * with `diarized_json` (`gpt-4o-transcribe-diarize` does not support it).
   */
  prompt?: string;
  /**
   * When `language` is `'auto'`, leave the field out instead of sending the literal `auto`. Needed
   * for OpenAI and speaches (faster-whisper rejects `auto`; both detect when the field is absent);
   * wrong for whisper.cpp, which needs `auto` (absent means English). Default false.
   */
  omitAutoLanguage?: boolean;
}

/** Name of the multipart part that carries the audio (all four servers; whisper.cpp requires it). */
export const fileFieldName = 'file';

/** Audio containers the pipeline can upload, with the part's content type and file name. */
export type AudioUploadFormat = 'flac' | 'ogg';

/**
 * Content type and file name of the audio part per container. OpenAI accepts "flac, mp3, mp4,
 * mpeg, mpga, m4a, ogg, wav, webm" (OpenAI spec) and recognises the format by the file name's
 * extension, so the name matters. whisper.cpp reads only WAV unless started with `--convert`
 * (ffmpeg) — a deployment note, not something this layer can fix.
 */
export const AUDIO_UPLOADS: Readonly<
  Record<AudioUploadFormat, { contentType: string; fileName: string }>
> = Object.freeze({
  flac: Object.freeze({ contentType: 'audio/flac', fileName: 'audio.flac' }),
  ogg: Object.freeze({ contentType: 'audio/ogg', fileName: 'audio.ogg' }),
});

/** The content type of the audio part for a container: `audio/flac` or `audio/ogg`. */
export function audioContentType(format: AudioUploadFormat): string {
  return AUDIO_UPLOADS[format].contentType;
}

/**
 * `chunking_strategy` sent with `diarized_json`: the OpenAI spec makes it "required when using
 * `gpt-4o-transcribe-diarize` for inputs longer than 30 seconds"; `auto` normalises loudness and
 * cuts at VAD boundaries.
 */
export const DIARIZE_CHUNKING_STRATEGY = 'auto';

/**
 * The ordered multipart text fields, as `[name, value]` pairs (a name may repeat).
 *
 * - `verbose_json`: `model`, `language`, `response_format`, then `timestamp_granularities[]` once
 *   per value — `word` (when {@link TranscriptionFieldsRequest.wordTimestamps}) then `segment` —
 *   then `temperature`, then `prompt` when given and not blank.
 * - `diarized_json`: `model`, `language`, `response_format`, `temperature`,
 *   `chunking_strategy=auto`; no granularities, no prompt (not available on `-diarize`).
 *
 * Example (`kk`, verbose_json, words):
 * `[["model","whisper-1"],["language","kk"],["response_format","verbose_json"],
 *   ["timestamp_granularities[]","word"],["timestamp_granularities[]","segment"],["temperature","0"]]`
 *
 * @throws RangeError when `model` or `language` is blank or `temperature` is outside 0–1.
 */
export function transcriptionFields(req: TranscriptionFieldsRequest): Array<[string, string]> {
  const model = req.model.trim();
  const language = req.language.trim();
  if (model === '') throw new RangeError('model must not be blank');
  if (language === '') throw new RangeError('language must not be blank');
  const temperature = req.temperature ?? 0;
  if (!Number.isFinite(temperature) || temperature < 0 || temperature > 1) {
    throw new RangeError(`temperature must be between 0 and 1, got ${temperature}`);
  }

  const fields: Array<[string, string]> = [['model', model]];
  if (!(language === 'auto' && req.omitAutoLanguage === true)) fields.push(['language', language]);
  fields.push(['response_format', req.responseFormat]);

  if (req.responseFormat === 'verbose_json') {
    if (req.wordTimestamps) fields.push(['timestamp_granularities[]', 'word']);
    fields.push(['timestamp_granularities[]', 'segment']);
    fields.push(['temperature', String(temperature)]);
    const prompt = req.prompt?.trim();
    if (prompt !== undefined && prompt !== '') fields.push(['prompt', prompt]);
  } else {
    fields.push(['temperature', String(temperature)]);
    fields.push(['chunking_strategy', DIARIZE_CHUNKING_STRATEGY]);
  }
  return fields;
}
