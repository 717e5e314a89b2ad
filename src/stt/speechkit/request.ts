/**
 * Builds the JSON body of `POST /stt/v3/recognizeFileAsync`.
 *
 * Source: "SpeechKit v3 REST: Request body (RecognizeFileRequest)" (§2.2) and
 * "Audio formats and limits" (§2.6: 60 MB inline request body).
 */
import { JobError } from '../../errors.js';
import type { RecognitionRequest } from '../types.js';

/** Largest request body in bytes we send inline (SpeechKit v3: 60 MB request body). */
export const MAX_REQUEST_BODY_BYTES = 60_000_000;

/** `recognitionModel` of a RecognizeFileRequest, in the lowerCamelCase proto3 JSON mapping. */
export interface RecognitionModelJson {
  /** e.g. "general", "general:rc", "deferred-general". */
  model: string;
  audioFormat: { containerAudio: { containerAudioType: 'OGG_OPUS' } };
  textNormalization: {
    textNormalization: 'TEXT_NORMALIZATION_ENABLED' | 'TEXT_NORMALIZATION_DISABLED';
    profanityFilter: boolean;
    /** Capitalisation and punctuation; on whenever normalization is on. */
    literatureText: boolean;
  };
  languageRestriction: { restrictionType: 'WHITELIST'; languageCode: string[] };
}

/** Everything of a RecognizeFileRequest except `content`. */
export interface RecognizeFileOptionsJson {
  recognitionModel: RecognitionModelJson;
  speakerLabeling?: { speakerLabeling: 'SPEAKER_LABELING_ENABLED' };
}

/**
 * The non-audio part of the body for a {@link RecognitionRequest}.
 * - Audio is always `containerAudio: OGG_OPUS` (the media stage produces OGG/Opus).
 * - `languages` are sent as a WHITELIST as given; `["auto"]` is sent as `["auto"]`; an empty list
 *   is sent as `["auto"]`.
 * - `speakerLabeling` is sent only when requested **and** the audio is mono: SpeechKit reports
 *   both diarization speakers and physical channels in the same `channelTag`, so it is never
 *   enabled on stereo ("Speaker labeling, channels and call-centre stereo", §2.5).
 */
export function buildRecognizeFileOptions(
  request: Pick<
    RecognitionRequest,
    'channels' | 'languages' | 'speakerLabeling' | 'profanityFilter' | 'textNormalization'
  >,
  model: string,
): RecognizeFileOptionsJson {
  const languageCode = request.languages.length > 0 ? [...request.languages] : ['auto'];
  const body: RecognizeFileOptionsJson = {
    recognitionModel: {
      model,
      audioFormat: { containerAudio: { containerAudioType: 'OGG_OPUS' } },
      textNormalization: {
        textNormalization: request.textNormalization
          ? 'TEXT_NORMALIZATION_ENABLED'
          : 'TEXT_NORMALIZATION_DISABLED',
        profanityFilter: request.profanityFilter,
        literatureText: request.textNormalization,
      },
      languageRestriction: { restrictionType: 'WHITELIST', languageCode },
    },
  };
  if (request.speakerLabeling && request.channels === 1) {
    body.speakerLabeling = { speakerLabeling: 'SPEAKER_LABELING_ENABLED' };
  }
  return body;
}

/** Length in characters (= bytes) of the base64 encoding of `n` bytes. */
export function base64Length(n: number): number {
  return 4 * Math.ceil(n / 3);
}

/**
 * Serialises the full body `{"content":"<base64>", ...options}` with the audio inline.
 * The size is computed before encoding, so oversized audio is rejected without building a
 * huge string.
 * @param audio the OGG/Opus bytes.
 * @returns the JSON text and its size in bytes.
 * @throws JobError AUDIO_TOO_LARGE (not retryable) when the body would exceed
 *   {@link MAX_REQUEST_BODY_BYTES}.
 */
export function encodeRecognizeFileBody(
  audio: Buffer,
  options: RecognizeFileOptionsJson,
): { json: string; bytes: number } {
  const head = '{"content":"';
  const tail = '",' + JSON.stringify(options).slice(1);
  const bytes = head.length + base64Length(audio.length) + Buffer.byteLength(tail);
  if (bytes > MAX_REQUEST_BODY_BYTES) {
    const mb = (n: number) => (n / 1_000_000).toFixed(1);
    throw new JobError(
      'AUDIO_TOO_LARGE',
      `The transcoded audio is ${mb(audio.length)} MB; sent inline as base64 the SpeechKit request ` +
        `would be ${mb(bytes)} MB, over SpeechKit's ${mb(MAX_REQUEST_BODY_BYTES)} MB request limit. ` +
        `Upload a shorter recording or split it into parts.`,
      false,
    );
  }
  return { json: head + audio.toString('base64') + tail, bytes };
}
