/**
 * The object store behind {@link Storage}: opaque keys (`jobs/<jobId>/<name>`), streams in and
 * out, no paths. Implementations: `./local-store.ts` (a directory, the default) and
 * `./s3-store.ts` (S3-compatible object storage); `./encrypted-store.ts` wraps either to encrypt
 * at rest. Chosen from `STORAGE_URL` by `./registry.ts`.
 */
import type { Readable } from 'node:stream';
import { AppError } from '../errors.js';

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What {@link ObjectStore.stat} reports. */
export interface ObjectInfo {
  /** Bytes of the object as readers see it (plaintext size for an encrypted store). */
  size: number;
  modifiedAt: Date;
}

/** A common key prefix (a job) found by {@link ObjectStore.listPrefixes}. */
export interface PrefixInfo {
  /** The segment after the listed prefix, e.g. a job id. */
  name: string;
  /** Newest modification time of any object under it. */
  modifiedAt: Date;
}

/** Options of {@link ObjectStore.put}. */
export interface PutOptions {
  /**
   * Called with every chunk as it passes, before it is stored (e.g. a sha256 for duplicate
   * reuse); throwing from it fails the put (how the size cap is enforced while streaming).
   */
  observe?: (chunk: Buffer) => void;
}

/**
 * Object storage with opaque keys. Every method rejects with {@link StorageUnavailableError}
 * when the store cannot be reached (after the implementation's own bounded retries).
 */
export interface ObjectStore {
  /** Short description for logs (`file:///data`, `s3://bucket/prefix`), never credentials. */
  readonly description: string;
  /**
   * Streams `source` to `key`, never holding it in memory. Either the whole object is stored or
   * nothing is (a failed put leaves no object and no multipart upload behind).
   * @returns bytes stored (of the source).
   * @throws whatever `source` or `options.observe` threw, unchanged.
   */
  put(key: string, source: Readable, options?: PutOptions): Promise<number>;
  /** Stores a local file under `key` (may move it: the file is gone afterwards). */
  putFile(key: string, file: string): Promise<void>;
  /**
   * Reads an object, or one byte range of it (`range` must lie inside the object).
   * @throws ObjectNotFoundError when there is no such object.
   */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Size and age of an object, or null when there is none. */
  stat(key: string): Promise<ObjectInfo | null>;
  /** Copies an object (server side where possible). @throws ObjectNotFoundError. */
  copy(from: string, to: string): Promise<void>;
  /** Deletes one object; a missing object is fine. */
  delete(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (which ends with `/`). */
  deletePrefix(prefix: string): Promise<void>;
  /** The next key segments under `prefix` (ending with `/`) with their newest object's age. */
  listPrefixes(prefix: string): Promise<PrefixInfo[]>;
  /**
   * Local-directory stores only, for `./scratch.ts`: the file holding `key` as stored, when
   * readers can use it directly (no encryption). Nothing outside src/storage sees it.
   */
  localPath?(key: string): string | undefined;
  /** Releases connections. */
  close?(): Promise<void>;
}

/** Thrown by {@link ObjectStore.get} and `copy` for a key with no object. */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no stored object ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/**
 * The object store could not be reached or kept failing (network errors, 5xx, timeouts) after
 * its retries. A GraphQL upload answers SERVICE_UNAVAILABLE (reason STORAGE_UNAVAILABLE); a job
 * fails with the job error code STORAGE_UNAVAILABLE.
 */
export class StorageUnavailableError extends AppError {
  constructor(options?: { cause?: unknown }) {
    super(
      'SERVICE_UNAVAILABLE',
      'The file store is unreachable right now; nothing was stored. Try again in a minute.',
      'STORAGE_UNAVAILABLE',
    );
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
