/**
 * Validation of `POST /stt/v3/recognizeFileAsync` bodies, per
 * "SpeechKit v3 REST: Request body (RecognizeFileRequest)" (§2.2) and the v3 language list (§2.7).
 * Accepts lowerCamelCase and snake_case field names (both appear in the docs).
 */

/** Models accepted by RecognizeFile. */
export const MODELS = [
  'general',
  'general:rc',
  'general:deprecated',
  'deferred-general',
  'deferred-general:rc',
  'deferred-general:deprecated',
] as const;

/** v3 language codes (case-insensitive) plus `auto`. */
export const LANGUAGE_CODES = [
  'auto',
  'de-DE',
  'en-US',
  'es-ES',
  'fi-FI',
  'fr-FR',
  'he-HE',
  'it-IT',
  'kk-KZ',
  'nl-NL',
  'pl-PL',
  'pt-PT',
  'pt-BR',
  'ru-RU',
  'sv-SE',
  'tr-TR',
  'uz-UZ',
] as const;

const ENUMS = {
  containerAudioType: ['CONTAINER_AUDIO_TYPE_UNSPECIFIED', 'WAV', 'OGG_OPUS', 'MP3'],
  audioEncoding: ['AUDIO_ENCODING_UNSPECIFIED', 'LINEAR16_PCM'],
  textNormalization: [
    'TEXT_NORMALIZATION_UNSPECIFIED',
    'TEXT_NORMALIZATION_ENABLED',
    'TEXT_NORMALIZATION_DISABLED',
  ],
  phoneFormattingMode: ['PHONE_FORMATTING_MODE_UNSPECIFIED', 'PHONE_FORMATTING_MODE_DISABLED'],
  restrictionType: ['LANGUAGE_RESTRICTION_TYPE_UNSPECIFIED', 'WHITELIST', 'BLACKLIST'],
  audioProcessingType: ['AUDIO_PROCESSING_TYPE_UNSPECIFIED', 'REAL_TIME', 'FULL_DATA'],
  speakerLabeling: [
    'SPEAKER_LABELING_UNSPECIFIED',
    'SPEAKER_LABELING_ENABLED',
    'SPEAKER_LABELING_DISABLED',
  ],
} as const;

/** A valid request, reduced to what the double needs. */
export interface ValidatedRecognizeRequest {
  /** Decoded audio bytes. */
  audio: Buffer;
  model: string;
  containerAudioType: string;
  languages: string[];
  restrictionType?: string;
  textNormalization?: string;
  profanityFilter?: boolean;
  literatureText?: boolean;
  speakerLabeling: boolean;
  /** The body as received (camelCased), without `content`. */
  recorded: Record<string, unknown>;
}

/** A validation failure: answered as HTTP 400 `{"code":3,"message":...}`. */
export class InvalidArgument extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** snake_case → lowerCamelCase for object keys, recursively. */
export function camelizeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelizeKeys);
  if (!isObj(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
      camelizeKeys(x),
    ]),
  );
}

function fail(message: string): never {
  throw new InvalidArgument(message);
}

function obj(v: unknown, field: string, known: readonly string[]): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) fail(`${field}: expected an object`);
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) fail(`${field}: unknown field "${k}"`);
  }
  return v;
}

function enumValue(v: unknown, field: string, allowed: readonly string[]): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !allowed.includes(v)) {
    fail(`${field}: invalid value ${JSON.stringify(v)}; expected one of ${allowed.join(', ')}`);
  }
  return v;
}

function bool(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(`${field}: expected a boolean`);
  return v;
}

/**
 * Validates a parsed recognizeFileAsync body (structure, enums, languages, base64 content).
 * Audio checks (OGG/Opus, channels vs speaker labeling) come afterwards in the server.
 * @throws InvalidArgument with a SpeechKit-style message.
 */
