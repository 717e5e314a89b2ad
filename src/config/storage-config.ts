/**
 * Storage settings: where objects live (`STORAGE_URL`, `S3_*`), the local scratch directory
 * (`SCRATCH_DIR`) and encryption at rest (`STORAGE_ENCRYPTION_KEY`). Read by `./config.ts`.
 */
import os from 'node:os';
import path from 'node:path';
import type { S3Settings } from '../storage/s3-store.js';

/** Where stored objects live. */
export type StorageBackend = { kind: 'local'; dir: string } | ({ kind: 's3' } & S3Settings);

/** Validated storage configuration. */
export interface StorageConfig {
  backend: StorageBackend;
  /** Absolute local directory for per-job scratch directories (ffmpeg and ffprobe work there). */
  scratchDir: string;
  /** 32-byte AES-256 key wrapping every object's data key, or undefined for plaintext objects. */
  encryptionKey?: Buffer;
}

const BOOL = new Set(['true', 'false', '1', '0', '']);

/**
 * Reads the storage settings from `env`.
 * - `STORAGE_URL`: unset or `file://<dir>` (default `<DATA_DIR>`, objects under `jobs/`), or
 *   `s3://<bucket>[/<prefix>]` with `S3_ENDPOINT` (URL; unset for AWS), `S3_REGION` (default
 *   `us-east-1`), `S3_ACCESS_KEY_ID` + `S3_SECRET_ACCESS_KEY` (both or neither: the SDK's default
 *   chain), `S3_FORCE_PATH_STYLE` (true/false, default false), `S3_MAX_ATTEMPTS` (default 4),
 *   `S3_CONNECT_TIMEOUT_MS` (default 5000), `S3_REQUEST_TIMEOUT_MS` (default 60000),
 *   `S3_SERVER_SIDE_ENCRYPTION` (`AES256` or `aws:kms`, unset: none) with `S3_SSE_KMS_KEY_ID`.
 * - `SCRATCH_DIR`: default `<DATA_DIR>/scratch` for a local store, `<os.tmpdir()>/kazru-scratch`
 *   for S3 (hosts share nothing).
 * - `STORAGE_ENCRYPTION_KEY`: 32 bytes as 64 hex digits or base64 (44 characters).
 * @returns the configuration, or the problems found (one line per variable).
 */
export function readStorageConfig(
  env: Record<string, string | undefined>,
  dataDir: string,
): { storage?: StorageConfig; problems: string[] } {
  const problems: string[] = [];
  const v = (k: string) => env[k]?.trim() || undefined;
  const url = v('STORAGE_URL') ?? 'file://';
  let backend: StorageBackend | undefined;
  if (url.startsWith('file://')) {
    const dir = url.slice('file://'.length);
    backend = { kind: 'local', dir: dir ? path.resolve(dir) : dataDir };
  } else if (url.startsWith('s3://')) {
    backend = readS3(url, v, problems);
  } else {
    problems.push('  STORAGE_URL: use file://<directory> or s3://<bucket>/<prefix>');
  }
  const scratch = v('SCRATCH_DIR');
  const scratchDir = scratch
    ? path.resolve(scratch)
    : backend?.kind === 's3'
      ? path.join(os.tmpdir(), 'kazru-scratch')
      : path.join(backend?.kind === 'local' ? backend.dir : dataDir, 'scratch');
  const encryptionKey = parseKey(v('STORAGE_ENCRYPTION_KEY'), problems);
  if (problems.length > 0 || !backend) return { problems };
  return { storage: { backend, scratchDir, encryptionKey }, problems };
}

/** The S3 backend of `s3://bucket/prefix` and the `S3_*` variables; problems are pushed. */
function readS3(
  url: string,
  v: (k: string) => string | undefined,
  problems: string[],
): StorageBackend {
  const int = (k: string, def: number, min: number) => {
    const raw = v(k);
    const n = raw === undefined ? def : Number(raw);
    if (!Number.isInteger(n) || n < min) problems.push(`  ${k}: must be a whole number ≥ ${min}`);
    return n;
  };
  const [bucket = '', ...rest] = url.slice('s3://'.length).split('/');
  const prefix = rest.filter(Boolean).join('/');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    problems.push(`  STORAGE_URL: "${bucket}" is not an S3 bucket name (s3://bucket/prefix)`);
  }
  const endpoint = v('S3_ENDPOINT');
  if (endpoint && !/^https?:\/\/[^/]+/.test(endpoint)) {
    problems.push('  S3_ENDPOINT: must be an http(s) URL, e.g. http://minio:9000');
  }
  const id = v('S3_ACCESS_KEY_ID');
  const secret = v('S3_SECRET_ACCESS_KEY');
  if (!id !== !secret) {
    problems.push('  S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both or neither');
  }
  const sse = v('S3_SERVER_SIDE_ENCRYPTION');
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') {
    problems.push('  S3_SERVER_SIDE_ENCRYPTION: use AES256 (SSE-S3) or aws:kms (SSE-KMS)');
  }
  if (v('S3_SSE_KMS_KEY_ID') && sse !== 'aws:kms') {
    problems.push('  S3_SSE_KMS_KEY_ID: needs S3_SERVER_SIDE_ENCRYPTION=aws:kms');
  }
  const pathStyle = (v('S3_FORCE_PATH_STYLE') ?? '').toLowerCase();
  if (!BOOL.has(pathStyle)) problems.push('  S3_FORCE_PATH_STYLE: must be true or false');
  return {
    kind: 's3',
    bucket,
    prefix: prefix ? `${prefix}/` : '',
    endpoint,
    region: v('S3_REGION') ?? 'us-east-1',
    accessKeyId: id,
    secretAccessKey: secret,
    forcePathStyle: pathStyle === 'true' || pathStyle === '1',
    maxAttempts: int('S3_MAX_ATTEMPTS', 4, 1),
    connectTimeoutMs: int('S3_CONNECT_TIMEOUT_MS', 5000, 1),
    requestTimeoutMs: int('S3_REQUEST_TIMEOUT_MS', 60_000, 1),
    serverSideEncryption: sse as 'AES256' | 'aws:kms' | undefined,
    sseKmsKeyId: v('S3_SSE_KMS_KEY_ID'),
  };
}

/** A 32-byte key from 64 hex digits or base64; a problem line otherwise. */
function parseKey(raw: string | undefined, problems: string[]): Buffer | undefined {
  if (raw === undefined) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw)
    ? Buffer.from(raw, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(raw)
      ? Buffer.from(raw, 'base64')
      : undefined;
  if (key?.length !== 32) {
    problems.push(
      '  STORAGE_ENCRYPTION_KEY: must be 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)',
    );
    return undefined;
  }
  return key;
}
