/**
 * Hostile media through the real upload API (api + worker in-process, real ffmpeg, SpeechKit
 * double): playlists and concat scripts pointing at another job's upload, at a file outside the
 * data directory and at an http:// URL; an AVI/GAB2 playlist; an SDP file; images and text named
 * .wav; truncated and empty files; duration bombs (24 h of FLAC silence with honest, missing and
 * lying headers, squeezed Matroska timestamps, a 5 h WAV at 100 Hz). The corpus is made by
 * tests/fixtures/hostile/make-corpus.ts into a temp dir.
 *
 * Each refusal must be BAD_USER_INPUT with a stable `extensions.reason` and a message saying what
 * to do, leave no job row, no job directory and send nothing to SpeechKit. The proof that nothing
 * else was read: ffmpeg and ffprobe are replaced (FFMPEG_PATH/FFPROBE_PATH) by wrappers that exec
 * the real binaries under `strace -f`, logging every open/openat/creat, connect/bind/sendto/
 * sendmsg and execve; every path opened must lie in that run's own job directory (its cwd) or in
 * a system directory, the other job's files and the canary must never appear, no socket may be
 * connected, and a local HTTP server records that nobody called. A control run of plain ffprobe
 * (no whitelists) on the same playlist shows the tracer does see the canary being read.
 *
 * Real OGG speech named .mp3 is ACCEPTED: the content decides, not the extension.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CorpusFile } from '../fixtures/hostile/make-corpus.js';
import { FIXTURES_DIR, startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';
import { multipartBody, sendMultipart } from './raw-multipart.js';

const STRACE = ['/usr/bin/strace', '/bin/strace'].find((p) => fs.existsSync(p));
const MONO = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const MAKE_CORPUS = path.resolve(FIXTURES_DIR, '../hostile/make-corpus.ts');

/** Where a refusal's answer must come from, per corpus case. `null`: must be accepted. */
const EXPECTED: Record<string, string | null> = {
  'hls-other-job': 'MEDIA_NOT_AUDIO',
  'hls-relative': 'MEDIA_NOT_AUDIO',
  'hls-canary': 'MEDIA_NOT_AUDIO',
  'hls-http': 'MEDIA_NOT_AUDIO',
  'hls-file-url': 'MEDIA_NOT_AUDIO',
  'ffconcat-absolute': 'MEDIA_NOT_AUDIO',
  'ffconcat-relative': 'MEDIA_NOT_AUDIO',
  'avi-gab2': 'MEDIA_NOT_AUDIO',
  'sdp-rtp': 'MEDIA_NOT_AUDIO',
  'png-as-wav': 'MEDIA_NOT_AUDIO',
  'text-as-wav': 'MEDIA_NOT_AUDIO',
  empty: 'MEDIA_EMPTY',
  'truncated-wav': 'MEDIA_CORRUPT',
  'truncated-mp3': 'MEDIA_CORRUPT',
  'truncated-m4a': 'MEDIA_CORRUPT',
  'truncated-flac': 'MEDIA_CORRUPT',
  'flac-24h': 'MEDIA_TOO_LONG',
  'flac-24h-no-length': 'MEDIA_TOO_LONG',
  'flac-24h-claims-10s': 'MEDIA_TOO_LONG',
  'mka-squeezed-1000x': 'MEDIA_CORRUPT',
  'mka-squeezed-667x': 'MEDIA_TOO_LONG',
  'wav-header-claims-24h': 'MEDIA_CORRUPT',
  'wav-100hz-5h': 'MEDIA_TOO_LONG',
  'ogg-as-mp3': null,
};

/**
 * System paths ffmpeg's libraries open at start: loader cache and libraries, libgcrypt's
 * hardware-feature config (`/etc/gcrypt/hwf.deny`, via libavformat's TLS stack), /proc, /sys
 * (CPU topology), /dev (null output).
 */
const SYSTEM_PREFIXES = [
  '/usr/',
  '/lib/',
  '/lib64/',
  '/etc/ld.so.',
  '/etc/gcrypt/',
  '/proc/',
  '/sys/',
  '/dev/',
];

interface Trace {
  tool: string;
  cwd: string;
  opens: string[];
  connects: string[];
  execs: string[];
  raw: string;
}

let t: TestApp;
let work: string;
let traceDir: string;
let wrappers: { ffmpeg: string; ffprobe: string };
let corpus: CorpusFile[];
let victimJobId: string;
let victimDir: string;
let canaryPath: string;
const httpHits: string[] = [];
let httpServer: http.Server;
const logLines: string[] = [];
const seenTraces = new Set<string>();
const savedEnv = { FFMPEG_PATH: process.env.FFMPEG_PATH, FFPROBE_PATH: process.env.FFPROBE_PATH };

