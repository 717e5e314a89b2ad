/**
 * Request validation of the OpenAI-compatible test double, per server flavour: which form fields
 * each server knows, and how it answers a missing file, an unknown model, response format,
 * language, timestamp granularity or temperature.
 *
 * Sources: openai-node src/resources/audio/transcriptions.ts (fields, formats, model limits);
 * whisper.cpp examples/server/server.cpp (`get_req_parameters`, `{"error":"no 'file' field in
 * the request"}`, `model` ignored, unknown formats answered as json, unknown language fails in
 * `whisper_full` → 500 "failed to process audio"); speaches src/speaches/routers/stt.py (FastAPI
 * `Form()` fields → 422 on a missing/invalid one, `timestamp_granularities[]` read with
 * `form.getlist`, only a warning when used without verbose_json, an `assert` (→ 500) on bad
 * values); vLLM speech_to_text/protocol.py and speech_to_text.py (pydantic fields, "Currently only
 * support response_format: `text`, `json` or `verbose_json`"). Message texts of OpenAI errors
 * follow its public error envelope; their exact wording is an approximation.
 */
import { isWhisperLanguage } from './languages.js';
import type { FormFile, ParsedForm } from './multipart.js';
import { errorAnswer, fastApi422, type OpenAiFlavour, type WireAnswer } from './wire.js';

/** OpenAI's transcription models (openai-node `AudioModel`). */
export const OPENAI_MODELS: readonly string[] = [
  'whisper-1',
  'gpt-4o-transcribe',
  'gpt-4o-mini-transcribe',
  'gpt-4o-mini-transcribe-2025-12-15',
  'gpt-4o-transcribe-diarize',
];

/** File extensions OpenAI accepts ("Invalid file format. Supported formats: …"). */
export const OPENAI_FILE_FORMATS: readonly string[] = [
  'flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm',
]; // prettier-ignore

const COMMON = ['file', 'model', 'language', 'prompt', 'response_format', 'temperature'];
/** Form fields each flavour reads; anything else is ignored (and recorded as such). */
const KNOWN_FIELDS: Record<OpenAiFlavour, ReadonlySet<string>> = {
  openai: new Set([
    ...COMMON,
    'timestamp_granularities[]',
    'stream',
    'chunking_strategy',
    'include[]',
    'known_speaker_names[]',
    'known_speaker_references[]',
  ]),
  speaches: new Set([
    ...COMMON,
    'timestamp_granularities[]',
    'stream',
    'hotwords',
    'vad_filter',
    'diarization',
  ]),
  vllm: new Set([
    ...COMMON,
    'timestamp_granularities[]',
    'stream',
    'hotwords',
    'to_language',
    'seed',
    'top_p',
    'top_k',
    'min_p',
    'max_completion_tokens',
  ]),
  'whisper.cpp': new Set(
    [
      'file', 'language', 'prompt', 'response_format', 'temperature', 'temperature_inc',
      'no_speech_thold', 'offset_t', 'offset_n', 'duration', 'max_context', 'max_len', 'best_of',
      'beam_size', 'audio_ctx', 'word_thold', 'entropy_thold', 'logprob_thold', 'translate',
      'diarize', 'tinydiarize', 'split_on_word', 'no_timestamps', 'token_timestamps',
      'detect_language', 'carry_initial_prompt', 'suppress_non_speech', 'suppress_nst', 'vad',
      'no_language_probabilities',
    ], // prettier-ignore
  ),
};

/** Response formats each flavour accepts (whisper.cpp accepts anything: unknown → json). */
const FORMATS: Record<Exclude<OpenAiFlavour, 'whisper.cpp'>, readonly string[]> = {
  openai: ['json', 'text', 'srt', 'verbose_json', 'vtt', 'diarized_json'],
  speaches: ['text', 'json', 'verbose_json', 'srt', 'vtt'],
  vllm: ['json', 'text', 'srt', 'verbose_json', 'vtt'],
};

/** The double's settings validation depends on. */
export interface ValidationSettings {
  flavour: OpenAiFlavour;
  /** Accept `response_format=diarized_json`. */
  diarization: boolean;
  /** Model ids the server serves; undefined: OpenAI's list for `openai`, anything for others. */
  models?: readonly string[];
}

