/**
 * Encryption at rest, format version 1 (our core's own format; node:crypto only).
 *
 * Every object gets a fresh random 32-byte data key, wrapped (AES-256-GCM) by the configured
 * `STORAGE_ENCRYPTION_KEY`; the data is AES-256-GCM encrypted in fixed-size chunks, each with its
 * own tag, so a byte range is decrypted from the whole chunks that cover it and no plaintext is
 * ever released before its chunk's tag is verified. Layout (integers big-endian):
 *
 * ```
 * offset size  field
 *      0    7  magic "KZRUENC"
 *      7    1  version = 1
 *      8    4  chunk size C in plaintext bytes (65536)
 *     12   12  wrap nonce (random)
 *     24   32  wrapped data key: AES-256-GCM(master key, wrap nonce, AAD = bytes 0..11)
 *     56   16  wrap tag
 *     72   12  base nonce N (random)
 *     84    …  chunks i = 0, 1, …: AES-256-GCM(data key, nonce = N + i as a 96-bit number,
 *              AAD = i (8 bytes) ‖ final (1 byte: 1 for the last chunk, else 0)) ciphertext
 *              (C bytes; the last chunk 0..C bytes) followed by its 16-byte tag
 * ```
 *
 * An object of P plaintext bytes has max(1, ⌈P / C⌉) chunks (an empty object one empty final
 * chunk) and 84 + P + 16 × chunks bytes. The final flag makes a truncated object fail, the index
 * a reordered one, the per-object data key a chunk moved from another object.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export const MAGIC = Buffer.from('KZRUENC', 'latin1');
export const VERSION = 1;
export const HEADER_BYTES = 84;
export const CHUNK_BYTES = 64 * 1024;
const TAG = 16;

/** An encrypted object that cannot be read: wrong key, not encrypted, damaged or tampered with. */
export class EncryptionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EncryptionError';
  }
}

/** What the header of an object gives a reader. */
export interface Envelope {
  dataKey: Buffer;
  baseNonce: Buffer;
  chunkSize: number;
}

/** True when `head` (at least the first 7 bytes of an object) starts like an encrypted object. */
export function looksEncrypted(head: Buffer): boolean {
  return head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC);
}

/** A new envelope and its header bytes, the data key wrapped by `masterKey`. */
export function newEnvelope(masterKey: Buffer): { header: Buffer; envelope: Envelope } {
  const dataKey = randomBytes(32);
  const baseNonce = randomBytes(12);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[7] = VERSION;
  header.writeUInt32BE(CHUNK_BYTES, 8);
  const wrapNonce = randomBytes(12);
  wrapNonce.copy(header, 12);
  const wrap = createCipheriv('aes-256-gcm', masterKey, wrapNonce);
  wrap.setAAD(header.subarray(0, 12));
  Buffer.concat([wrap.update(dataKey), wrap.final()]).copy(header, 24);
  wrap.getAuthTag().copy(header, 56);
  baseNonce.copy(header, 72);
  return { header, envelope: { dataKey, baseNonce, chunkSize: CHUNK_BYTES } };
}

/**
 * Unwraps an object's data key.
 * @throws EncryptionError when the header is not ours, of another version, or the key is wrong.
 */
export function openEnvelope(header: Buffer, masterKey: Buffer, what: string): Envelope {
  if (header.length < HEADER_BYTES || !looksEncrypted(header)) {
    throw new EncryptionError(
      `${what} is not encrypted (stored before STORAGE_ENCRYPTION_KEY was set?) or is damaged; it is not read as plaintext.`,
    );
  }
  if (header[7] !== VERSION) {
    throw new EncryptionError(`${what} uses encryption format ${header[7]}; this server reads 1.`);
  }
  const chunkSize = header.readUInt32BE(8);
  try {
    const unwrap = createDecipheriv('aes-256-gcm', masterKey, header.subarray(12, 24));
    unwrap.setAAD(header.subarray(0, 12));
    unwrap.setAuthTag(header.subarray(56, 72));
    const dataKey = Buffer.concat([unwrap.update(header.subarray(24, 56)), unwrap.final()]);
    return { dataKey, baseNonce: Buffer.from(header.subarray(72, 84)), chunkSize };
  } catch (err) {
    throw new EncryptionError(
      `${what} cannot be decrypted with the configured STORAGE_ENCRYPTION_KEY (a different key encrypted it, or its header was altered).`,
      { cause: err },
    );
  }
}

/** Nonce of chunk `index`: the base nonce plus `index`, as 96-bit big-endian numbers. */
function chunkNonce(base: Buffer, index: number): Buffer {
  const n = (BigInt(`0x${base.toString('hex')}`) + BigInt(index)) & ((1n << 96n) - 1n);
  return Buffer.from(n.toString(16).padStart(24, '0'), 'hex');
}