/** A shell wrapper named like `tool` that runs the real one under strace, logging to traceDir. */
function writeWrapper(dir: string, tool: string): string {
  const real = execFileSync('sh', ['-c', `command -v ${tool}`])
    .toString()
    .trim();
  const file = path.join(dir, tool);
  fs.writeFileSync(
    file,
    [
      '#!/bin/sh',
      `# Test wrapper: the real ${tool} under strace (file opens, sockets, exec).`,
      `log="${traceDir}/${tool}.$$"`,
      'pwd -P > "$log.cwd"',
      `exec ${STRACE} -f -qq -y -s 4096 -e signal=none ` +
        '-e trace=open,openat,openat2,creat,execve,connect,bind,sendto,sendmsg ' +
        `-o "$log.trace" ${real} "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return file;
}

/** Unescapes a C string as strace prints it (`\"`, `\\`, `\n`, `\xNN`, octal). */
function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-f]{2}|[0-7]{1,3}|.)/gi, (_m, e: string) => {
    if (/^x/i.test(e)) return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[e] ?? e;
  });
}

function parseTrace(base: string): Trace {
  const raw = fs.readFileSync(`${base}.trace`, 'utf8');
  const cwd = fs.readFileSync(`${base}.cwd`, 'utf8').trim();
  const opens: string[] = [];
  const connects: string[] = [];
  const execs: string[] = [];
  for (const line of raw.split('\n')) {
    const open =
      /\b(?:open|openat|openat2|creat)\((?:(AT_FDCWD|\d+)(?:<([^>]*)>)?,\s*)?"((?:[^"\\]|\\.)*)"/.exec(
        line,
      );
    if (open) {
      const p = unescape(open[3]);
      opens.push(path.isAbsolute(p) ? path.normalize(p) : path.resolve(open[2] ?? cwd, p));
    }
    if (/\bconnect\(/.test(line)) connects.push(line);
    const exec = /\bexecve\("((?:[^"\\]|\\.)*)"/.exec(line);
    if (exec) execs.push(unescape(exec[1]));
  }
  return { tool: path.basename(base).split('.')[0], cwd, opens, connects, execs, raw };
}

/** Whether the process `pid` is still running (a traced run's strace, see {@link writeWrapper}). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Traces of ffmpeg/ffprobe runs since the last call, each read once its strace has exited (the
 * wrapper's `$$` in the file name is strace's pid after the exec), so a run still going — the
 * decode pass the api starts beside the header pass — is not read half-written.
 * A run killed before its program was even executed (its trace has no execve, no open, no
 * connect) read nothing and is left out; any trace that opened or connected is kept and checked.
 */
async function newTraces(): Promise<Trace[]> {
  const bases = fs
    .readdirSync(traceDir)
    .filter((f) => f.endsWith('.trace'))
    .map((f) => path.join(traceDir, f.slice(0, -'.trace'.length)))
    .filter((b) => !seenTraces.has(b));
  const deadline = Date.now() + 15_000;
  for (const b of bases) {
    const pid = Number(path.basename(b).split('.')[1]);
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    seenTraces.add(b);
  }
  return bases
    .map(parseTrace)
    .filter((t) => !isCapabilityListing(t))
    .filter((t) => t.execs.length > 0 || t.opens.length > 0 || t.connects.length > 0);
}

/**
 * `ffmpeg -formats` / `ffmpeg -encoders`, which the api and workers run once at start-up to fill
 * fluent-ffmpeg's capability cache: no input, nothing to confine to a job directory.
 */
function isCapabilityListing(trace: Trace): boolean {
  return /^\d+\s+execve\("[^"]*", \["[^"]*", "-(?:formats|encoders)"\]/.test(trace.raw);
}

const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + path.sep);

/**
 * Asserts a traced run read only its own job directory and system files, never the victim job
 * or the canary, connected nowhere and started no other program. Returns the files it opened
 * outside system directories (for the report).
 */
function expectConfined(trace: Trace, opts: { victim?: boolean } = {}): string[] {
  // ffprobe and ffmpeg run in the job's scratch directory (`<DATA_DIR>/scratch/<jobId>-…/`).
  const jobsDir = path.join(fs.realpathSync(t.dataDir), 'scratch');
  const exec = trace.raw.split('\n')[0];
  expect({ cwd: trace.cwd, inJobs: inside(trace.cwd, jobsDir), exec }).toEqual({
    cwd: trace.cwd,
    inJobs: true,
    exec,
  });
  const foreign = trace.opens.filter(
    (p) => !inside(p, trace.cwd) && !SYSTEM_PREFIXES.some((s) => p.startsWith(s)),
  );
  expect({ cwd: trace.cwd, foreign }).toEqual({ cwd: trace.cwd, foreign: [] });
  if (!opts.victim) {
    expect(trace.cwd).not.toBe(victimDir);
    expect(trace.raw).not.toContain(victimJobId);
  }
  expect(trace.raw).not.toContain(path.basename(canaryPath));
  expect(trace.connects).toEqual([]);
  // Only the real binary itself was executed.
  expect(trace.execs.map((e) => path.basename(e))).toEqual([trace.tool]);
  return trace.opens.filter((p) => inside(p, trace.cwd));
}

