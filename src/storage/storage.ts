/**
 * Job-scoped storage for uploads and audio, on an {@link ObjectStore} (a local directory or
 * S3-compatible storage, see `./registry.ts`): every object of a job is under the key prefix
 * `jobs/<jobId>/`. Storage names are generated; the user's file name is never used in a key.
 * Nothing outside src/storage sees a path: tools that need files get them from
 * {@link Storage.withScratch}.
 */
import os from 'node:os';
import path from 'node:path';
import type { Hash } from 'node:crypto';
import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { AppError } from '../errors.js';
import { EncryptionError } from './encryption.js';
import {
  StorageUnavailableError,
  type ByteRange,
  type ObjectInfo,
  type ObjectStore,
} from './object-store.js';
import { LocalStore } from './local-store.js';
import { checkName, copyTarget, removeStaleScratch, withScratch, type Scratch } from './scratch.js';

export { ObjectNotFoundError, StorageUnavailableError } from './object-store.js';
export { EncryptionError } from './encryption.js';

const KEY_CHECK = 'kazru-stt storage check: readable with this server key settings\n';
export type { ByteRange, ObjectInfo, ObjectStore } from './object-store.js';
export type { Scratch } from './scratch.js';

/** Thrown by {@link Storage.writeStream} when the upload exceeds the byte limit. */
export class UploadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(
      'PAYLOAD_TOO_LARGE',
      `The file is larger than the ${formatBytes(limitBytes)} limit. Split or compress the recording and upload it again.`,
      'UPLOAD_TOO_LARGE',
    );
  }
}

/**
 * Thrown by {@link Storage.writeStream} when the client went away before the whole file arrived
 * (graphql-upload-minimal destroys the file stream with an HTTP 499 error when the request closes
 * early). Nothing is kept. Answered as BAD_USER_INPUT, reason `UPLOAD_INTERRUPTED`, which no one
 * may receive (the client has gone) but which keeps the event out of the error log.
 */
