/**
 * SpeechKit STT v3 test double: a real HTTP server speaking the async REST protocol
 * ("SpeechKit v3 REST" reference: recognizeFileAsync, operations, getRecognition,
 * deleteRecognition, IAM token exchange, google.rpc.Status errors).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeProtectedHeader, importSPKI, jwtVerify, type JWTPayload } from 'jose';
import { decodePcm, isOggOpus, probeAudio } from './audio.js';
import { FaultScript, type Fault, type FaultTarget } from './faults.js';
import type { FixtureManifest } from './manifest.js';
import { peakRate, type PeakRate } from './rates.js';
import { recognize, renderResultStream, sessionUuid, type Recognition } from './recognizer.js';
import type { VadOptions } from './vad.js';
import {
  InvalidArgument,
  validateRecognizeBody,
  type ValidatedRecognizeRequest,
} from './validate.js';

/** Options of {@link startSpeechKitDouble}. */
export interface SpeechKitDoubleOptions {
  /** Accepted `Authorization: Api-Key <apiKey>`. */
  apiKey?: string;
  /** Accepted static `Authorization: Bearer <iamToken>`. */
  iamToken?: string;
  /**
   * Service account whose JWTs the IAM endpoint exchanges (claim `iss`). Requires
   * `saPublicKeyPem` (SPKI PEM) to verify the PS256 signature. Issued tokens are then accepted as
   * `Bearer` tokens.
   */
  saServiceAccountId?: string;
  saPublicKeyPem?: string;
  /** When set, the JWT header `kid` must equal it. */
  saKeyId?: string;
  /** Lifetime of issued IAM tokens in seconds (default 43 200 = 12 h). */
  iamTokenTtlSeconds?: number;
  /** Fixture manifests giving text and language (see `recognizer.ts`). */
  manifests?: FixtureManifest[];
  /** Polls answered `done:false` before `done:true` (default 2). */
  pollsUntilDone?: number;
  /** Listen address (default 127.0.0.1) and port (default 0 = any free port). */
  host?: string;
  port?: number;
  /** VAD tuning for recognition. */
  vad?: Partial<VadOptions>;
}

/** A request as received, for assertions. */
export interface RecordedRequest {
  method: string;
  /** URL path without the query. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; for recognizeFileAsync without `content`. */
  body?: unknown;
  /** recognizeFileAsync: length in bytes of the decoded base64 `content`. */
  contentBytes?: number;
  /** Raw body size in bytes. */
  bodyBytes: number;
  /** Which endpoint it hit. */
  endpoint: FaultTarget | 'unknown';
  /** The scripted fault applied to it, if any. */
  fault?: Fault;
  /** HTTP status answered (undefined when the connection was reset or not answered yet). */
  status?: number;
  /** Epoch milliseconds when it arrived. */
  at: number;
}

/** An operation created by a successful recognizeFileAsync. */
export interface DoubleOperation {
  id: string;
  description: string;
  createdAt: string;
  createdBy: string;
  modifiedAt: string;
  done: boolean;
  /** google.rpc.Status when the operation failed. */
  error?: { code: number; message: string; details: unknown[] };
  /** Number of `GET /operations/{id}` answered. */
  polls: number;
  request: Omit<ValidatedRecognizeRequest, 'audio' | 'recorded'> & {
    channels: number;
    audioBytes: number;
  };
  /** Set once the audio has been decoded and recognised. */
  recognition?: Recognition;
  /** Resolves when recognition has finished (successfully or not). */
  ready: Promise<void>;
  deleted: boolean;
  sessionUuid: string;
}

/** A running double. */
export interface SpeechKitDouble {
  /** Base URL (`http://127.0.0.1:<port>`), used as both sttUrl and operationUrl. */
  url: string;
  /** IAM token exchange URL (`<url>/iam/v1/tokens`); also the JWT audience it expects. */
  iamUrl: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  operations: Map<string, DoubleOperation>;
  /** Number of `POST /stt/v3/recognizeFileAsync` requests received (all attempts, faulted or not). */
  readonly submits: number;
  /**
   * The audio of every operation created (each accepted recognizeFileAsync: what SpeechKit bills),
   * in order, as the double decoded it: channels and duration in seconds. Waits for decoding.
   */
  acceptedAudio(): Promise<
    Array<{ operationId: string; channels: number; durationSeconds: number }>
  >;
  /**
   * The most requests to `endpoint` (`poll`, `submit`, …) that arrived within any sliding window
   * of `windowMs` (default 1000), by arrival time: what a per-second quota would count.
   */
  peakRate(endpoint: FaultTarget, windowMs?: number): PeakRate;
  /** Scripted faults; push to inject. */
  faults: FaultScript;
  /** Payloads of the JWTs the IAM endpoint verified and exchanged. */
  verifiedJwts: JWTPayload[];
  /** IAM tokens issued, in order. */
  issuedIamTokens: string[];
  close(): Promise<void>;
}