async function jobCount(): Promise<number> {
  const r = await t.gql(`{ jobs(first: 100) { totalCount } }`);
  return r.data.jobs.totalCount as number;
}

beforeAll(async () => {
  if (!STRACE) throw new Error('strace is needed for this test (scripts/setup.sh installs it)');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-hostile-'));
  traceDir = path.join(work, 'traces');
  fs.mkdirSync(traceDir);
  fs.mkdirSync(path.join(work, 'bin'));
  fs.mkdirSync(path.join(work, 'corpus'));
  canaryPath = path.join(work, 'canary-secret.aac');
  wrappers = {
    ffmpeg: writeWrapper(path.join(work, 'bin'), 'ffmpeg'),
    ffprobe: writeWrapper(path.join(work, 'bin'), 'ffprobe'),
  };

  httpServer = http.createServer((req, res) => {
    httpHits.push(`${req.method} ${req.url}`);
    res.end();
  });
  httpServer.on('connection', () => httpHits.push('connection'));
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r));
  const httpUrl = `http://127.0.0.1:${(httpServer.address() as { port: number }).port}`;

  process.env.FFMPEG_PATH = wrappers.ffmpeg;
  process.env.FFPROBE_PATH = wrappers.ffprobe;
  t = await startTestApp(
    { LOG_LEVEL: 'warn', RATE_LIMIT_UPLOADS_PER_MINUTE: '1000' },
    { logLines },
  );

  // The victim: another job's upload on the same disk, transcribed and kept.
  const victim = await t.upload(MONO, null, 'victim.ogg');
  victimJobId = victim.data.uploadAudio.id;
  await waitForStatus(t, victimJobId, ['COMPLETED'], 60_000);
  victimDir = path.join(fs.realpathSync(t.dataDir), 'jobs', victimJobId);
  const victimSource = path.join(victimDir, 'source');
  expect(fs.existsSync(victimSource)).toBe(true);
  for (const trace of await newTraces()) expectConfined(trace, { victim: true });

  // In a child process (Node 24 runs the .ts directly), so the app keeps serving meanwhile.
  const made = await promisify(execFile)(
    process.execPath,
    [
      MAKE_CORPUS,
      path.join(work, 'corpus'),
      '--victim',
      victimSource,
      '--canary',
      canaryPath,
      '--url',
      httpUrl,
      '--audio',
      MONO,
    ],
    { env: { ...process.env, NODE_OPTIONS: '' } },
  );
  corpus = JSON.parse(made.stdout) as CorpusFile[];
}, 120_000);

