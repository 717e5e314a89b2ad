/**
 * S3-compatible object store (`STORAGE_URL=s3://bucket/prefix`) on the AWS SDK v3:
 * `@aws-sdk/client-s3` for requests, `@aws-sdk/lib-storage` `Upload` for streamed multipart
 * uploads (parts of 8 MiB, 2 in flight: memory stays bounded whatever the file size; a failed
 * upload is aborted, so no parts are left). Retries are the SDK's own (`maxAttempts`, standard
 * mode with exponential back-off); after them a network error, timeout or 5xx becomes
 * {@link StorageUnavailableError}.
 */
import fs from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  ObjectNotFoundError,
  StorageUnavailableError,
  type ByteRange,
  type ObjectInfo,
  type ObjectStore,
  type PrefixInfo,
  type PutOptions,
} from './object-store.js';

/** Settings of {@link S3Store} (from `S3_*` and `STORAGE_URL`, see src/config). */
export interface S3Settings {
  bucket: string;
  /** Key prefix inside the bucket, '' or ending with '/'. */
  prefix: string;
  /** Endpoint URL for non-AWS stores (MinIO, s3rver, Ceph); undefined for AWS. */
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most self-hosted stores. */
  forcePathStyle: boolean;
  /** Attempts per request including the first (SDK retry budget). */
  maxAttempts: number;
  /** Milliseconds to wait for a connection, and for a response once connected. */
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /**
   * S3 server-side encryption asked for on every write (`AES256` = SSE-S3, `aws:kms` = SSE-KMS
   * with `sseKmsKeyId`), where the store offers it; independent of STORAGE_ENCRYPTION_KEY.
   */
  serverSideEncryption?: 'AES256' | 'aws:kms';
  sseKmsKeyId?: string;
}

const PART_BYTES = 8 * 1024 * 1024;

/** {@link ObjectStore} on an S3-compatible bucket. */
export class S3Store implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;

  constructor(private readonly s: S3Settings) {
    this.description = `s3://${s.bucket}/${s.prefix}`;
    this.client = new S3Client({
      region: s.region,
      endpoint: s.endpoint,
      forcePathStyle: s.forcePathStyle,
      maxAttempts: s.maxAttempts,
      credentials:
        s.accessKeyId && s.secretAccessKey
          ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }
          : undefined,
      requestHandler: {
        connectionTimeout: s.connectTimeoutMs,
        requestTimeout: s.requestTimeoutMs,
      },
    });
  }

  private key(key: string): string {
    return this.s.prefix + key;
  }

  /** Server-side encryption parameters of a write (none unless configured). */
  private sse() {
    return this.s.serverSideEncryption
      ? { ServerSideEncryption: this.s.serverSideEncryption, SSEKMSKeyId: this.s.sseKmsKeyId }
      : {};
  }

  async put(key: string, source: Readable, options?: PutOptions): Promise<number> {
    let bytes = 0;
    let sourceError: Error | undefined;
    const observer = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        try {
          options?.observe?.(chunk);
          cb(null, chunk);
        } catch (err) {
          sourceError = err as Error;
          cb(sourceError);
        }
      },
    });
    source.once('error', (err: Error) => {
      sourceError ??= err;
      observer.destroy(err);
    });
    source.pipe(observer);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.s.bucket, Key: this.key(key), Body: observer, ...this.sse() },
      partSize: PART_BYTES,
      queueSize: 2,
      leavePartsOnError: false,
    });
    try {
      // A failing body (size cap, client gone) or part makes `done` abort the multipart upload
      // (AbortMultipartUpload) before it rejects; `Upload.abort()` would reject at once and
      // leave the abort to the background, so it is not used.
      await upload.done();
      return bytes;
    } catch (err) {
      // A failure of the source (size cap, client gone) is reported as such, not as the store's.
      if (sourceError !== undefined) throw sourceError;
      throw storeError(err);
    }
  }

  async putFile(key: string, file: string): Promise<void> {
    await this.put(key, fs.createReadStream(file));
    await fs.promises.rm(file, { force: true });
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({
          Bucket: this.s.bucket,
          Key: this.key(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      return res.Body as Readable;
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFoundError(key);
      throw storeError(err);
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.s.bucket, Key: this.key(key) }),
      );
      return { size: res.ContentLength ?? 0, modifiedAt: res.LastModified ?? new Date(0) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw storeError(err);
    }
  }

  async copy(from: string, to: string): Promise<void> {
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.s.bucket,
          Key: this.key(to),
          CopySource: `${this.s.bucket}/${encodeURIComponent(this.key(from)).replace(/%2F/g, '/')}`,
          ...this.sse(),
        }),
      );
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFoundError(from);
      throw storeError(err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.s.bucket, Key: this.key(key) }),
      );
    } catch (err) {
      if (!isMissing(err)) throw storeError(err);
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    for await (const page of this.list(prefix)) {
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length === 0) continue;
      try {
        await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.s.bucket,
            Delete: { Objects: keys, Quiet: true },
          }),
        );
      } catch (err) {
        throw storeError(err);
      }
    }
  }

  async listPrefixes(prefix: string): Promise<PrefixInfo[]> {
    const newest = new Map<string, Date>();
    const base = this.key(prefix);
    for await (const page of this.list(prefix)) {
      for (const o of page.Contents ?? []) {
        const name = o.Key?.slice(base.length).split('/')[0];
        if (!name) continue;
        const at = o.LastModified ?? new Date(0);
        const seen = newest.get(name);
        if (!seen || seen < at) newest.set(name, at);
      }
    }
    return [...newest].map(([name, modifiedAt]) => ({ name, modifiedAt }));
  }

  /** Pages of ListObjectsV2 under `prefix` (1000 keys a page). */
  private async *list(prefix: string) {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.s.bucket,
            Prefix: this.key(prefix),
            ContinuationToken: token,
          }),
        );
      } catch (err) {
        throw storeError(err);
      }
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * The error to throw for an SDK failure: {@link StorageUnavailableError} for an unreachable or
 * failing store (no HTTP answer, 5xx, throttling), the SDK's error otherwise (403 bad
 * credentials, 404 no bucket: configuration faults an operator must see as they are).
 */
function storeError(err: unknown): unknown {
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (err instanceof S3ServiceException && status !== undefined && status < 500 && status !== 429) {
    return err;
  }
  return new StorageUnavailableError({ cause: err });
}