function chunkAad(index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(9);
  aad.writeBigUInt64BE(BigInt(index));
  aad[8] = final ? 1 : 0;
  return aad;
}

/** Ciphertext bytes of an object of `plainBytes` bytes (header included). */
export function encryptedSize(plainBytes: number, chunkSize = CHUNK_BYTES): number {
  return HEADER_BYTES + plainBytes + TAG * Math.max(1, Math.ceil(plainBytes / chunkSize));
}

/**
 * Plaintext bytes of an object stored as `storedBytes` bytes.
 * @throws EncryptionError when no object of the format has that size.
 */
export function plainSize(storedBytes: number, chunkSize = CHUNK_BYTES): number {
  const body = storedBytes - HEADER_BYTES;
  const full = Math.floor(body / (chunkSize + TAG));
  const rest = body % (chunkSize + TAG);
  const plain = full * chunkSize + (rest > 0 ? rest - TAG : 0);
  if (body < TAG || (rest > 0 && rest < TAG) || encryptedSize(plain, chunkSize) !== storedBytes) {
    throw new EncryptionError(
      `an encrypted object of ${storedBytes} bytes is truncated or damaged`,
    );
  }
  return plain;
}

/** A Transform that encrypts a plaintext stream into the format above (header first). */
export function encryptStream(masterKey: Buffer): Transform {
  const { header, envelope } = newEnvelope(masterKey);
  const C = envelope.chunkSize;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let index = 0;
  let started = false;
  const seal = (plain: Buffer, final: boolean): Buffer => {
    const c = createCipheriv(
      'aes-256-gcm',
      envelope.dataKey,
      chunkNonce(envelope.baseNonce, index),
    );
    c.setAAD(chunkAad(index, final));
    index++;
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!started) {
        started = true;
        this.push(header);
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      // Keep at least one byte back: only the end of the stream says which chunk is final.
      if (pendingBytes > C) {
        let all = Buffer.concat(pending);
        while (all.length > C) {
          this.push(seal(all.subarray(0, C), false));
          all = all.subarray(C);
        }
        pending = [all];
        pendingBytes = all.length;
      }
      cb();
    },
    flush(cb: TransformCallback) {
      if (!started) this.push(header);
      this.push(seal(Buffer.concat(pending), true));
      cb();
    },
  });
}

/** Where a {@link decryptStream} input starts and what part of the plaintext to pass on. */
export interface DecryptWindow {
  /** Index of the first chunk in the input. */
  firstIndex: number;
  /** Index of the object's last chunk when known (range reads); else the input's end is it. */
  finalIndex?: number;
  /** Plaintext bytes to drop from the first chunk, and the most to pass on (undefined: all). */
  skip: number;
  limit?: number;
}

/**
 * A Transform that decrypts chunks (the input starts at a chunk boundary, after the header),
 * releasing each chunk's plaintext only once its tag verified.
 * @throws (as a stream error) EncryptionError when a chunk fails authentication or the input
 *   ends mid-chunk.
 */
export function decryptStream(envelope: Envelope, window: DecryptWindow, what: string): Transform {
  const unit = envelope.chunkSize + TAG;
  let buf: Buffer = Buffer.alloc(0);
  let index = window.firstIndex;
  let skip = window.skip;
  let left = window.limit ?? Number.POSITIVE_INFINITY;
  const open = (sealed: Buffer, final: boolean): Buffer => {
    if (sealed.length < TAG) throw new EncryptionError(`${what} is truncated`);
    try {
      const d = createDecipheriv(
        'aes-256-gcm',
        envelope.dataKey,
        chunkNonce(envelope.baseNonce, index),
      );
      d.setAAD(chunkAad(index, final));
      d.setAuthTag(sealed.subarray(sealed.length - TAG));
      const plain = Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
      index++;
      return plain;
    } catch (err) {
      throw new EncryptionError(
        `${what} failed authentication at chunk ${index}: it was altered, truncated or damaged.`,
        { cause: err },
      );
    }
  };
  const emit = (t: Transform, plain: Buffer) => {
    let out = plain;
    if (skip > 0) {
      const n = Math.min(skip, out.length);
      out = out.subarray(n);
      skip -= n;
    }
    if (out.length > left) out = out.subarray(0, left);
    left -= out.length;
    if (out.length > 0) t.push(out);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        // A whole chunk with more input after it is not the last of the input.
        while (buf.length > unit) {
          emit(this, open(buf.subarray(0, unit), index === window.finalIndex));
          buf = buf.subarray(unit);
        }
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        const final = window.finalIndex === undefined || index === window.finalIndex;
        emit(this, open(buf, final));
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}