/** Largest recognizeFileAsync body, in bytes (SpeechKit v3: 60 MB inline). */
export const MAX_SUBMIT_BODY_BYTES = 60_000_000;

const GRPC_BY_HTTP: Record<number, [number, string]> = {
  400: [3, 'INVALID_ARGUMENT'],
  401: [16, 'UNAUTHENTICATED'],
  403: [7, 'PERMISSION_DENIED'],
  404: [5, 'NOT_FOUND'],
  409: [10, 'ABORTED'],
  429: [8, 'RESOURCE_EXHAUSTED'],
  500: [13, 'INTERNAL'],
  501: [12, 'UNIMPLEMENTED'],
  503: [14, 'UNAVAILABLE'],
  504: [4, 'DEADLINE_EXCEEDED'],
};

function rfc3339(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function randomId(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuv0123456789';
  const bytes = randomBytes(17);
  return prefix + Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** google.rpc.Status body with a RequestInfo detail, as SpeechKit sends. */
function rpcStatus(code: number, message: string, requestId: string) {
  return {
    code,
    message,
    details: [{ '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId }],
  };
}

function operationJson(op: DoubleOperation): Record<string, unknown> {
  if (!op.done) {
    return {
      id: op.id,
      description: op.description,
      createdAt: op.createdAt,
      createdBy: op.createdBy,
      modifiedAt: op.modifiedAt,
      done: false,
      metadata: null,
    };
  }
  const json: Record<string, unknown> = {
    done: true,
    id: op.id,
    description: op.description,
    createdAt: op.createdAt,
    createdBy: op.createdBy,
    modifiedAt: op.modifiedAt,
  };
  if (op.error) json.error = op.error;
  return json;
}

/**
 * Starts the double on `host:port` (default 127.0.0.1, any free port).
 *
 * Endpoints: `POST /stt/v3/recognizeFileAsync`, `GET /operations/{id}`,
 * `GET /stt/v3/getRecognition?operationId=` (or `operation_id=`),
 * `DELETE /stt/v3/deleteRecognition?operationId=`, `POST /iam/v1/tokens`.
 * All but the IAM endpoint require `Authorization: Api-Key <apiKey>` or `Bearer <token>` (a
 * configured `iamToken` or one issued by the IAM endpoint); when none of apiKey, iamToken,
 * saServiceAccountId is configured any non-empty `Api-Key`/`Bearer` credential is accepted.
 */
export async function startSpeechKitDouble(
  opts: SpeechKitDoubleOptions = {},
): Promise<SpeechKitDouble> {
  const pollsUntilDone = opts.pollsUntilDone ?? 2;
  const manifests = opts.manifests ?? [];
  const faults = new FaultScript();
  const requests: RecordedRequest[] = [];
  const operations = new Map<string, DoubleOperation>();
  const verifiedJwts: JWTPayload[] = [];
  const issuedIamTokens: string[] = [];
  const issued = new Map<string, number>(); // token → expiry (epoch ms)
  let submits = 0;
  let publicKey: Promise<Awaited<ReturnType<typeof importSPKI>>> | undefined;
  const anyCredential = !opts.apiKey && !opts.iamToken && !opts.saServiceAccountId;
  let iamUrl = '';

  const send = (
    rec: RecordedRequest,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    rec.status = status;
    if (res.destroyed || res.headersSent) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-request-id': res.getHeader('x-request-id') ?? randomUUID(),
      'x-server-trace-id': randomBytes(8).toString('hex'),
      ...headers,
    });
    res.end(text);
  };
  const sendError = (
    rec: RecordedRequest,
    res: ServerResponse,
    status: number,
    message: string,
    headers?: Record<string, string>,
  ) => {
    const [code] = GRPC_BY_HTTP[status] ?? [2, 'UNKNOWN'];
    send(
      rec,
      res,
      status,
      rpcStatus(code, message, res.getHeader('x-request-id') as string),
      headers,
    );
  };

  const authorized = (req: IncomingMessage, rec: RecordedRequest, res: ServerResponse): boolean => {
    const h = req.headers.authorization ?? '';
    const m = /^(Api-Key|Bearer) (\S+)$/.exec(h);
    let ok = false;
    if (m) {
      const [, scheme, cred] = m;
      if (anyCredential) ok = true;
      else if (scheme === 'Api-Key') ok = cred === opts.apiKey;
      else {
        const exp = issued.get(cred);
        ok = cred === opts.iamToken || (exp !== undefined && exp > Date.now());
      }
    }
    if (!ok) {
      sendError(
        rec,
        res,
        401,
        !h
          ? 'The request is missing an Authorization header (Api-Key or Bearer).'
          : m?.[1] === 'Api-Key'
            ? 'Unknown api key.'
            : 'Token is invalid or has expired.',
      );
    }
    return ok;
  };

  /** Applies a fault; true when the request has been fully handled by it. */
  const applyFault = async (
    fault: Fault | undefined,
    req: IncomingMessage,
    rec: RecordedRequest,
    res: ServerResponse,
  ): Promise<boolean> => {
    if (!fault) return false;
    rec.fault = fault;
    if ('reset' in fault) {
      req.socket.destroy();
      return true;
    }
    if ('delayMs' in fault) {
      await sleep(fault.delayMs);
      return false;
    }
    if ('status' in fault) {
      const headers: Record<string, string> = fault.retryAfter
        ? { 'retry-after': fault.retryAfter }
        : {};
      if (fault.body !== undefined) send(rec, res, fault.status, fault.body, headers);
      else {
        const [, name] = GRPC_BY_HTTP[fault.status] ?? [2, 'UNKNOWN'];
        sendError(rec, res, fault.status, `Scripted fault: ${name}`, headers);
      }
      return true;
    }
    return false; // operationError / malformed are applied by the endpoint handlers
  };

  const readBody = (
    req: IncomingMessage,
    limit: number,
  ): Promise<{ text?: string; bytes: number }> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      req.on('data', (d: Buffer) => {
        bytes += d.length;
        if (bytes <= limit) chunks.push(d);
      });
      req.on('end', () =>
        resolve({
          text: bytes <= limit ? Buffer.concat(chunks).toString('utf8') : undefined,
          bytes,
        }),
      );
      req.on('error', reject);
    });

  const startRecognition = (op: DoubleOperation, audio: Buffer) => {
    op.ready = (async () => {
      try {
        const pcm = await decodePcm(audio, op.request.channels);
        op.recognition = recognize({
          pcm,
          speakerLabeling: op.request.speakerLabeling,
          manifests,
          vad: opts.vad,
        });
      } catch (err) {
        op.error = { code: 3, message: `Invalid audio: ${(err as Error).message}`, details: [] };
      }
    })();
  };

  const handleSubmit = async (req: IncomingMessage, rec: RecordedRequest, res: ServerResponse) => {
    submits++;
    const { text, bytes } = await readBody(req, MAX_SUBMIT_BODY_BYTES);
    rec.bodyBytes = bytes;
    let parsed: unknown;
    if (text !== undefined) {
      try {
        parsed = JSON.parse(text);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          const { content, ...rest } = parsed as Record<string, unknown>;
          rec.body = rest;
          if (typeof content === 'string') rec.contentBytes = Buffer.from(content, 'base64').length;
        } else rec.body = parsed;
      } catch {
        parsed = undefined;
      }
    }
    if (await applyFault(faults.take('submit'), req, rec, res)) return;
    if (!authorized(req, rec, res)) return;
    if (text === undefined) {
      return sendError(rec, res, 400, `Request body of ${bytes} bytes exceeds the 60 MB limit.`);
    }
    if (parsed === undefined) return sendError(rec, res, 400, 'Request body is not valid JSON.');
    let v: ValidatedRecognizeRequest;
    try {
      v = validateRecognizeBody(parsed);
    } catch (err) {
      if (err instanceof InvalidArgument) return sendError(rec, res, 400, err.message);
      throw err;
    }
    if (!isOggOpus(v.audio)) {
      return sendError(
        rec,
        res,
        400,
        'Invalid audio: content is not an OGG/Opus stream (no OggS/OpusHead).',
      );
    }
    const probe = await probeAudio(v.audio);
    if (!probe || probe.codec !== 'opus') {
      return sendError(
        rec,
        res,
        400,
        `Invalid audio: OPUS stream expected, ffprobe found ${probe?.codec ?? 'nothing'}.`,
      );
    }
    if (v.speakerLabeling && probe.channels !== 1) {
      return sendError(
        rec,
        res,
        400,
        `Speaker labeling is supported for mono audio only; the audio has ${probe.channels} channels.`,
      );
    }
    const now = rfc3339();
    const { audio, recorded: _recorded, ...request } = v;
    const op: DoubleOperation = {
      id: randomId('f8d'),
      description: 'STT v3 async recognition',
      createdAt: now,
      createdBy: randomId('aje'),
      modifiedAt: now,
      done: false,
      polls: 0,
      request: { ...request, channels: probe.channels, audioBytes: audio.length },
      ready: Promise.resolve(),
      deleted: false,
      sessionUuid: sessionUuid(),
    };
    startRecognition(op, audio);
    operations.set(op.id, op);
    send(rec, res, 200, operationJson(op));
  };

  const handlePoll = async (
    id: string,
    req: IncomingMessage,
    rec: RecordedRequest,
    res: ServerResponse,
  ) => {
    const fault = faults.take('poll');
    if (await applyFault(fault, req, rec, res)) return;
    if (!authorized(req, rec, res)) return;
    const op = operations.get(id);
    if (!op) return sendError(rec, res, 404, `Operation ${id} not found.`);
    op.polls++;
    if (fault && 'operationError' in fault) {
      op.error = { ...fault.operationError, details: [] };
      op.done = true;
      op.modifiedAt = rfc3339();
    }
    if (!op.done && op.polls > pollsUntilDone) {
      await op.ready;
      op.done = true;
      op.modifiedAt = rfc3339();
    }
    send(rec, res, 200, operationJson(op));
  };

  const operationIdParam = (
    rec: RecordedRequest,
    res: ServerResponse,
  ): DoubleOperation | undefined => {
    const id = rec.query.operationId ?? rec.query.operation_id;
    if (!id) {
      sendError(rec, res, 400, 'operationId is required.');
      return undefined;
    }
    if (id.length > 50) {
      sendError(rec, res, 400, 'operationId must be at most 50 characters.');
      return undefined;
    }
    const op = operations.get(id);
    if (!op || op.deleted) {
      sendError(rec, res, 404, `Recognition ${id} not found.`);
      return undefined;
    }
    return op;
  };

  const handleResult = async (req: IncomingMessage, rec: RecordedRequest, res: ServerResponse) => {
    const fault = faults.take('result');
    if (await applyFault(fault, req, rec, res)) return;
    if (!authorized(req, rec, res)) return;
    const op = operationIdParam(rec, res);
    if (!op) return;
    if (fault && 'malformed' in fault) {
      return send(
        rec,
        res,
        200,
        '{"result":{"sessionUuid":{"uuid":"x"},"final":{"alternatives":[{"text":"обрыв\n{"result":',
      );
    }
    if (!op.done) return sendError(rec, res, 400, `Operation ${op.id} is not done yet.`);
    if (op.error || !op.recognition) {
      return sendError(
        rec,
        res,
        400,
        `Operation ${op.id} failed: ${op.error?.message ?? 'no result'}`,
      );
    }
    send(rec, res, 200, renderResultStream(op.recognition, op.id, op.sessionUuid));
  };

  const handleDelete = async (req: IncomingMessage, rec: RecordedRequest, res: ServerResponse) => {
    if (await applyFault(faults.take('delete'), req, rec, res)) return;
    if (!authorized(req, rec, res)) return;
    const op = operationIdParam(rec, res);
    if (!op) return;
    op.deleted = true;
    send(rec, res, 200, {});
  };

  const handleIam = async (req: IncomingMessage, rec: RecordedRequest, res: ServerResponse) => {
    const { text, bytes } = await readBody(req, 64 * 1024);
    rec.bodyBytes = bytes;
    let body: { jwt?: unknown } | undefined;
    try {
      body = JSON.parse(text ?? '') as { jwt?: unknown };
      rec.body = body;
    } catch {
      body = undefined;
    }
    if (await applyFault(faults.take('iam'), req, rec, res)) return;
    if (!body || typeof body.jwt !== 'string') {
      return sendError(rec, res, 400, 'Request must be {"jwt": "<JWT>"}.');
    }
    const jwt = body.jwt;
    if (jwt.length > 8000) return sendError(rec, res, 400, 'jwt must be at most 8000 characters.');
    if (!opts.saServiceAccountId || !opts.saPublicKeyPem) {
      return sendError(rec, res, 401, 'No service account is configured in the test double.');
    }
    try {
      const header = decodeProtectedHeader(jwt);
      if (header.alg !== 'PS256') throw new Error(`alg must be PS256, got ${header.alg}`);
      if (header.typ !== 'JWT') throw new Error('typ must be JWT');
      if (!header.kid || (opts.saKeyId && header.kid !== opts.saKeyId)) {
        throw new Error(`unknown key id ${header.kid}`);
      }
      publicKey ??= importSPKI(opts.saPublicKeyPem, 'PS256');
      const { payload } = await jwtVerify(jwt, await publicKey, {
        algorithms: ['PS256'],
        issuer: opts.saServiceAccountId,
        audience: iamUrl,
        requiredClaims: ['iat', 'exp'],
      });
      if (payload.exp! - payload.iat! > 3600) throw new Error('exp - iat must be at most 3600 s');
      verifiedJwts.push(payload);
    } catch (err) {
      return sendError(rec, res, 401, `JWT is invalid: ${(err as Error).message}`);
    }
    const token = `t1.double.${randomBytes(24).toString('base64url')}`;
    const ttl = (opts.iamTokenTtlSeconds ?? 12 * 3600) * 1000;
    const expiresAtMs = Date.now() + ttl;
    issued.set(token, expiresAtMs);
    issuedIamTokens.push(token);
    send(rec, res, 200, { iamToken: token, expiresAt: new Date(expiresAtMs).toISOString() });
  };

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://double');
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      headers: req.headers,
      bodyBytes: 0,
      endpoint: 'unknown',
      at: Date.now(),
    };
    requests.push(rec);
    res.setHeader('x-request-id', randomUUID());
    const opMatch = /^\/operations\/([^/]+)$/.exec(u.pathname);
    const route = `${req.method} ${u.pathname}`;
    let handler: Promise<void> | void;
    if (route === 'POST /stt/v3/recognizeFileAsync') {
      rec.endpoint = 'submit';
      handler = handleSubmit(req, rec, res);
    } else if (req.method === 'GET' && opMatch) {
      rec.endpoint = 'poll';
      handler = handlePoll(decodeURIComponent(opMatch[1]), req, rec, res);
    } else if (route === 'GET /stt/v3/getRecognition') {
      rec.endpoint = 'result';
      handler = handleResult(req, rec, res);
    } else if (route === 'DELETE /stt/v3/deleteRecognition') {
      rec.endpoint = 'delete';
      handler = handleDelete(req, rec, res);
    } else if (route === 'POST /iam/v1/tokens') {
      rec.endpoint = 'iam';
      handler = handleIam(req, rec, res);
    } else {
      req.resume();
      handler = sendError(rec, res, 404, 'Not Found');
    }
    Promise.resolve(handler).catch((err: unknown) => {
      sendError(rec, res, 500, `Internal error in the test double: ${(err as Error).message}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  iamUrl = `${url}/iam/v1/tokens`;

  return {
    url,
    iamUrl,
    requests,
    operations,
    get submits() {
      return submits;
    },
    async acceptedAudio() {
      const ops = [...operations.values()];
      await Promise.all(ops.map((op) => op.ready));
      return ops.map((op) => ({
        operationId: op.id,
        channels: op.recognition?.channels ?? op.request.channels,
        durationSeconds: (op.recognition?.durationMs ?? 0) / 1000,
      }));
    },
    peakRate: (endpoint, windowMs) => peakRate(requests, endpoint, windowMs),
    faults,
    verifiedJwts,
    issuedIamTokens,
    async close() {
      await Promise.allSettled([...operations.values()].map((o) => o.ready));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
