/**
 * Object store wrappers for encryption at rest (`./encryption.ts` has the format):
 * {@link EncryptedStore} encrypts everything written and decrypts what is read (ranges from the
 * chunks that cover them) with `STORAGE_ENCRYPTION_KEY`; {@link PlaintextGuard}, used when no
 * key is set, refuses to hand out an object that is encrypted instead of passing its ciphertext
 * on as if it were the file.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  CHUNK_BYTES,
  EncryptionError,
  HEADER_BYTES,
  MAGIC,
  decryptStream,
  encryptStream,
  looksEncrypted,
  openEnvelope,
  plainSize,
} from './encryption.js';
import type { ByteRange, ObjectInfo, ObjectStore, PrefixInfo, PutOptions } from './object-store.js';

/** Reads a whole small stream (a header). */
async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** {@link ObjectStore} that stores every object encrypted (AES-256-GCM, chunked envelope). */
export class EncryptedStore implements ObjectStore {
  readonly description: string;

  /** @param key the 32-byte master key that wraps each object's data key. */
  constructor(
    private readonly inner: ObjectStore,
    private readonly key: Buffer,
  ) {
    this.description = `${inner.description} (encrypted)`;
  }

  async put(key: string, source: Readable, options?: PutOptions): Promise<number> {
    let bytes = 0;
    const cipher = encryptStream(this.key);
    // Observe the plaintext (hash, size cap) before it is encrypted.
    const observed = source.on('error', (err) => cipher.destroy(err));
    observed.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      try {
        options?.observe?.(chunk);
      } catch (err) {
        source.unpipe(cipher);
        cipher.destroy(err as Error);
      }
    });
    source.pipe(cipher);
    await this.inner.put(key, cipher);
    return bytes;
  }

  async putFile(key: string, file: string): Promise<void> {
    await this.put(key, fs.createReadStream(file));
    await fsp.rm(file, { force: true });
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    if (!range) {
      const stored = await this.inner.get(key);
      return decryptWhole(stored, this.key, `object ${key}`);
    }
    const info = await this.inner.stat(key);
    const header = await readAll(await this.inner.get(key, { start: 0, end: HEADER_BYTES - 1 }));
    const envelope = openEnvelope(header, this.key, `object ${key}`);
    const C = envelope.chunkSize;
    const size = plainSize(info?.size ?? 0, C);
    const first = Math.floor(range.start / C);
    const last = Math.floor(range.end / C);
    const finalIndex = Math.max(0, Math.ceil(size / C) - 1);
    const unit = C + 16;
    const stored = await this.inner.get(key, {
      start: HEADER_BYTES + first * unit,
      end: Math.min(HEADER_BYTES + (last + 1) * unit, info?.size ?? 0) - 1,
    });
    const plain = decryptStream(
      envelope,
      {
        firstIndex: first,
        finalIndex,
        skip: range.start - first * C,
        limit: range.end - range.start + 1,
      },
      `object ${key}`,
    );
    stored.on('error', (err) => plain.destroy(err));
    return stored.pipe(plain);
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const info = await this.inner.stat(key);
    return info && { size: plainSize(info.size, CHUNK_BYTES), modifiedAt: info.modifiedAt };
  }

  copy(from: string, to: string): Promise<void> {
    return this.inner.copy(from, to); // the wrapped data key travels with the ciphertext
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  deletePrefix(prefix: string): Promise<void> {
    return this.inner.deletePrefix(prefix);
  }

  listPrefixes(prefix: string): Promise<PrefixInfo[]> {
    return this.inner.listPrefixes(prefix);
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/** Decrypts a whole stored object: the header first, then every chunk. */
function decryptWhole(stored: Readable, key: Buffer, what: string): Readable {
  async function* run() {
    let head = Buffer.alloc(0);
    const it = stored[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    while (head.length < HEADER_BYTES) {
      const next = await it.next();
      if (next.done) break;
      head = Buffer.concat([head, next.value]);
    }
    const envelope = openEnvelope(head.subarray(0, HEADER_BYTES), key, what);
    const plain = decryptStream(envelope, { firstIndex: 0, skip: 0 }, what);
    const rest = head.subarray(HEADER_BYTES);
    async function* body() {
      if (rest.length > 0) yield rest;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield next.value;
      }
    }
    Readable.from(body())
      .on('error', (err) => plain.destroy(err))
      .pipe(plain);
    for await (const chunk of plain) yield chunk as Buffer;
  }
  return Readable.from(run(), { objectMode: false });
}

/**
 * {@link ObjectStore} pass-through for a server without `STORAGE_ENCRYPTION_KEY`: reading an
 * object that is encrypted fails with {@link EncryptionError} (never its ciphertext as data).
 */
export class PlaintextGuard implements ObjectStore {
  readonly description: string;

  constructor(private readonly inner: ObjectStore) {
    this.description = inner.description;
  }

  private refuse(key: string): never {
    throw new EncryptionError(
      `object ${key} is encrypted, but STORAGE_ENCRYPTION_KEY is not set: configure the key it was written with.`,
    );
  }

  put(key: string, source: Readable, options?: PutOptions): Promise<number> {
    return this.inner.put(key, source, options);
  }

  putFile(key: string, file: string): Promise<void> {
    return this.inner.putFile(key, file);
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    if (range) {
      // A ranged read shows no header: look at the object's first bytes (one small request).
      const head = await readAll(await this.inner.get(key, { start: 0, end: MAGIC.length - 1 }));
      if (looksEncrypted(head)) this.refuse(key);
      return this.inner.get(key, range);
    }
    const stored = await this.inner.get(key);
    const it = stored[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const refuse = (k: string) => this.refuse(k);
    async function* checked() {
      let head = Buffer.alloc(0);
      while (head.length < MAGIC.length) {
        const next = await it.next();
        if (next.done) break;
        head = Buffer.concat([head, next.value]);
      }
      if (looksEncrypted(head)) refuse(key);
      if (head.length > 0) yield head;
      for (;;) {
        const next = await it.next();
        if (next.done) return;
        yield next.value;
      }
    }
    return Readable.from(checked(), { objectMode: false });
  }

  stat(key: string): Promise<ObjectInfo | null> {
    return this.inner.stat(key);
  }

  copy(from: string, to: string): Promise<void> {
    return this.inner.copy(from, to);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  deletePrefix(prefix: string): Promise<void> {
    return this.inner.deletePrefix(prefix);
  }

  listPrefixes(prefix: string): Promise<PrefixInfo[]> {
    return this.inner.listPrefixes(prefix);
  }

  localPath(key: string): string | undefined {
    const file = this.inner.localPath?.(key);
    if (!file) return undefined;
    const head = Buffer.alloc(MAGIC.length);
    let n: number;
    try {
      const fd = fs.openSync(file, 'r');
      try {
        n = fs.readSync(fd, head, 0, head.length, 0);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      return file; // missing: the caller reports it
    }
    if (looksEncrypted(head.subarray(0, n))) this.refuse(key);
    return file;
  }

  async close(): Promise<void> {
    await this.inner.close?.();
  }
}
