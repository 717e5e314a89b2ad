/**
 * The shared HTTP transport (`src/stt/http`) with streamed bodies, against small real HTTP
 * servers on 127.0.0.1 that misbehave in ways the SpeechKit double does not: answering before the
 * request body is in, and breaking off an answer half way. Then multipart/form-data bodies as an
 * OpenAI-compatible server gets them, parsed on the server side by busboy: fields in order, the
 * file byte for byte, the exact Content-Length, a whole resend after a 503, a 413 surfaced once.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import busboy from 'busboy';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobError } from '../../../src/errors.js';
import {
  createHttpClient,
  HttpStatusError,
  multipartBody,
  PayloadTooLargeError,
  SttCircuitOpenError,
  type HttpClientOptions,
} from '../../../src/stt/http/index.js';
import {
  buildRecognizeFileOptions,
  recognizeFileBody,
} from '../../../src/stt/speechkit/request.js';
import { parseRecognitionChunks } from '../../../src/stt/speechkit/result-stream.js';
import { speechKitHttpOptions } from '../../../src/stt/speechkit/transport.js';

const FAST = {
  ...speechKitHttpOptions(),
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
  requestTimeoutMs: 5000,
};
const openFds = () => readdirSync('/proc/self/fd').length;

let dir: string;
let server: Server | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kazru-http-'));
});
afterEach(async () => {
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
  server = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

it('stops sending a streamed body that was answered early, and closes its file', async () => {
  const file = path.join(dir, 'big.ogg');
  await writeFile(file, randomBytes(8_000_000));
  let received = 0;
  const url = await serve((req, res) => {
    req.on('data', (d: Buffer) => (received += d.length));
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 3, message: 'no thanks' }));
  });
  const options = buildRecognizeFileOptions(
    {
      channels: 1,
      languages: ['ru-RU'],
      speakerLabeling: false,
      profanityFilter: false,
      textNormalization: true,
    },
    'general',
  );
  const body = recognizeFileBody(file, 8_000_000, options);
  const fds = openFds();
  const err = await createHttpClient(FAST)
    .send({ method: 'POST', url, what: 'recognizeFileAsync', body })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(JobError);
  expect((err as JobError).code).toBe('STT_BAD_REQUEST');
  expect((err as JobError).message).toMatch(/no thanks/);
  await new Promise((r) => setTimeout(r, 100));
  expect(received).toBeLessThan(body.bytes);
  expect(openFds()).toBeLessThanOrEqual(fds);
});

it('retries an answer that breaks off half way and parses the full one', async () => {
  const line = (i: number) =>
    JSON.stringify({
      result: {
        audioCursors: { finalIndex: String(i) },
        final: {
          alternatives: [{ text: `фраза ${i}`, startTimeMs: String(i * 1000), endTimeMs: '0' }],
        },
        channelTag: '0',
      },
    });
  const text = Array.from({ length: 2000 }, (_, i) => line(i)).join('\n');
  let calls = 0;
  const url = await serve((_req, res) => {
    calls++;
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    if (calls === 1) {
      res.write(text.slice(0, 5000));
      setTimeout(() => res.socket?.destroy(), 20);
    } else res.end(Buffer.from(text));
  });
  const attempts: string[] = [];
  const client = createHttpClient({
    ...FAST,
    observer: { attempt: ({ outcome }) => attempts.push(outcome) },
  });
  const res = await client.read(
    { method: 'GET', url, what: 'getRecognition' },
    parseRecognitionChunks,
  );
  expect(res.attempts).toBe(2);
  expect(attempts).toEqual(['network', '200']);
  expect(res.value.utterances).toHaveLength(2000);
  expect(res.value.utterances[1999].text).toBe('фраза 1999');
});

describe('multipart/form-data bodies', () => {
  /** An OpenAI-compatible server as the transport sees it: Bearer auth, `{ error: {…} }` bodies. */
  const OPENAI: HttpClientOptions = {
    engine: { id: 'openai', name: 'Whisper' },
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 },
    requestTimeoutMs: 5000,
    describeErrorBody: (body) => {
      try {
        const e = (JSON.parse(body) as { error?: { message?: string; code?: string } }).error;
        return e ? { message: e.message, code: e.code } : undefined;
      } catch {
        return undefined;
      }
    },
  };
  const FIELDS: Array<[string, string]> = [
    ['model', 'whisper-1'],
    ['language', 'kk'],
    ['response_format', 'verbose_json'],
    ['timestamp_granularities[]', 'word'],
    ['timestamp_granularities[]', 'segment'],
    ['prompt', 'Сәлеметсіз бе, Алматы'],
  ];
  const FILE = { name: 'file', filename: 'unit-0.flac', contentType: 'audio/flac' };

  /** What one request carried, as busboy parsed it, and its raw bytes. */
  interface Received {
    headers: IncomingMessage['headers'];
    raw: Buffer;
    fields: Array<[string, string]>;
    files: Array<{ name: string; filename?: string; mimeType: string; data: Buffer }>;
  }

  /** Reads a whole request body and parses it with busboy. */
  async function receive(req: IncomingMessage): Promise<Received> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const fields: Received['fields'] = [];
    const files: Received['files'] = [];
    await new Promise<void>((resolve, reject) => {
      const bb = busboy({ headers: req.headers });
      bb.on('field', (name, value) => fields.push([name, value]));
      bb.on('file', (name, stream, info) => {
        const parts: Buffer[] = [];
        stream.on('data', (d: Buffer) => parts.push(d));
        stream.on('end', () =>
          files.push({
            name,
            filename: info.filename,
            mimeType: info.mimeType,
            data: Buffer.concat(parts),
          }),
        );
      });
      bb.on('close', () => resolve());
      bb.on('error', reject);
      bb.end(raw);
    });
    return { headers: req.headers, raw, fields, files };
  }

  /** An audio-like file of `bytes` random bytes. */
  async function audioFile(name: string, bytes: number) {
    const file = path.join(dir, name);
    const data = randomBytes(bytes);
    await writeFile(file, data);
    return { file, data };
  }

  it('sends the fields in order, brackets and all, then the file byte for byte, with the exact Content-Length', async () => {
    // Three full 64 KiB pieces and a short one.
    const { file, data } = await audioFile('unit-0.flac', 3 * 65_536 + 123);
    const got: Received[] = [];
    const url = await serve((req, res) => {
      void receive(req).then((r) => {
        got.push(r);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"text":"ok"}');
      });
    });
    const body = await multipartBody(FIELDS, { ...FILE, path: file });
    const res = await createHttpClient(OPENAI).send({
      method: 'POST',
      url: `${url}/v1/audio/transcriptions`,
      what: 'transcriptions',
      body,
      auth: { refreshable: false, authorization: async () => 'Bearer sk-test' },
    });
    expect(res.text).toBe('{"text":"ok"}');
    expect(got).toHaveLength(1);
    const [r] = got;
    expect(r.headers['content-type']).toBe(body.contentType);
    expect(body.contentType).toMatch(/^multipart\/form-data; boundary=kazru-[0-9a-f]{32}$/);
    expect(r.headers['content-length']).toBe(String(body.bytes));
    expect(r.headers['transfer-encoding']).toBeUndefined();
    expect(r.headers.authorization).toBe('Bearer sk-test');
    expect(r.raw.length).toBe(body.bytes);
    expect(r.fields).toEqual(FIELDS);
    expect(r.raw.toString('latin1')).toContain(
      'Content-Disposition: form-data; name="timestamp_granularities[]"\r\n\r\nword\r\n',
    );
    expect(r.files).toHaveLength(1);
    expect(r.files[0]).toMatchObject({
      name: 'file',
      filename: 'unit-0.flac',
      mimeType: 'audio/flac',
    });
    expect(r.files[0].data.equals(data)).toBe(true);
  });

  it('resends the whole body after a 503, and reports attempts with engine="openai"', async () => {
    const { file, data } = await audioFile('unit-1.flac', 200_001);
    const got: Received[] = [];
    const url = await serve((req, res) => {
      void receive(req).then((r) => {
        got.push(r);
        if (got.length === 1) {
          res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
          res.end('{"error":{"message":"Server overloaded","type":"server_error","code":null}}');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"text":"ok"}');
        }
      });
    });
    const body = await multipartBody(FIELDS, { ...FILE, path: file });
    const events: string[] = [];
    const res = await createHttpClient({
      ...OPENAI,
      observer: {
        attempt: (e) => events.push(`${e.engine} ${e.what} ${e.outcome}`),
        retry: (e) => events.push(`retry ${e.engine} ${e.outcome}`),
      },
    }).send({ method: 'POST', url, what: 'transcriptions', body });
    expect(res.attempts).toBe(2);
    expect(events).toEqual([
      'openai transcriptions 503',
      'retry openai 503',
      'openai transcriptions 200',
    ]);
    expect(got).toHaveLength(2);
    for (const r of got) {
      expect(r.raw.length).toBe(body.bytes);
      expect(r.fields).toEqual(FIELDS);
      expect(r.files[0].data.equals(data)).toBe(true);
    }
    expect(got[1].raw.equals(got[0].raw)).toBe(true);
  });

  it('surfaces a 413 once, not retried and not an outage, with the size it sent', async () => {
    const { file } = await audioFile('unit-2.flac', 8_000_000);
    let calls = 0;
    let received = 0;
    const url = await serve((req, res) => {
      calls++;
      // Refuses at once, as a proxy with a body limit does, without reading the body.
      req.on('data', (d: Buffer) => (received += d.length));
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end(
        '{"error":{"message":"Maximum content size limit (26214400) exceeded","type":"invalid_request_error","code":null}}',
      );
    });
    const body = await multipartBody(FIELDS, { ...FILE, path: file });
    // One outage would open this breaker: a 413 must not count as one.
    const client = createHttpClient({
      ...OPENAI,
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 },
    });
    const fds = openFds();
    for (let i = 1; i <= 2; i++) {
      const err = await client
        .send({ method: 'POST', url, what: 'transcriptions', body })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PayloadTooLargeError);
      expect(err).not.toBeInstanceOf(SttCircuitOpenError);
      const e = err as PayloadTooLargeError;
      expect(e.status).toBe(413);
      expect(e.code).toBe('STT_BAD_REQUEST');
      expect(e.retryable).toBe(false);
      expect(e.bodyBytes).toBe(body.bytes);
      expect(e.message).toBe(
        'Whisper transcriptions failed (HTTP 413): Maximum content size limit (26214400) exceeded',
      );
      expect(e.cause).toBeInstanceOf(HttpStatusError);
      expect((e.cause as HttpStatusError).status).toBe(413);
      expect(calls).toBe(i);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toBeLessThan(2 * body.bytes);
    expect(openFds()).toBeLessThanOrEqual(fds);
  });

  it('retries 500 and 502 by default, but not for SpeechKit (429/503/504 only)', async () => {
    const { file } = await audioFile('unit-3.flac', 1000);
    const statuses = [500, 502, 200];
    let calls = 0;
    const url = await serve((req, res) => {
      const status = statuses[calls++] ?? 500;
      void receive(req).then(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? '{"text":"ok"}' : '{"error":{"message":"busy"}}');
      });
    });
    const body = await multipartBody(FIELDS, { ...FILE, path: file });
    const ok = await createHttpClient(OPENAI).send({ method: 'POST', url, what: 'x', body });
    expect(ok.attempts).toBe(3);

    calls = 0;
    const err = await createHttpClient(FAST)
      .send({ method: 'POST', url, what: 'recognizeFileAsync', body })
      .catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).code).toBe('STT_UNAVAILABLE');
    expect((err as JobError).message).toMatch(/^SpeechKit recognizeFileAsync failed \(HTTP 500\)/);
  });

  it('fails the attempt when the file shrank after the body was made', async () => {
    const { file } = await audioFile('unit-4.flac', 100_000);
    let complete = 0;
    const url = await serve((req, res) => {
      // The client drops the connection when the file runs short: the body never completes.
      receive(req).then(
        () => {
          complete++;
          res.end('{}');
        },
        () => undefined,
      );
    });
    const body = await multipartBody(FIELDS, { ...FILE, path: file });
    await writeFile(file, randomBytes(10));
    const err = await createHttpClient({ ...OPENAI, retry: { maxAttempts: 1 } })
      .send({ method: 'POST', url, what: 'transcriptions', body })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobError);
    expect((err as JobError).code).toBe('STT_UNAVAILABLE');
    expect(complete).toBe(0);
  });
});
