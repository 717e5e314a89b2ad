/**
 * The OpenAI-compatible speech-to-text test double, spoken to over real HTTP (fetch + FormData)
 * with real audio cut by ffmpeg from the fixtures: recognition of pieces (also of a looped
 * recording and of one channel of the stereo call), each flavour's wire shape, language
 * behaviour, validation, auth, size limit, faults and concurrency.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadManifests } from '../speechkit-double/manifest.js';
import {
  SILENCE_HALLUCINATION,
  TRANSLATION_MARK,
  startOpenAiDouble,
  type OpenAiDouble,
  type OpenAiDoubleOptions,
} from '../openai-double/index.js';

const FIXTURES = path.resolve('tests/fixtures/audio');
const manifests = loadManifests(FIXTURES);
const dialogue = manifests.find((m) => m.file === 'dialogue-mono.ogg')!;
const call = manifests.find((m) => m.file === 'call-stereo.ogg')!;
const U = dialogue.utterances;
const KEY = 'sk-test-double-key';

let dir: string;
const audio: Record<string, Buffer> = {};
const doubles: OpenAiDouble[] = [];

function ffmpeg(...args: string[]) {
  execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'openai-double-'));
  const at = (name: string) => path.join(dir, name);
  const src = path.join(FIXTURES, dialogue.file);
  // Utterances 2–4 of the dialogue (6.0 s … 20.3 s), as FLAC.
  ffmpeg('-ss', '6.0', '-t', '14.3', '-i', src, '-ac', '1', at('mid.flac'));
  // The dialogue looped like the long test recordings, and the same span of its 3rd play.
  ffmpeg('-stream_loop', '-1', '-i', src, '-t', '70', '-c', 'copy', at('loop.ogg'));
  const period = 20.56;
  ffmpeg(
    '-ss',
    String(2 * period + 6.0),
    '-t',
    '14.3',
    '-i',
    at('loop.ogg'),
    '-ac',
    '1',
    at('loop3.flac'),
  );
  // Utterance 1 alone (Kazakh), as OGG/Opus.
  ffmpeg('-ss', '0', '-t', '6.1', '-i', src, '-c:a', 'libopus', '-b:a', '24k', at('kk.ogg'));
  // The right channel of the stereo call, 5 s … 16 s (utterance 2, speaker 1).
  ffmpeg(
    '-ss',
    '5',
    '-t',
    '11',
    '-i',
    path.join(FIXTURES, call.file),
    '-af',
    'pan=mono|c0=c1',
    at('ch1.flac'),
  );
  ffmpeg('-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '3', at('silence.flac'));
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-ac', '1', at('sine.flac'));
  for (const name of [
    'mid.flac',
    'loop3.flac',
    'kk.ogg',
    'ch1.flac',
    'silence.flac',
    'sine.flac',
  ]) {
    audio[name] = await readFile(at(name));
  }
});
afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
  await rm(dir, { recursive: true, force: true });
});

async function start(opts: OpenAiDoubleOptions): Promise<OpenAiDouble> {
  const d = await startOpenAiDouble({ manifests, fixturesDir: FIXTURES, ...opts });
  doubles.push(d);
  return d;
}

type Fields = Record<string, string | string[]>;

/** A word as the flavours write it (OpenAI top-level; whisper.cpp/speaches in segments). */
interface WireWord {
  word: string;
  start: number;
  end: number;
  probability?: number;
  t_dtw?: number;
}
/** A segment, any flavour (diarized_json's has a string id, `speaker` and `type`). */
interface WireSegment {
  id: number | string;
  start: number;
  end: number;
  text: string;
  avg_logprob: number;
  no_speech_prob: number | null;
  compression_ratio?: number;
  words?: WireWord[] | null;
  speaker?: string;
}
/** The JSON bodies the double answers: a transcription or an error envelope. */
interface WireBody {
  task?: string;
  language: string;
  duration: number | string;
  text: string;
  segments: WireSegment[];
  words?: WireWord[] | null;
  usage?: { type: string; seconds: number };
  detected_language?: string;
  language_probabilities: Record<string, number>;
  error: { message: string; type: string; param: string | null; code: string | null };
}
interface Answer {
  status: number;
  headers: Headers;
  json: WireBody;
  text: string;
}

