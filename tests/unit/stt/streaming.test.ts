/**
 * The streamed halves of the SpeechKit client: the recognizeFileAsync body produced from the
 * audio file piece by piece, and the getRecognition body parsed as it arrives. Both must be
 * byte-for-byte / value-for-value what the whole-text versions give, however the input is cut.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JobError } from '../../../src/errors.js';
import {
  buildRecognizeFileOptions,
  encodeRecognizeFileBody,
  MAX_REQUEST_BODY_BYTES,
  recognizeFileBody,
} from '../../../src/stt/speechkit/request.js';
import {
  JsonValueSplitter,
  parseRecognitionChunks,
  parseRecognitionStream,
  splitJsonValues,
} from '../../../src/stt/speechkit/result-stream.js';
import { recognize, renderResultStream } from '../../speechkit-double/recognizer.js';

const options = buildRecognizeFileOptions(
  {
    channels: 1,
    languages: ['kk-KZ', 'ru-RU'],
    speakerLabeling: true,
    profanityFilter: false,
    textNormalization: true,
  },
  'general',
);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'kazru-streaming-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

const openFds = () => readdirSync('/proc/self/fd').length;

describe('recognizeFileBody', () => {
  it.each([0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 100, 1001])(
    'streams %i bytes of audio exactly as encodeRecognizeFileBody, for any piece size',
    async (size) => {
      const audio = randomBytes(size);
      const file = path.join(dir, `audio-${size}.ogg`);
      await writeFile(file, audio);
      const whole = encodeRecognizeFileBody(audio, options);
      for (const chunkBytes of [3, 6, 9, 48]) {
        const body = recognizeFileBody(file, size, options, chunkBytes);
        expect(body.bytes).toBe(whole.bytes);
        const first = await collect(body.open());
        expect(first.toString('utf8')).toBe(whole.json);
        expect(first.length).toBe(body.bytes);
        // a retry opens it again and gets the same bytes
        expect((await collect(body.open())).equals(first)).toBe(true);
      }
    },
  );

  it('refuses an oversized body with AUDIO_TOO_LARGE before opening the file', () => {
    let caught: unknown;
    try {
      recognizeFileBody(path.join(dir, 'does-not-exist.ogg'), MAX_REQUEST_BODY_BYTES, options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(JobError);
    expect((caught as JobError).code).toBe('AUDIO_TOO_LARGE');
    expect((caught as JobError).retryable).toBe(false);
  });

  it('fails when the file is shorter than announced, and closes the file when stopped early', async () => {
    const file = path.join(dir, 'short.ogg');
    await writeFile(file, randomBytes(10));
    await expect(collect(recognizeFileBody(file, 20, options, 3).open())).rejects.toThrow(
      /10 bytes short/,
    );
    const before = openFds();
    const stream = recognizeFileBody(file, 10, options, 3).open();
    await stream.next(); // head
    await stream.next(); // first piece: the file is open now
    expect(openFds()).toBe(before + 1);
    await stream.return(undefined);
    expect(openFds()).toBe(before);
  });
});

/** Every way to cut `text` in two, plus one-character pieces. */
function cuts(text: string): string[][] {
  const out: string[][] = [[...text]];
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

describe('JsonValueSplitter', () => {
  const a = { result: { text: 'a } b { "c" \\ d', n: [1, { x: '[' }] } };
  const b = { result: { y: '}{"' } };
  const bodies = [
    `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`,
    JSON.stringify(a, null, 2) + JSON.stringify(b, null, 4),
    `\uFEFF ${JSON.stringify(a)} ,\n\t[${JSON.stringify(b)}]  `,
  ];
  it.each(bodies.map((body, i) => [i, body]))(
    'gives the same values however body %i is cut',
    (_i, body) => {
      const expected = splitJsonValues(body);
      for (const pieces of cuts(body)) {
        const splitter = new JsonValueSplitter();
        const got = pieces.flatMap((p) => splitter.push(p));
        splitter.end();
        expect(got).toEqual(expected);
      }
    },
  );

  it('holds only the value in progress and reports positions in the whole text', () => {
    const splitter = new JsonValueSplitter();
    expect(splitter.push('{"a":1}  {"b":')).toEqual([{ a: 1 }]);
    expect(splitter.push('2}')).toEqual([{ b: 2 }]);
    expect(() => splitter.push(' x')).toThrow(/at character 17/);
    const truncated = new JsonValueSplitter();
    truncated.push('{"a":1}\n{"b":');
    expect(() => truncated.end()).toThrow(JobError);
  });
});

describe('parseRecognitionChunks', () => {
  /** A real getRecognition body from the double: Kazakh and Russian text, words, three kinds. */
  const body = renderResultStream(
    recognize({
      pcm: [new Int16Array(16_000 * 3).map((_, i) => (i % 16_000 < 8000 ? 8000 : 0))],
      speakerLabeling: false,
      manifests: [],
    }),
    'op-1',
  ).replaceAll('утверждение', 'сәлеметсіз бе, утверждение');

  it('matches parseRecognitionStream when the bytes are cut anywhere, even inside a character', async () => {
    const bytes = Buffer.from(body, 'utf8');
    const expected = parseRecognitionStream(body);
    expect(expected.length).toBeGreaterThan(1);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      async function* chunks() {
        yield bytes.subarray(0, cut);
        yield bytes.subarray(cut);
      }
      const { utterances, bytes: n } = await parseRecognitionChunks(chunks());
      expect(utterances).toEqual(expected);
      expect(n).toBe(bytes.length);
    }
  });

  it('reports a truncated stream and an error message like the whole-text parser', async () => {
    async function* of(...parts: string[]) {
      for (const p of parts) yield Buffer.from(p);
    }
    await expect(parseRecognitionChunks(of('{"result":{"final":'))).rejects.toMatchObject({
      code: 'STT_RESULT_MALFORMED',
    });
    await expect(
      parseRecognitionChunks(of('{"error":{"code":13,', '"message":"Internal"}}\n')),
    ).rejects.toMatchObject({ code: 'STT_OPERATION_FAILED' });
    await expect(parseRecognitionChunks(of())).resolves.toEqual({ utterances: [], bytes: 0 });
  });
});
