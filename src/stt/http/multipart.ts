/**
 * `multipart/form-data` request bodies (RFC 7578) for the shared transport: ordered text fields
 * and one file part, streamed from disk with an exact, precomputed `Content-Length` — the shape
 * of an OpenAI-compatible `POST /audio/transcriptions`.
 *
 * Encoding is `form-data-encoder` (MIT, no dependencies): boundary lines, CRLFs,
 * `Content-Disposition: form-data; name="…"` (a name is sent as given, brackets included —
 * `timestamp_granularities[]` — with only CR, LF and `"` percent-encoded, as WHATWG's HTML
 * form encoding does), `filename="…"` and `Content-Type` on the file part, and the length of the
 * whole body from the parts' sizes. It is given plain objects that look like a `FormData` and a
 * `File` (its documented `FormDataLike`/`FileLike` shapes), so the file is never read whole: each
 * attempt reopens it and reads it in pieces of at most {@link FILE_PIECE_BYTES}, closing it when
 * the attempt ends, sent in full or not.
 */
import { randomBytes } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { FormDataEncoder, type FileLike, type FormDataLike } from 'form-data-encoder';
import type { StreamingBody } from './client.js';

/**
 * Bytes read from the file per piece: 64 KiB, the largest piece the encoder passes on without
 * copying it into smaller ones.
 */
export const FILE_PIECE_BYTES = 64 * 1024;

/** The file part of a multipart body. */
export interface MultipartFile {
  /** The part's field name, e.g. `file`. */
  name: string;
  /** Path of the file on disk; it must keep its size until the request is done. */
  path: string;
  /** `filename` sent in the part's `Content-Disposition`, e.g. `audio.flac`. */
  filename: string;
  /** The part's `Content-Type`, e.g. `audio/flac`. */
  contentType: string;
}

/**
 * A multipart/form-data body: the text `fields` in their order (a name may repeat, e.g.
 * `timestamp_granularities[]` once per value), then the file part. Its size is fixed here (the
 * file is `stat`ed once); `open()` — once per attempt — streams the parts anew, reading the file
 * from the start. `contentType` is `multipart/form-data; boundary=kazru-<32 hex digits>`.
 * Text values are sent as UTF-8, with lone CR or LF normalised to CRLF (HTML form encoding).
 * @throws the `stat` error (e.g. ENOENT) when the file is missing. The stream throws an Error
 *   when the file turns out shorter than it was.
 */
export async function multipartBody(
  fields: Iterable<readonly [string, string]>,
  file: MultipartFile,
): Promise<StreamingBody> {
  const { size } = await stat(file.path);
  const entries: Array<[string, string | FileLike]> = [...fields].map(([n, v]) => [n, v]);
  entries.push([file.name, fileFromDisk(file, size)]);
  const encoder = new FormDataEncoder(formOf(entries), `kazru-${randomBytes(16).toString('hex')}`);
  if (encoder.contentLength === undefined) throw new Error('multipart body without a known size');
  return {
    bytes: Number(encoder.contentLength),
    contentType: encoder.contentType,
    open: () => encoder.encode(),
  };
}

/** A `FileLike` over a file on disk: each `stream()` opens it and reads `size` bytes. */
function fileFromDisk(file: MultipartFile, size: number): FileLike {
  return {
    name: file.filename,
    type: file.contentType,
    size,
    lastModified: 0,
    [Symbol.toStringTag]: 'File',
    stream: () => readPieces(file.path, size),
  };
}

/** Reads exactly `size` bytes of `path` in fresh pieces of at most {@link FILE_PIECE_BYTES}. */
async function* readPieces(path: string, size: number): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    let left = size;
    while (left > 0) {
      // A new buffer per piece: the socket may still hold the previous one.
      const piece = Buffer.allocUnsafe(Math.min(FILE_PIECE_BYTES, left));
      const { bytesRead } = await handle.read(piece, 0, piece.length, null);
      if (bytesRead === 0) throw new Error(`${path} ended ${left} bytes short of ${size}`);
      left -= bytesRead;
      yield bytesRead === piece.length ? piece : piece.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** The read-only `FormDataLike` the encoder iterates: `entries` in their order. */
function formOf(entries: Array<[string, string | FileLike]>): FormDataLike {
  return {
    [Symbol.toStringTag]: 'FormData',
    append() {
      throw new Error('this form is read-only');
    },
    getAll: (name) => entries.filter(([n]) => n === name).map(([, v]) => v),
    entries: () => entries[Symbol.iterator](),
    [Symbol.iterator]: () => entries[Symbol.iterator](),
  };
}