/** POSTs a multipart transcription request the way the service does. */
async function post(
  url: string,
  file: string | undefined,
  fields: Fields,
  init: { key?: string; signal?: AbortSignal } = {},
): Promise<Answer> {
  const form = new FormData();
  if (file) form.append('file', new Blob([audio[file]]), file);
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
  }
  const res = await fetch(url, {
    method: 'POST',
    body: form,
    headers: init.key ? { authorization: `Bearer ${init.key}` } : {},
    signal: init.signal,
  });
  const text = await res.text();
  let json = undefined as unknown as WireBody;
  try {
    json = JSON.parse(text) as WireBody;
  } catch {
    // text answers (srt, 404 pages) keep `json` undefined
  }
  return { status: res.status, headers: res.headers, json, text };
}

const verbose = (extra: Fields = {}): Fields => ({
  model: 'whisper-1',
  response_format: 'verbose_json',
  'timestamp_granularities[]': ['word', 'segment'],
  temperature: '0',
  ...extra,
});

/** Sorted keys of a wire object. */
const keys = (o: object) => Object.keys(o).sort();

/** Manifest time (ms) of a fixture utterance, relative to a piece starting at `offsetS`. */
const rel = (ms: number, offsetS: number) => ms / 1000 - offsetS;

describe('OpenAI-compatible test double', () => {
  let openai: OpenAiDouble;
  beforeAll(async () => {
    openai = await start({ flavour: 'openai', apiKey: KEY });
  });

  it('finds a piece of the dialogue: exactly its utterances, times relative to the piece', async () => {
    const r = await post(
      `${openai.url}/audio/transcriptions`,
      'mid.flac',
      verbose({ language: 'ru' }),
      { key: KEY },
    );
    expect(r.status).toBe(200);
    const segs = r.json.segments as {
      start: number;
      end: number;
      text: string;
      avg_logprob: number;
    }[];
    expect(segs).toHaveLength(3);
    [U[1], U[2], U[3]].forEach((u, i) => {
      expect(Math.abs(segs[i].start - rel(u.startMs, 6))).toBeLessThanOrEqual(0.15);
      expect(Math.abs(segs[i].end - rel(u.endMs, 6))).toBeLessThanOrEqual(0.15);
    });
    // Russian utterances in Russian: the manifest text, confident.
    expect(segs[0].text.trim()).toBe(U[1].text);
    expect(segs[2].text.trim()).toBe(U[3].text);
    expect(segs[0].avg_logprob).toBeGreaterThan(-0.5);
    // The Kazakh one forced to Russian: mangled, with a failing log probability.
    expect(segs[1].text.trim()).not.toBe(U[2].text);
    expect(segs[1].avg_logprob).toBeLessThan(-1);
    expect(r.json).toMatchObject({
      task: 'transcribe',
      language: 'russian',
      usage: { type: 'duration', seconds: 15 },
    });
    expect(r.json.duration).toBeCloseTo(14.3, 1);
    // Top-level words, punctuation stripped, inside their segments.
    const words = r.json.words!;
    expect(words[0].word).toBe('Здравствуйте');
    expect(words.length).toBe(U.slice(1).reduce((n, u) => n + u.text.split(' ').length, 0));
    expect(words[0].start).toBeGreaterThanOrEqual(segs[0].start);
    const rec = openai.requests.at(-1)!;
    expect(rec).toMatchObject({
      status: 200,
      language: 'ru',
      timestampGranularities: ['word', 'segment'],
    });
    expect(rec.transcription?.match).toMatchObject({ channel: 0 });
    expect(rec.transcription?.match?.manifest.file).toBe(dialogue.file);
    expect(rec.audioSeconds).toBeCloseTo(14.3, 1);
  });

  it('finds the same span in the 3rd play of a looped recording (whisper.cpp, language=auto)', async () => {
    const d = await start({ flavour: 'whisper.cpp' });
    const r = await post(d.endpoint, 'loop3.flac', {
      response_format: 'verbose_json',
      language: 'auto',
    });
    expect(r.status).toBe(200);
    expect(r.json.language).toBe('russian'); // 2 of 3 utterances, most of the speech
    expect(r.json.detected_language).toBe('russian');
    expect(r.json.language_probabilities.ru).toBeGreaterThan(r.json.language_probabilities.kk);
    const segs = r.json.segments;
    expect(segs.map((s) => s.text.trim())).toHaveLength(3);
    expect([segs[0].text.trim(), segs[2].text.trim()]).toEqual([U[1].text, U[3].text]);
    expect(Math.abs(segs[0].start - rel(U[1].startMs, 6))).toBeLessThanOrEqual(0.15);
    expect(keys(segs[0].words![0])).toEqual(['end', 'probability', 'start', 't_dtw', 'word']);
    expect(segs[0].words![0]).toMatchObject({ word: ' Здравствуйте.', t_dtw: -1 });
    expect(segs[0]).not.toHaveProperty('compression_ratio');
    expect(r.json).not.toHaveProperty('words');
    // The offset is known within one play (6.0 s into it), not which play it was.
    expect(Math.abs(d.requests[0].transcription!.match!.fixtureOffsetMs - 6000)).toBeLessThan(150);
  });

  it('hears one channel of the stereo call as that speaker only', async () => {
    const r = await post(`${openai.url}/audio/transcriptions`, 'ch1.flac', verbose(), { key: KEY });
    expect(r.json.language).toBe('russian');
    expect(r.json.segments.map((s) => s.text.trim())).toEqual([call.utterances[1].text]);
    expect(openai.requests.at(-1)!.transcription?.match).toMatchObject({ channel: 1 });
  });

  it('answers in each flavour’s verbose_json shape', async () => {
    const d = await start({ flavour: 'openai' });
    const fields = verbose({ language: 'kk' });
    const shapes: Record<string, Answer> = {};
    for (const flavour of ['openai', 'whisper.cpp', 'speaches', 'vllm'] as const) {
      d.setFlavour(flavour);
      shapes[flavour] = await post(d.endpoint, 'kk.ogg', fields);
      expect(shapes[flavour].status).toBe(200);
    }
    const { openai: o, 'whisper.cpp': w, speaches: s, vllm: v } = shapes;
    expect(o.json).toMatchObject({ language: 'kazakh', text: U[0].text, usage: { seconds: 7 } });
    expect(typeof o.json.duration).toBe('number');
    expect(keys(o.json.segments[0])).toEqual(
      'avg_logprob compression_ratio end id no_speech_prob seek start temperature text tokens'.split(
        ' ',
      ),
    );
    expect(o.json.segments[0]).toMatchObject({
      id: 0,
      seek: 0,
      text: ` ${U[0].text}`,
      temperature: 0,
    });
    expect(keys(o.json.words![0])).toEqual(['end', 'start', 'word']);
    expect(o.json.words![0].word).toBe('Сәлеметсіз');

    expect(w.json).toMatchObject({ language: 'kazakh', detected_language: 'kazakh' });
    expect(w.json.segments[0].words!.length).toBe(U[0].text.split(' ').length);

    expect(s.json).toMatchObject({ task: 'transcribe', language: 'kk', words: null });
    expect(s.json.segments[0].words).toBeNull();
    expect(s.json.segments[0].compression_ratio).toBeGreaterThan(0);

    expect(v.json).toMatchObject({ language: 'kk', words: null });
    expect(typeof v.json.duration).toBe('string');
    expect(Number(v.json.duration)).toBeCloseTo(6.1, 1);
    expect(v.json.segments[0]).toMatchObject({
      avg_logprob: -1,
      compression_ratio: -1,
      no_speech_prob: null,
    });
  });

  it('auto-detects when the language is omitted (openai) and translates to English (whisper.cpp)', async () => {
    const d = await start({ flavour: 'whisper.cpp', misdetect: { from: 'kk', to: 'tt' } });
    const en = await post(d.endpoint, 'kk.ogg', { response_format: 'verbose_json' });
    expect(en.json.language).toBe('english');
    expect(en.json.text.trim().startsWith(TRANSLATION_MARK)).toBe(true);
    const tt = await post(d.endpoint, 'kk.ogg', {
      response_format: 'verbose_json',
      language: 'auto',
    });
    expect(tt.json.language).toBe('tatar');
    expect(tt.json.segments[0].avg_logprob).toBeLessThan(-1);
    const auto = await post(`${openai.url}/audio/transcriptions`, 'kk.ogg', verbose(), {
      key: KEY,
    });
    expect(auto.json).toMatchObject({ language: 'kazakh', text: U[0].text });
  });

  it('hallucinates on silence where Whisper does, and not where a VAD runs first', async () => {
    const r = await post(`${openai.url}/audio/transcriptions`, 'silence.flac', verbose(), {
      key: KEY,
    });
    expect(r.json.text).toBe(SILENCE_HALLUCINATION);
    expect(r.json.segments[0].no_speech_prob).toBeGreaterThan(0.6);
    expect(r.json.segments[0].avg_logprob).toBeLessThan(-1);
    const speaches = await start({ flavour: 'speaches' });
    const quiet = await post(speaches.endpoint, 'silence.flac', verbose());
    expect(quiet.json).toMatchObject({ text: '', segments: [] });
  });

  it('gives audio of no fixture a [demo] placeholder per speech region', async () => {
    const r = await post(
      `${openai.url}/audio/transcriptions`,
      'sine.flac',
      verbose({ language: 'ru' }),
      { key: KEY },
    );
    expect(r.status).toBe(200);
    expect(r.json.text).toBe('[demo] speech, 3.0 s, not recognised');
    expect(openai.requests.at(-1)!.transcription?.kind).toBe('unknown');
  });

  it('requires the Bearer key', async () => {
    const url = `${openai.url}/audio/transcriptions`;
    const none = await post(url, 'kk.ogg', verbose());
    const wrong = await post(url, 'kk.ogg', verbose(), { key: 'sk-wrong-key-123' });
    for (const r of [none, wrong]) {
      expect(r.status).toBe(401);
      expect(r.json.error).toMatchObject({
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      });
    }
    expect(wrong.json.error.message).toContain('sk-***-123');
  });

  it('refuses a body over the size limit with 413 without reading it all', async () => {
    const d = await start({ flavour: 'openai', maxRequestBytes: 20_000 });
    const r = await post(d.endpoint, 'mid.flac', verbose());
    expect(r.status).toBe(413);
    expect(r.json.error.message).toMatch(/Maximum content size limit \(20000\) exceeded/);
    expect(d.audioSecondsTotal()).toBe(0);

    // Streamed without Content-Length: read only up to just past the limit, then 413.
    const form = new FormData();
    form.append('model', 'whisper-1');
    form.append('file', new Blob([audio['mid.flac']]), 'mid.flac');
    const encoded = new Request('http://x', { method: 'POST', body: form });
    const bytes = new Uint8Array(await encoded.arrayBuffer());
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= bytes.length) return controller.close();
        controller.enqueue(bytes.subarray(sent, sent + 16_384));
        sent += 16_384;
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    const res = await fetch(d.endpoint, {
      method: 'POST',
      body,
      headers: { 'content-type': encoded.headers.get('content-type')! },
      duplex: 'half',
    });
    expect(res.status).toBe(413);
    await res.text();
    expect(d.requests.at(-1)!.bodyBytes).toBeLessThan(bytes.length / 2);
  });

  it('validates like the servers', async () => {
    const d = await start({ flavour: 'openai' });
    const noFile = await post(d.endpoint, undefined, verbose());
    expect(noFile.status).toBe(400);
    expect(noFile.json.error.param).toBe('file');
    const badFormat = await post(d.endpoint, 'kk.ogg', verbose({ response_format: 'yaml' }));
    expect(badFormat.status).toBe(400);
    const granularityWithJson = await post(
      d.endpoint,
      'kk.ogg',
      verbose({ response_format: 'json' }),
    );
    expect(granularityWithJson.status).toBe(400);
    const diarizedOff = await post(d.endpoint, 'kk.ogg', {
      model: 'gpt-4o-transcribe-diarize',
      response_format: 'diarized_json',
    });
    expect(diarizedOff.status).toBe(400);
    audio['junk.flac'] = Buffer.from('fLaC this is not audio at all');
    const junk = await post(d.endpoint, 'junk.flac', verbose());
    expect(junk.status).toBe(400);
    expect(junk.json.error.message).toMatch(/could not be decoded/);

    d.setFlavour('speaches');
    const unbracketed = await post(d.endpoint, 'kk.ogg', {
      model: 'Systran/faster-whisper-large-v3',
      response_format: 'verbose_json',
      timestamp_granularities: 'word',
    });
    expect(unbracketed.status).toBe(200);
    expect(d.requests.at(-1)!.ignoredFields).toEqual(['timestamp_granularities']);
    expect((await post(d.endpoint, undefined, { model: 'm' })).status).toBe(422);
  });

  it('labels speakers in diarized_json when the server diarizes', async () => {
    const d = await start({ flavour: 'openai', diarization: true });
    const r = await post(d.endpoint, 'mid.flac', {
      model: 'gpt-4o-transcribe-diarize',
      response_format: 'diarized_json',
    });
    expect(r.status).toBe(200);
    expect(r.json.segments.map((s) => s.speaker)).toEqual(['A', 'B', 'A']);
    expect(r.json.segments[0]).toMatchObject({
      id: 'seg_0',
      type: 'transcript.text.segment',
      text: U[1].text,
    });
  });

  it('plays scripted faults and counts only delivered audio', async () => {
    const d = await start({ flavour: 'openai' });
    d.faults.push(
      { on: 'submit', status: 429, retryAfter: '2' },
      { on: 'submit', reset: true },
      { on: 'submit', delayMs: 60_000 },
    );
    const limited = await post(d.endpoint, 'kk.ogg', verbose());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.json.error.code).toBe('rate_limit_exceeded');
    await expect(post(d.endpoint, 'kk.ogg', verbose())).rejects.toThrow();
    // Long enough for the double to have read the whole request and reached its 60 s delay on a
    // loaded machine (with 500 ms the client sometimes gave up while the body was still being
    // read: a reset, not an abort of a request in progress).
    await expect(
      post(d.endpoint, 'kk.ogg', verbose(), { signal: AbortSignal.timeout(3000) }),
    ).rejects.toThrow();
    expect((await post(d.endpoint, 'kk.ogg', verbose())).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(d.requests.map((r) => r.status ?? (r.aborted ? 'aborted' : 'reset'))).toEqual([
      429,
      'reset',
      'aborted',
      200,
    ]);
    expect(d.audioSecondsTotal()).toBeCloseTo(4 * 6.1, 0);
    expect(d.audioSecondsReceived()).toBeCloseTo(6.1, 1);
  });

  it('serves one request at a time as whisper.cpp does', async () => {
    const d = await start({ flavour: 'whisper.cpp', latencyMs: 400 });
    const t0 = Date.now();
    const done: number[] = [];
    await Promise.all(
      [0, 1].map(() =>
        post(d.endpoint, 'kk.ogg', { response_format: 'json' }).then(() =>
          done.push(Date.now() - t0),
        ),
      ),
    );
    expect(d.maxObservedConcurrency).toBe(2);
    expect(Math.max(...done)).toBeGreaterThanOrEqual(800);
    expect(d.requests.every((r) => r.status === 200)).toBe(true);
    const atInference = await start({ flavour: 'whisper.cpp', path: '/inference' });
    const wrongPath = await post(`${atInference.url}/audio/transcriptions`, 'kk.ogg', {});
    expect(wrongPath.status).toBe(404);
    expect(wrongPath.text).toBe('File Not Found (/v1/audio/transcriptions)');
  });
});
