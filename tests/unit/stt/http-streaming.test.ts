/**
 * The SpeechKit HTTP transport with streamed bodies, against small real HTTP servers on
 * 127.0.0.1 that misbehave in ways the SpeechKit double does not: answering before the request
 * body is in, and breaking off an answer half way.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobError } from '../../../src/errors.js';
import { createHttpClient } from '../../../src/stt/http/index.js';
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