/** A request the double will transcribe. */
export interface TranscriptionParams {
  file: FormFile;
  model?: string;
  /** As sent; undefined when omitted or empty. */
  language?: string;
  prompt?: string;
  /** Effective format (whisper.cpp's fallback applied: unknown → `json`). */
  responseFormat: string;
  /** `timestamp_granularities[]` values (empty for whisper.cpp, which ignores the field). */
  granularities: string[];
  temperature: number;
  /** Fields the flavour does not read, e.g. `timestamp_granularities` without brackets. */
  ignoredFields: string[];
  /** What a server would log as a warning (speaches: granularities without verbose_json). */
  warnings: string[];
}

/** The outcome: params to transcribe, or the error answer to send. */
export type Validation = { params: TranscriptionParams } | { answer: WireAnswer };

const plain500: WireAnswer = {
  status: 500,
  contentType: 'text/plain; charset=utf-8',
  body: 'Internal Server Error',
};

/** Validates a parsed form the way `settings.flavour` does. */
export function validateTranscription(form: ParsedForm, settings: ValidationSettings): Validation {
  const { flavour } = settings;
  const one = (name: string) => form.fields.get(name)?.[0];
  const fail = (status: number, message: string, param?: string, code?: string): Validation => ({
    answer: errorAnswer(flavour, status, message, { param, code }),
  });
  const known = KNOWN_FIELDS[flavour];
  const names = [...form.fields.keys(), ...form.files.map((f) => f.field)];
  const ignoredFields = [...new Set(names.filter((n) => !known.has(n)))];
  const warnings = ignoredFields.map((n) => `ignored unknown form field "${n}"`);

  // file
  const file = form.files.find((f) => f.field === 'file');
  if (!file) {
    if (flavour === 'whisper.cpp') return fail(400, "no 'file' field in the request");
    if (flavour === 'speaches') return { answer: fastApi422('file') };
    const why = form.error ? ` (${form.error})` : '';
    return fail(
      400,
      `Missing required parameter: 'file'${why}.`,
      'file',
      'missing_required_parameter',
    );
  }
  if (flavour === 'openai') {
    const ext = /\.([^./]+)$/.exec(file.filename)?.[1]?.toLowerCase() ?? '';
    if (!OPENAI_FILE_FORMATS.includes(ext)) {
      const list = OPENAI_FILE_FORMATS.map((f) => `'${f}'`).join(', ');
      return fail(
        400,
        `Invalid file format. Supported formats: [${list}]`,
        'file',
        'invalid_value',
      );
    }
  }

  // model
  const model = one('model') || undefined;
  const models = settings.models ?? (flavour === 'openai' ? OPENAI_MODELS : undefined);
  if (flavour === 'openai' && !model) {
    return fail(400, 'you must provide a model parameter', 'model', 'missing_required_parameter');
  }
  if (flavour === 'speaches' && !model) return { answer: fastApi422('model') };
  if (flavour !== 'whisper.cpp' && model && models && !models.includes(model)) {
    const message =
      flavour === 'openai'
        ? `The model \`${model}\` does not exist or you do not have access to it.`
        : `The model \`${model}\` does not exist.`;
    return fail(404, message, 'model', 'model_not_found');
  }

  // response_format
  let responseFormat = one('response_format') || 'json';
  const diarize = responseFormat === 'diarized_json';
  if (diarize && !settings.diarization && flavour !== 'whisper.cpp') {
    return fail(
      400,
      "response_format 'diarized_json' is not supported by this server (start the double with diarization).",
      'response_format',
      'unsupported_value',
    );
  }
  if (flavour === 'whisper.cpp') {
    if (!['text', 'srt', 'vtt', 'verbose_json', 'json'].includes(responseFormat)) {
      responseFormat = diarize && settings.diarization ? 'diarized_json' : 'json';
    }
  } else if (!FORMATS[flavour].includes(responseFormat) && !(diarize && settings.diarization)) {
    if (flavour === 'speaches') {
      return {
        answer: fastApi422(
          'response_format',
          "Input should be 'text', 'json', 'verbose_json', 'srt' or 'vtt'",
          responseFormat,
        ),
      };
    }
    const list = FORMATS[flavour].map((f) => `'${f}'`).join(', ');
    return fail(
      400,
      `Invalid value: '${responseFormat}'. Supported values are: ${list}.`,
      'response_format',
      'invalid_value',
    );
  }
  if (flavour === 'vllm' && (responseFormat === 'srt' || responseFormat === 'vtt')) {
    return fail(400, 'Currently only support response_format: `text`, `json` or `verbose_json`');
  }
  if (flavour === 'openai' && model) {
    const allowed =
      model === 'whisper-1'
        ? ['json', 'text', 'srt', 'verbose_json', 'vtt']
        : model === 'gpt-4o-transcribe-diarize'
          ? ['json', 'text', 'diarized_json']
          : ['json', 'text'];
    if (!allowed.includes(responseFormat)) {
      return fail(
        400,
        `response_format '${responseFormat}' is not compatible with model '${model}'. Use ${allowed.map((f) => `'${f}'`).join(' or ')} instead.`,
        'response_format',
        'unsupported_value',
      );
    }
    if (model === 'gpt-4o-transcribe-diarize' && one('prompt')) {
      return fail(
        400,
        `prompt is not supported with model '${model}'.`,
        'prompt',
        'unsupported_value',
      );
    }
  }

  // timestamp_granularities[]
  let granularities =
    flavour === 'whisper.cpp' ? [] : (form.fields.get('timestamp_granularities[]') ?? []);
  const badGranularity = granularities.find((g) => g !== 'word' && g !== 'segment');
  if (badGranularity !== undefined) {
    if (flavour === 'speaches') return { answer: plain500 };
    return fail(
      400,
      `Invalid value: '${badGranularity}'. Supported values are: 'word' and 'segment'.`,
      'timestamp_granularities[]',
      'invalid_value',
    );
  }
  if (granularities.length && responseFormat !== 'verbose_json') {
    if (flavour === 'openai') {
      return fail(
        400,
        'timestamp_granularities[] is only supported with response_format verbose_json.',
        'timestamp_granularities[]',
        'invalid_value',
      );
    }
    if (flavour === 'speaches') {
      warnings.push(
        'It only makes sense to provide `timestamp_granularities[]` when `response_format` is set to `verbose_json`.',
      );
    }
    granularities = [];
  }
  if (flavour === 'openai' && model === 'gpt-4o-transcribe-diarize' && granularities.length) {
    return fail(
      400,
      `timestamp_granularities[] is not supported with model '${model}'.`,
      'timestamp_granularities[]',
    );
  }

  // language
  const language = one('language') || undefined;
  if (language !== undefined && !isWhisperLanguage(language)) {
    const auto = language === 'auto';
    if (flavour === 'whisper.cpp' && !auto) {
      return fail(500, 'failed to process audio');
    }
    if (flavour === 'speaches') return { answer: plain500 };
    if (flavour === 'openai') {
      return fail(
        400,
        `Invalid language '${language}'. Language parameter must be specified in ISO-639-1 format.`,
        'language',
        'invalid_value',
      );
    }
    if (flavour === 'vllm') return fail(400, `Unsupported language: '${language}'.`, 'language');
  }

  // temperature
  const rawTemperature = one('temperature');
  const temperature =
    rawTemperature === undefined || rawTemperature === '' ? 0 : Number(rawTemperature);
  if (
    !Number.isFinite(temperature) ||
    (flavour === 'openai' && (temperature < 0 || temperature > 1))
  ) {
    if (flavour === 'speaches') {
      return {
        answer: fastApi422('temperature', 'Input should be a valid number', rawTemperature),
      };
    }
    if (flavour === 'whisper.cpp') {
      return {
        answer: { status: 500, contentType: 'text/plain', body: '500 Internal Server Error\nstof' },
      };
    }
    return fail(
      400,
      `Invalid value for 'temperature': ${rawTemperature}.`,
      'temperature',
      'invalid_value',
    );
  }

  // stream
  if (one('stream') === 'true' && flavour !== 'openai' && flavour !== 'whisper.cpp') {
    return fail(400, 'stream=true is not implemented by the test double.', 'stream');
  }

  return {
    params: {
      file,
      model,
      language,
      prompt: one('prompt'),
      responseFormat,
      granularities,
      temperature,
      ignoredFields,
      warnings,
    },
  };
}

/** The flavour's answer to audio ffmpeg cannot decode. */
export function undecodableAnswer(flavour: OpenAiFlavour): WireAnswer {
  switch (flavour) {
    case 'whisper.cpp':
      return errorAnswer(flavour, 400, 'failed to read audio data');
    case 'vllm':
      return errorAnswer(flavour, 400, 'Invalid or unsupported audio file.');
    case 'speaches':
      return errorAnswer(flavour, 400, 'Invalid or unsupported audio file.');
    default:
      return errorAnswer(
        flavour,
        400,
        'The audio file could not be decoded or its format is not supported.',
        { param: 'file', code: 'invalid_value' },
      );
  }
}