afterAll(async () => {
  process.env.FFMPEG_PATH = savedEnv.FFMPEG_PATH;
  process.env.FFPROBE_PATH = savedEnv.FFPROBE_PATH;
  if (!savedEnv.FFMPEG_PATH) delete process.env.FFMPEG_PATH;
  if (!savedEnv.FFPROBE_PATH) delete process.env.FFPROBE_PATH;
  await t?.close();
  await new Promise((r) => httpServer?.close(r));
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('control: the tracer sees plain ffprobe (no whitelists) read the canary through a playlist', async () => {
  const playlist = corpus.find((c) => c.name === 'hls-canary')!.file;
  const out = execFileSync(
    wrappers.ffprobe,
    ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'csv=p=0', playlist],
    {
      cwd: work,
    },
  ).toString();
  expect(out.trim()).toBe('hls');
  const traces = await newTraces();
  expect(traces).toHaveLength(1);
  expect(traces[0].opens).toContain(canaryPath);
  console.log(
    `control: plain ffprobe on the hls-canary playlist opened ${canaryPath}: the attack is real and the tracer sees it`,
  );
});

test('every hostile file is refused before a job exists, reading nothing but itself', async () => {
  const refusals = corpus.filter((c) => EXPECTED[c.name] !== null);
  expect(refusals.map((c) => c.name).sort()).toEqual(
    Object.keys(EXPECTED)
      .filter((k) => EXPECTED[k] !== null)
      .sort(),
  );
  const jobsBefore = await jobCount();
  const dirsBefore = t.jobDirs();
  const sttBefore = t.double.requests.length;
  await newTraces();

  for (const c of refusals) {
    const size = fs.statSync(c.file).size;
    const started = performance.now();
    const r = await t.upload(c.file, null, c.uploadAs);
    const ms = Math.round(performance.now() - started);
    const err = r.errors?.[0];
    const traces = await newTraces();
    console.log(
      `${c.name.padEnd(24)} ${String(size).padStart(8)} B  HTTP ${r.status} ${err?.extensions?.code}/${err?.extensions?.reason}  ${ms} ms  ffmpeg/ffprobe runs: ${traces.length}  (${c.what})`,
    );
    expect({ name: c.name, code: err?.extensions?.code, reason: err?.extensions?.reason }).toEqual({
      name: c.name,
      code: 'BAD_USER_INPUT',
      reason: EXPECTED[c.name],
    });
    expect(r.data?.uploadAudio ?? null).toBeNull();
    // The message tells the user what to do.
    expect(err.message).toMatch(/\b(upload|split|export|choose)\b/i);
    expect(err.message).not.toMatch(/hls|concat|ffmpeg|ffprobe|whitelist|\/tmp|jobs\//i);
    expect(await jobCount()).toBe(jobsBefore);
    expect(t.jobDirs()).toEqual(dirsBefore);
    expect(t.double.requests.length).toBe(sttBefore);
    if (c.name !== 'empty') expect(traces.length).toBeGreaterThan(0);
    for (const trace of traces) expectConfined(trace);
  }

  expect(httpHits).toEqual([]);
  const errors = logLines
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 50);
  expect(errors).toEqual([]);
  console.log(`http server contacted: ${httpHits.length} times; error log lines: ${errors.length}`);
}, 300_000);

test('real OGG speech named .mp3 is ACCEPTED and transcribed, reading only its own directory', async () => {
  const c = corpus.find((x) => x.name === 'ogg-as-mp3')!;
  await newTraces();
  const started = performance.now();
  const r = await t.upload(c.file, null, c.uploadAs);
  const ms = Math.round(performance.now() - started);
  expect(r.errors).toBeUndefined();
  expect(r.data.uploadAudio).toMatchObject({ filename: 'call.mp3', format: 'ogg', channels: 1 });
  const job = await waitForStatus(t, r.data.uploadAudio.id, ['COMPLETED', 'FAILED'], 60_000);
  expect(job.status).toBe('COMPLETED');
  const traces = await newTraces();
  expect(traces.length).toBeGreaterThan(0);
  for (const trace of traces) expectConfined(trace);
  console.log(
    `${c.name.padEnd(24)} ${String(fs.statSync(c.file).size).padStart(8)} B  HTTP ${r.status} accepted as ${r.data.uploadAudio.format}  ${ms} ms  then ${job.status}; ffmpeg/ffprobe runs: ${traces.length}, all confined`,
  );
}, 120_000);

test('the original file name comes back as display text only', async () => {
  const file = fs.readFileSync(MONO);
  const cases: Array<[string, string, (s: string) => void]> = [
    [
      'bidi override, NUL, CR/LF, zero-width, path',
      `filename*=UTF-8''${encodeURIComponent('../../etc/Қоңырау\u202Egpj.exe\u0000\r\n\u200b.ogg')}`,
      (s) => expect(s).toBe('Қоңырауgpj.exe .ogg'),
    ],
    [
      'decomposed Kazakh letters (NFD)',
      `filename*=UTF-8''${encodeURIComponent('Қоңырау.ogg'.normalize('NFD'))}`,
      (s) => expect(s).toBe('Қоңырау.ogg'.normalize('NFC')),
    ],
    [
      '2 000-character name',
      `filename*=UTF-8''${encodeURIComponent('ә'.repeat(2000) + '.ogg')}`,
      (s) => {
        expect([...s]).toHaveLength(255);
        expect(s.endsWith('….ogg')).toBe(true);
      },
    ],
  ];
  for (const [what, disposition, check] of cases) {
    const { body, boundary } = multipartBody(file, disposition);
    const r = await sendMultipart(Number(new URL(t.url).port), body, boundary);
    expect(r.json.errors).toBeUndefined();
    const name = r.json.data.uploadAudio.filename as string;
    check(name);
    expect(name).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\//u);
    console.log(
      `filename: ${what} -> ${JSON.stringify(name.length > 40 ? `${name.slice(0, 12)}…(${[...name].length} code points)…${name.slice(-6)}` : name)}`,
    );
    const stored = t.jobDirs().includes(r.json.data.uploadAudio.id);
    expect(stored).toBe(true);
    expect(fs.readdirSync(path.join(t.dataDir, 'jobs', r.json.data.uploadAudio.id))).toContain(
      'source',
    );
  }
});
