/**
 * A real S3-compatible HTTP server for tests: `@20minutes/s3rver` (filesystem-backed) on
 * 127.0.0.1, with a bucket created. s3rver 5.0.0 rejects the current AWS SDK's signatures on
 * bucket-level requests (ListObjects) unless `allowMismatchedSignatures` is set, so it is.
 * s3rver does not implement AbortMultipartUpload (it answers 405 and keeps the parts): the
 * front server here implements it (removes the upload's parts), so a test can check that an
 * aborted upload leaves nothing, as on AWS S3 or MinIO. Every request is recorded.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from '@20minutes/s3rver';

/** A running S3-compatible server. */
export interface S3Server {
  endpoint: string;
  port: number;
  bucket: string;
  /** s3rver's data directory (`<dir>/<bucket>/<key>._S3rver_object`, …). */
  directory: string;
  /** `METHOD path?query` of every request received. */
  requests: string[];
  /** The headers of each request in {@link S3Server.requests}, same order. */
  requestHeaders: http.IncomingHttpHeaders[];
  /** Env for the app: STORAGE_URL and S3_* for this server, keys under `prefix`. */
  env(prefix?: string, endpoint?: string): Record<string, string>;
  /** Every key in the bucket (ListObjectsV2 through the SDK). */
  keys(prefix?: string): Promise<string[]>;
  /** Stores `body` under `key` directly (not through the app). */
  put(key: string, body: Buffer | string): Promise<void>;
  /** Multipart uploads started and neither completed nor aborted. */
  openUploads(): string[];
  /** Bytes of every stored object file, for checks on what is at rest. */
  storedFiles(): { file: string; bytes: Buffer }[];
  close(): Promise<void>;
}

const ACCESS = 'S3RVER';
const SECRET = 'S3RVER';

/** Starts s3rver on a free port with `bucket` created. */
export async function startS3Server(bucket = 'kazru-test'): Promise<S3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-s3-'));
  const s3rver = new S3rver({
    silent: true,
    directory,
    allowMismatchedSignatures: true,
    configureBuckets: [{ name: bucket }],
  });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const requests: string[] = [];
  const requestHeaders: http.IncomingHttpHeaders[] = [];
  const uploadsDir = path.join(directory, bucket, '._S3rver_uploads');
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    requestHeaders.push(req.headers);
    const url = new URL(req.url ?? '/', 'http://x');
    const uploadId = url.searchParams.get('uploadId');
    if (req.method === 'DELETE' && uploadId && /^[0-9a-f]+$/.test(uploadId)) {
      fs.rmSync(path.join(uploadsDir, uploadId), { recursive: true, force: true });
      req.resume();
      res.writeHead(204).end();
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS, secretAccessKey: SECRET },
  });

  const walk = (dir: string): string[] =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, { withFileTypes: true })
          .flatMap((d) =>
            d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)],
          )
      : [];

  return {
    endpoint,
    port,
    bucket,
    directory,
    requests,
    requestHeaders,
    env: (prefix = 'kazru', at = endpoint) => ({
      STORAGE_URL: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: at,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: ACCESS,
      S3_SECRET_ACCESS_KEY: SECRET,
      S3_FORCE_PATH_STYLE: 'true',
    }),
    keys: async (prefix = '') => {
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        out.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out;
    },
    put: async (key, body) => {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    openUploads: () => (fs.existsSync(uploadsDir) ? fs.readdirSync(uploadsDir) : []),
    storedFiles: () =>
      walk(path.join(directory, bucket))
        .filter((f) => f.endsWith('._S3rver_object') || f.includes('._S3rver_uploads'))
        .map((file) => ({ file, bytes: fs.readFileSync(file) })),
    close: async () => {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