export class UploadInterruptedError extends AppError {
  constructor(options?: { cause?: unknown }) {
    super(
      'BAD_USER_INPUT',
      'The upload was interrupted before the whole file arrived, so nothing was stored. Check the connection and upload the file again.',
      'UPLOAD_INTERRUPTED',
    );
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * Maps what graphql-upload-minimal throws for a request that ended early to
 * {@link UploadInterruptedError}; anything else is returned unchanged. For the upload resolver:
 * `await file` rejects, and `createReadStream()` throws, with an HTTP 499 error when the client
 * disconnected before (or while) the file part arrived; without this mapping that reaches the
 * client as INTERNAL_SERVER_ERROR and the log as an unexpected error.
 * @example
 *   let stream; try { const upload = await file; stream = upload.createReadStream(); }
 *   catch (err) { throw asUploadError(err); }
 */
export function asUploadError(err: unknown): unknown {
  return !(err instanceof AppError) && isInterruption(err)
    ? new UploadInterruptedError({ cause: err })
    : err;
}

/** True for the ways a multipart file stream fails when the request ends early. */
function isInterruption(err: unknown): boolean {
  const e = err as { status?: number; code?: string; message?: string } | undefined;
  return (
    e?.status === 499 ||
    e?.code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    e?.code === 'ECONNRESET' ||
    /Unexpected end of (form|multipart)|Request disconnected/i.test(e?.message ?? '')
  );
}

/** Human-readable size: "500 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

/** A job found in storage by {@link Storage.listJobs}. */
export interface StoredJob {
  jobId: string;
  /** Newest change of any of its objects (the directory's mtime on the local store). */
  modifiedAt: Date;
}

/** Job-scoped storage on an object store. */
export class Storage {
  readonly store: ObjectStore;
  readonly scratchDir: string;

  /**
   * @param store the object store, or an absolute DATA_DIR for the local store (objects under
   *   `<DATA_DIR>/jobs/`).
   * @param scratchDir local directory for per-job scratch directories; default
   *   `<DATA_DIR>/scratch` for a DATA_DIR, else `<os.tmpdir()>/kazru-scratch`.
   */
  constructor(store: ObjectStore | string, scratchDir?: string) {
    this.store = typeof store === 'string' ? new LocalStore(store) : store;
    this.scratchDir =
      scratchDir ??
      (typeof store === 'string'
        ? path.join(store, 'scratch')
        : path.join(os.tmpdir(), 'kazru-scratch'));
  }

  /** Key of a job's object. Job ids are server-generated UUIDs. */
  private key(jobId: string, name?: string): string {
    if (!/^[0-9a-f-]{36}$/.test(jobId)) throw new Error(`invalid job id for storage: ${jobId}`);
    return name === undefined ? `jobs/${jobId}/` : `jobs/${jobId}/${checkName(name)}`;
  }

  /**
   * Streams `source` to the job's object `name`, never holding the file in memory, enforcing
   * `maxBytes` while streaming. On any failure (too large, source error, truncated stream,
   * client gone, store unreachable) every object of the job is removed before the error is
   * rethrown.
   * @param hash when given, every chunk is also fed to it as it passes (no copy); read its
   *   digest after this resolves (e.g. `createHash('sha256')` for duplicate reuse).
   * @param scratch when given (a run of {@link withScratch} for this job), a remote store's
   *   object is also written to the scratch directory as it streams, so `scratch.input(name)`
   *   (ffprobe of an upload) reads it without downloading it again.
   * @returns bytes written.
   * @throws UploadTooLargeError when more than `maxBytes` arrive or the source reports truncation;
   *   UploadInterruptedError when the request ended before the file did; StorageUnavailableError
   *   when the store cannot be reached; the store's error otherwise.
   */
  async writeStream(
    jobId: string,
    name: string,
    source: Readable & { truncated?: boolean },
    maxBytes: number,
    hash?: Hash,
    scratch?: Scratch,
  ): Promise<number> {
    const key = this.key(jobId, name);
    const copy = scratch && copyTarget(scratch, name);
    let bytes = 0;
    // graphql-upload-minimal unpipes the file stream when busboy's size limit trips, which would
    // leave the store waiting forever: fail the source explicitly instead.
    const onLimit = () => source.destroy(new UploadTooLargeError(maxBytes));
    source.once('limit', onLimit);
    try {
      const written = await this.store.put(key, copy ? teeToFile(source, copy) : source, {
        observe: (chunk) => {
          bytes += chunk.length;
          hash?.update(chunk);
          if (bytes > maxBytes) throw new UploadTooLargeError(maxBytes);
        },
      });
      // graphql-upload-minimal ends a stream cut at maxFileSize normally, flagged `truncated`.
      if (source.truncated) throw new UploadTooLargeError(maxBytes);
      return written;
    } catch (err) {
      source.resume(); // let the request finish
      await this.removeJob(jobId).catch(() => undefined);
      throw asUploadError(err);
    } finally {
      source.off('limit', onLimit);
    }
  }

  /** Size and age of a job's object, or null when it is not stored. */
  stat(jobId: string, name: string): Promise<ObjectInfo | null> {
    return this.store.stat(this.key(jobId, name));
  }

  /** Reads a job's object or a byte range of it. @throws ObjectNotFoundError. */
  read(jobId: string, name: string, range?: ByteRange): Promise<Readable> {
    return this.store.get(this.key(jobId, name), range);
  }

  /** Copies object `name` of job `from` to job `to`. @throws ObjectNotFoundError. */
  copy(from: string, to: string, name: string): Promise<void> {
    return this.store.copy(this.key(from, name), this.key(to, name));
  }

  /** Deletes every object of a job; none is fine. */
  async removeJob(jobId: string): Promise<void> {
    await this.store.deletePrefix(this.key(jobId));
  }

  /** Deletes one object of a job; missing is fine. */
  async removeFile(jobId: string, name: string): Promise<void> {
    await this.store.delete(this.key(jobId, name));
  }

  /** Jobs that have objects in storage, with their age (for orphan cleanup). */
  async listJobs(): Promise<StoredJob[]> {
    const found = await this.store.listPrefixes('jobs/');
    return found
      .filter((p) => /^[0-9a-f-]{36}$/.test(p.name))
      .map((p) => ({ jobId: p.name, modifiedAt: p.modifiedAt }));
  }

  /**
   * Start-up check that this server can read what the store holds: reads the check object
   * `_kazru/key-check` (writing it when missing), so a wrong or missing STORAGE_ENCRYPTION_KEY
   * stops the process at start rather than failing jobs later. A check object stored without
   * encryption while a key is now set is rewritten encrypted (objects stored before stay
   * unreadable with the key until they expire); `warn` is told.
   * The api and workers start together on one store, so another process may be writing the
   * check object at the same moment (the write here then fails as "exists", or the read sees it
   * half-written): a failed check is tried again, {@link KEY_CHECK_ATTEMPTS} times in all,
   * 250 ms apart, before its error is thrown.
   * @throws EncryptionError for a wrong key, or an encrypted store and no key.
   */
  async checkReadable(warn: (message: string) => void): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.checkReadableOnce(warn);
      } catch (err) {
        if (attempt >= KEY_CHECK_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** One attempt of {@link checkReadable}. */
  private async checkReadableOnce(warn: (message: string) => void): Promise<void> {
    const key = '_kazru/key-check';
    const write = () => this.store.put(key, Readable.from([Buffer.from(KEY_CHECK)]));
    try {
      if (!(await this.store.stat(key).catch(() => null))) return void (await write());
      const text = Buffer.concat(await (await this.store.get(key)).toArray()).toString();
      if (text !== KEY_CHECK) throw new Error('unexpected key-check content');
    } catch (err) {
      if (err instanceof StorageUnavailableError) {
        warn(`storage check skipped: ${err.message}`);
        return;
      }
      if (err instanceof EncryptionError && /is not encrypted/.test(err.message)) {
        warn(
          'STORAGE_ENCRYPTION_KEY is set on a store written without encryption: new objects are encrypted; objects stored before cannot be read with the key and fail until they expire.',
        );
        await this.store.delete(key);
        await write();
        return;
      }
      throw err;
    }
  }

  /**
   * Removes the job's scratch directories on this host left by runs whose worker was killed
   * (a job given up after its workers died has no next run to do it).
   */
  removeScratch(jobId: string): Promise<void> {
    this.key(jobId);
    return removeStaleScratch(this.scratchDir, jobId);
  }

  /**
   * Runs `fn` with a local scratch directory for the job (see `./scratch.ts`), always removed
   * when `fn` settles.
   */
  withScratch<T>(jobId: string, fn: (scratch: Scratch) => Promise<T>): Promise<T> {
    this.key(jobId);
    return withScratch(this.store, this.scratchDir, (name) => this.key(jobId, name), jobId, fn);
  }
}

/** Attempts of the start-up storage check before its error stops the process. */
const KEY_CHECK_ATTEMPTS = 4;

/**
 * `source` passed on unchanged while also written to `file` (backpressure from both sides);
 * an error of either fails the returned stream.
 */
function teeToFile(source: Readable, file: string): Readable {
  const out = fs.createWriteStream(file);
  const tee = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (out.write(chunk)) cb(null, chunk);
      else out.once('drain', () => cb(null, chunk));
    },
    flush(cb) {
      out.end(() => cb());
    },
  });
  source.once('error', (err) => tee.destroy(err));
  out.once('error', (err) => tee.destroy(err));
  tee.once('close', () => out.destroy());
  return source.pipe(tee);
}
