/**
 * Local file storage for uploads and intermediate audio, under `<DATA_DIR>/jobs/<jobId>/`.
 * Storage names are generated; the user's file name is never used as a path.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Hash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { AppError } from '../errors.js';

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

/** Job-scoped file storage rooted at a data directory. */
export class Storage {
  /** @param dataDir absolute path of DATA_DIR. */
  constructor(readonly dataDir: string) {}

  /** Absolute directory of a job's files. Job ids are server-generated UUIDs. */
  jobDir(jobId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(jobId)) throw new Error(`invalid job id for storage: ${jobId}`);
    return path.join(this.dataDir, 'jobs', jobId);
  }

  /** Absolute path of a file inside a job's directory. */
  jobFile(jobId: string, name: string): string {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new Error(`invalid storage name: ${name}`);
    }
    return path.join(this.jobDir(jobId), name);
  }

  /**
   * Streams `source` to `<jobDir>/<name>`, never holding the file in memory, enforcing
   * `maxBytes` while streaming. On any failure (too large, source error, truncated stream,
   * client gone) the job directory is removed before the error is rethrown.
   * @param hash when given, every chunk is also fed to it as it passes (no copy); read its
   *   digest after this resolves (e.g. `createHash('sha256')` for duplicate reuse).
   * @returns bytes written.
   * @throws UploadTooLargeError when more than `maxBytes` arrive or the source reports truncation;
   *   UploadInterruptedError when the request ended before the file did; the fs error otherwise.
   */
  async writeStream(
    jobId: string,
    name: string,
    source: Readable & { truncated?: boolean },
    maxBytes: number,
    hash?: Hash,
  ): Promise<number> {
    const dir = this.jobDir(jobId);
    await fsp.mkdir(dir, { recursive: true });
    const target = this.jobFile(jobId, name);
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        hash?.update(chunk);
        if (bytes > maxBytes) cb(new UploadTooLargeError(maxBytes));
        else cb(null, chunk);
      },
    });
    // graphql-upload-minimal unpipes the file stream when busboy's size limit trips, which would
    // leave this pipeline waiting forever: fail it explicitly instead.
    const onLimit = () => counter.destroy(new UploadTooLargeError(maxBytes));
    source.once('limit', onLimit);
    try {
      await pipeline(source, counter, fs.createWriteStream(target, { flags: 'wx' }));
      // graphql-upload-minimal ends a stream cut at maxFileSize normally, flagged `truncated`.
      if (source.truncated) throw new UploadTooLargeError(maxBytes);
      return bytes;
    } catch (err) {
      await this.removeJob(jobId);
      throw asUploadError(err);
    } finally {
      source.off('limit', onLimit);
    }
  }

  /** Deletes a job's directory and everything in it; a missing directory is fine. */
  async removeJob(jobId: string): Promise<void> {
    await fsp.rm(this.jobDir(jobId), { recursive: true, force: true });
  }

  /** Deletes one file of a job; missing is fine. */
  async removeFile(jobId: string, name: string): Promise<void> {
    await fsp.rm(this.jobFile(jobId, name), { force: true });
  }

  /** Lists job ids that have a directory on disk (for orphan cleanup). */
  async listJobDirs(): Promise<string[]> {
    try {
      return await fsp.readdir(path.join(this.dataDir, 'jobs'));
    } catch {
      return [];
    }
  }
}