export function validateRecognizeBody(parsed: unknown): ValidatedRecognizeRequest {
  const body = obj(camelizeKeys(parsed), 'request', [
    'content',
    'uri',
    'recognitionModel',
    'recognitionClassifier',
    'speechAnalysis',
    'speakerLabeling',
    'summarization',
  ]);
  if (!body) fail('request body must be a JSON object');
  const hasContent = body.content !== undefined && body.content !== null;
  const hasUri = body.uri !== undefined && body.uri !== null;
  if (hasContent === hasUri) fail('exactly one of "content" or "uri" must be set');
  if (hasUri) {
    fail('uri: the test double cannot read Object Storage; send the audio inline as "content"');
  }
  if (typeof body.content !== 'string' || body.content === '') {
    fail('content: expected non-empty base64 bytes');
  }
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(body.content) || body.content.length % 4 === 1) {
    fail('content: invalid base64');
  }
  const audio = Buffer.from(
    body.content,
    body.content.includes('-') || body.content.includes('_') ? 'base64url' : 'base64',
  );

  const rm = obj(body.recognitionModel, 'recognitionModel', [
    'model',
    'audioFormat',
    'textNormalization',
    'languageRestriction',
    'audioProcessingType',
  ]);
  if (!rm) fail('recognitionModel: required');
  let model = 'general';
  if (rm.model !== undefined) {
    if (typeof rm.model !== 'string' || !(MODELS as readonly string[]).includes(rm.model)) {
      fail(`recognitionModel.model: unknown model ${JSON.stringify(rm.model)}`);
    }
    model = rm.model;
  }
  enumValue(
    rm.audioProcessingType,
    'recognitionModel.audioProcessingType',
    ENUMS.audioProcessingType,
  );

  const af = obj(rm.audioFormat, 'recognitionModel.audioFormat', ['rawAudio', 'containerAudio']);
  if (!af) fail('recognitionModel.audioFormat: required');
  const raw = obj(af.rawAudio, 'audioFormat.rawAudio', [
    'audioEncoding',
    'sampleRateHertz',
    'audioChannelCount',
  ]);
  const container = obj(af.containerAudio, 'audioFormat.containerAudio', ['containerAudioType']);
  if (!!raw === !!container) {
    fail('audioFormat: exactly one of rawAudio or containerAudio must be set');
  }
  if (raw) {
    enumValue(raw.audioEncoding, 'rawAudio.audioEncoding', ENUMS.audioEncoding);
    fail('audioFormat.rawAudio: the test double only decodes containerAudio OGG_OPUS');
  }
  const containerAudioType = enumValue(
    container!.containerAudioType,
    'containerAudio.containerAudioType',
    ENUMS.containerAudioType,
  );
  if (containerAudioType !== 'OGG_OPUS') {
    fail(
      `containerAudio.containerAudioType ${containerAudioType ?? '(unset)'}: the test double only decodes OGG_OPUS`,
    );
  }

  const tn = obj(rm.textNormalization, 'recognitionModel.textNormalization', [
    'textNormalization',
    'profanityFilter',
    'literatureText',
    'phoneFormattingMode',
  ]);
  const textNormalization = enumValue(
    tn?.textNormalization,
    'textNormalization.textNormalization',
    ENUMS.textNormalization,
  );
  const profanityFilter = bool(tn?.profanityFilter, 'textNormalization.profanityFilter');
  const literatureText = bool(tn?.literatureText, 'textNormalization.literatureText');
  enumValue(
    tn?.phoneFormattingMode,
    'textNormalization.phoneFormattingMode',
    ENUMS.phoneFormattingMode,
  );

  const lr = obj(rm.languageRestriction, 'recognitionModel.languageRestriction', [
    'restrictionType',
    'languageCode',
  ]);
  const restrictionType = enumValue(
    lr?.restrictionType,
    'languageRestriction.restrictionType',
    ENUMS.restrictionType,
  );
  const languages: string[] = [];
  if (lr?.languageCode !== undefined) {
    if (!Array.isArray(lr.languageCode)) {
      fail('languageRestriction.languageCode: expected an array');
    }
    for (const code of lr.languageCode) {
      const known =
        typeof code === 'string' &&
        LANGUAGE_CODES.find((c) => c.toLowerCase() === code.toLowerCase());
      if (!known) {
        fail(`languageRestriction.languageCode: unsupported language ${JSON.stringify(code)}`);
      }
      languages.push(known);
    }
  }

  const sl = obj(body.speakerLabeling, 'speakerLabeling', ['speakerLabeling']);
  const speakerLabeling =
    enumValue(sl?.speakerLabeling, 'speakerLabeling.speakerLabeling', ENUMS.speakerLabeling) ===
    'SPEAKER_LABELING_ENABLED';

  const { content: _content, ...recorded } = body;
  return {
    audio,
    model,
    containerAudioType: containerAudioType,
    languages,
    restrictionType,
    textNormalization,
    profanityFilter,
    literatureText,
    speakerLabeling,
    recorded,
  };
}
