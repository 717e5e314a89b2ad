/**
 * Builds the JSON body of `POST /stt/v3/recognizeFileAsync`.
 *
 * Source: "SpeechKit v3 REST: Request body (RecognizeFileRequest)" (§2.2) and
 * "Audio formats and limits" (§2.6: 60 MB inline request body).
 *
 * The body is `{"content":"<base64 audio>",…options}`. {@link recognizeFileBody} streams it from
 * the audio file — the JSON head, the file base64-encoded piece by piece, the JSON tail — with
 * its exact size known beforehand, so the 60 MB check happens before anything is sent and the
 * audio, its base64 and the JSON are never in memory whole.
 */
import { open } from 'node:fs/promises';
import { JobError } from '../../errors.js';
import type { RecognitionRequest } from '../types.js';
import type { StreamingBody } from '../http/index.js';

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
 * Bytes of audio read and base64-encoded per piece of a streamed body: 48 KiB, a multiple of 3.
 * Its base64 (64 KiB) stays below V8's large-object size, so each piece's string is young garbage
 * that the next scavenge frees (large objects wait for a full GC and pile up).
 */
export const BODY_CHUNK_BYTES = 3 * 16 * 1024;

/** The JSON around the base64 audio, and the body's total size in bytes. */
interface BodyFrame {
  head: string;
  tail: string;
  bytes: number;
}

/**
 * @throws JobError AUDIO_TOO_LARGE (not retryable) when the body for `audioBytes` of audio would
 *   exceed {@link MAX_REQUEST_BODY_BYTES}.
 */
function bodyFrame(audioBytes: number, options: RecognizeFileOptionsJson): BodyFrame {
  const head = '{"content":"';
  const tail = '",' + JSON.stringify(options).slice(1);
  const bytes = head.length + base64Length(audioBytes) + Buffer.byteLength(tail);
  if (bytes > MAX_REQUEST_BODY_BYTES) {
    const mb = (n: number) => (n / 1_000_000).toFixed(1);
    throw new JobError(
      'AUDIO_TOO_LARGE',
      `The transcoded audio is ${mb(audioBytes)} MB; sent inline as base64 the SpeechKit request ` +
        `would be ${mb(bytes)} MB, over SpeechKit's ${mb(MAX_REQUEST_BODY_BYTES)} MB request limit. ` +
        `Upload a shorter recording or split it into parts.`,
      false,
    );
  }
  return { head, tail, bytes };
}

/**
 * Serialises the full body `{"content":"<base64>", ...options}` with the audio inline, as one
 * string (for small audio and tests; the provider streams it with {@link recognizeFileBody}).
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
  const { head, tail, bytes } = bodyFrame(audio.length, options);
  return { json: head + audio.toString('base64') + tail, bytes };
}

/**
 * The same body as {@link encodeRecognizeFileBody}, streamed from the audio file: each
 * `open()` (one per HTTP attempt) reads the file afresh in pieces of `chunkBytes` (a multiple of
 * 3, so every piece but the last encodes to base64 without padding) and yields the JSON head,
 * the base64 pieces and the JSON tail. Memory: one piece and its base64, whatever the file size.
 * @param audioPath the OGG/Opus file; it must keep its size (`audioBytes`, from `stat`).
 * @param chunkBytes bytes read per piece (default {@link BODY_CHUNK_BYTES}).
 * @throws JobError AUDIO_TOO_LARGE (at once, before anything is read or sent) when the body would
 *   exceed {@link MAX_REQUEST_BODY_BYTES}. The stream throws an Error when the file turns out
 *   shorter than `audioBytes`.
 */
export function recognizeFileBody(
  audioPath: string,
  audioBytes: number,
  options: RecognizeFileOptionsJson,
  chunkBytes = BODY_CHUNK_BYTES,
): StreamingBody {
  if (chunkBytes < 3 || chunkBytes % 3 !== 0) throw new Error('chunkBytes must be a multiple of 3');
  const { head, tail, bytes } = bodyFrame(audioBytes, options);
  return {
    bytes,
    contentType: 'application/json',
    async *open() {
      yield Buffer.from(head, 'latin1');
      const file = await open(audioPath, 'r');
      try {
        const piece = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(3, audioBytes)));
        let left = audioBytes;
        while (left > 0) {
          const want = Math.min(piece.length, left);
          let filled = 0;
          while (filled < want) {
            const { bytesRead } = await file.read(piece, filled, want - filled, null);
            if (bytesRead === 0) {
              throw new Error(`${audioPath} ended ${left - filled} bytes short of ${audioBytes}`);
            }
            filled += bytesRead;
          }
          left -= filled;
          yield Buffer.from(piece.toString('base64', 0, filled), 'latin1');
        }
      } finally {
        await file.close();
      }
      yield Buffer.from(tail, 'utf8');
    },
  };
}
