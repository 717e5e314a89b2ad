/**
 * The `kazru` command-line client end to end: the built CLI (`dist/src/cli/main.js`, so
 * `npm run build:server` first) spawned as a partner would run it, against the real service
 * (api + worker in this process, AUTH_MODE=api-key, SQLite, the SpeechKit double). Covers:
 * transcribe --wait --format srt --out writing a valid SRT of a real fixture, the exit codes of a
 * bad key (3, the server's message), an unknown job (4), bad flags (2), `--json` on every
 * command, webhooks, usage, and a 320 MiB upload streamed with the CLI's peak RSS below the
 * file's size.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR, manifest, startTestApp, type TestApp } from '../helpers/harness.js';
import { REPO_ROOT } from '../helpers/repo-root.js';
import type {
  CliCreateWebhookMutation,
  CliEndpointFieldsFragment,
  CliJobFieldsFragment,
  CliShowJobQuery,
  CliUsageQuery,
} from '../../src/cli/generated/graphql.js';

const CLI = path.join(REPO_ROOT, 'dist/src/cli/main.js');
const STEREO = path.join(FIXTURES_DIR, 'call-stereo.ogg');

let t: TestApp;
let key: string;
let tmp: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI (asynchronously: the server answering it runs in this process). */
function kazru(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { PATH: process.env.PATH, KAZRU_URL: t.url, KAZRU_API_KEY: key, ...env },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 45_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  t = await startTestApp({
    AUTH_MODE: 'api-key',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  });
  key = await t.createTenantKey('cli-partner');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-cli-'));
}, 60_000);
afterAll(async () => {
  await t?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('kazru transcribe', () => {
  let jobId: string;

  test('--wait --format srt --out writes the SRT of the recording and exits 0', async () => {
    const out = path.join(tmp, 'exports');
    const r = await kazru([
      '--json',
      'transcribe',
      STEREO,
      '--language',
      'kk-KZ,ru-RU',
      '--diarization',
      'channels',
      '--wait',
      '--format',
      'srt',
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/kazru: /);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as {
      jobs: { job: { id: string; status: string }; exports: { path: string; format: string }[] }[];
    };
    expect(result.jobs).toHaveLength(1);
    expect(result.jobs[0].job.status).toBe('COMPLETED');
    jobId = result.jobs[0].job.id;
    // Not a TTY: progress comes as plain lines on stderr (upload, then the job's statuses).
    expect(r.stderr).toMatch(/upload call-stereo\.ogg: 100%/);
    expect(r.stderr).toMatch(/job call-stereo\.ogg: COMPLETED 100%/);

    const [srtExport] = result.jobs[0].exports;
    expect(srtExport.format).toBe('SRT');
    expect(path.dirname(srtExport.path)).toBe(out);
    expect(path.basename(srtExport.path)).toBe('call-stereo.srt');
    const srt = fs.readFileSync(srtExport.path, 'utf8');
    const cues = srt.trim().split(/\r?\n\r?\n/);
    const utterances = manifest('call-stereo.ogg').utterances;
    expect(cues.length).toBeGreaterThanOrEqual(utterances.length);
    cues.forEach((cue, i) => {
      const [n, times, ...text] = cue.split(/\r?\n/);
      expect(n).toBe(String(i + 1));
      expect(times).toMatch(/^\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}$/);
      expect(text.join(' ').trim()).not.toBe('');
    });
    // Channel diarization: the Kazakh agent and the Russian caller are two speakers.
    const flat = srt.replace(/\s+/g, ' '); // cues wrap long lines
    for (const u of utterances) expect(flat).toContain(u.text);
    expect(new Set(srt.match(/^[^\n:]+(?=: )/gm)).size).toBe(2);
  }, 45_000);

  test('two recordings with the same name in one run get two exports, neither overwritten', async () => {
    const a = path.join(tmp, 'day1');
    const b = path.join(tmp, 'day2');
    fs.mkdirSync(a, { recursive: true });
    fs.mkdirSync(b, { recursive: true });
    fs.copyFileSync(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'), path.join(a, 'call.ogg'));
    fs.copyFileSync(STEREO, path.join(b, 'call.ogg'));
    const out = path.join(tmp, 'same-name');
    const r = await kazru([
      '--json',
      'transcribe',
      path.join(a, 'call.ogg'),
      path.join(b, 'call.ogg'),
      '--wait',
      '--format',
      'txt',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as {
      jobs: { job: { id: string }; exports: { path: string }[] }[];
    };
    const paths = result.jobs.map((j) => j.exports[0].path);
    expect(new Set(paths).size).toBe(2);
    expect(fs.readdirSync(out).sort()).toEqual(paths.map((p) => path.basename(p)).sort());
    // Each file holds its own job's export (what `kazru export ID` prints for it).
    for (const j of result.jobs) {
      const own = await kazru(['export', j.job.id, '--format', 'txt', '--out', '-']);
      expect(own.code).toBe(0);
      expect(fs.readFileSync(j.exports[0].path, 'utf8')).toBe(own.stdout);
    }
    // The first written keeps the server's name; the other carries its job id.
    const names = result.jobs.map((j) => path.basename(j.exports[0].path));
    const suffixed = result.jobs.map((j) => `call-${j.job.id.slice(0, 8)}.txt`);
    expect(names.filter((n) => n === 'call.txt')).toHaveLength(1);
    expect(names.some((n, i) => n === suffixed[i])).toBe(true);
  }, 45_000);

  test('show, jobs and export of that job, in tables and in --json', async () => {
    const shown = await kazru(['show', jobId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^Job: +${jobId}$`, 'm'));
    expect(shown.stdout).toMatch(/^Status: +COMPLETED$/m);
    expect(shown.stdout).toMatch(/^Diarization: +CHANNELS$/m);

    const showJson = JSON.parse((await kazru(['--json', 'show', jobId])).stdout) as CliShowJobQuery;
    expect(showJson.job).toMatchObject({ id: jobId, status: 'COMPLETED', channels: 2 });
    expect(showJson.job!.transcript!.speakers).toHaveLength(2);

    const list = await kazru(['jobs', '--json', '--first', '5']);
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout) as { totalCount: number; jobs: CliJobFieldsFragment[] };
    expect(page.jobs.map((j) => j.id)).toContain(jobId);
    expect(page.totalCount).toBeGreaterThanOrEqual(1);
    expect((await kazru(['jobs'])).stdout).toMatch(new RegExp(`^${jobId} +COMPLETED +100%`, 'm'));

    const docx = path.join(tmp, 'call.docx');
    const exp = await kazru([
      'export',
      jobId,
      '--format',
      'docx',
      '--script',
      'kazakh-latin-2021',
      '--out',
      docx,
    ]);
    expect(exp.code).toBe(0);
    expect(fs.readFileSync(docx).subarray(0, 2).toString()).toBe('PK'); // a ZIP (OOXML)
    const txt = await kazru([
      'export',
      jobId,
      '--format',
      'txt',
      '--script',
      'kazakh-latin-2021',
      '--out',
      '-',
    ]);
    expect(txt.code).toBe(0);
    expect(txt.stdout).toContain('Sälemetsız be'); // Kazakh Latin 2021
  }, 30_000);
});

describe('exit codes', () => {
  test('a bad key exits 3 with the server’s message and code', async () => {
    const r = await kazru(['jobs'], { KAZRU_API_KEY: 'kzr_not-a-real-key' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('The API key is not valid');
    expect(r.stderr).toContain('[UNAUTHENTICATED]');
    const json = await kazru(['--json', 'jobs'], { KAZRU_API_KEY: 'kzr_not-a-real-key' });
    expect(json.code).toBe(3);
    expect((JSON.parse(json.stdout) as { error: unknown }).error).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  test('a bad key on upload exits 3 too (refused before the body is read)', async () => {
    const r = await kazru(['transcribe', STEREO], { KAZRU_API_KEY: 'kzr_nope' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('The API key is not valid');
  });

  test('an unknown job exits 4', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const args of [
      ['show', id],
      ['export', id, '--format', 'srt', '--out', '-'],
      ['delete', id],
    ]) {
      const r = await kazru(args);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/kazru: .*(No job|not found)/i);
    }
  });

  test('bad flags exit 2; the server refusing input exits 2 with its reason', async () => {
    expect((await kazru(['jobs', '--bogus'])).code).toBe(2);
    expect((await kazru(['transcribe'])).code).toBe(2);
    expect((await kazru(['transcribe', path.join(tmp, 'missing.wav')])).code).toBe(2);
    expect((await kazru(['transcribe', STEREO, '--diarization', 'sideways'])).code).toBe(2);
    const notAudio = path.join(tmp, 'notes.wav');
    fs.writeFileSync(notAudio, 'this is not audio at all\n'.repeat(100));
    const r = await kazru(['transcribe', notAudio]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[BAD_USER_INPUT\]/);
    // Among several files, the refused one is reported and the others are still uploaded.
    const several = await kazru(['--json', 'transcribe', notAudio, STEREO]);
    expect(several.code).toBe(2);
    const out = JSON.parse(several.stdout) as {
      jobs: { file: string; job: { id: string; status: string } }[];
      refused: { file: string; error: { code: string } }[];
    };
    expect(out.jobs.map((j) => j.file)).toEqual([STEREO]);
    expect(out.refused).toEqual([
      { file: notAudio, error: expect.objectContaining({ code: 'BAD_USER_INPUT' }) },
    ]);
    await untilEnded(out.jobs[0].job.id);
  });

  test('a job that fails exits 1 with its error code', async () => {
    t.double.faults.push({ on: 'poll', operationError: { code: 13, message: 'Internal error' } });
    const r = await kazru(['transcribe', STEREO, '--wait', '--no-reuse']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED \(STT_OPERATION_FAILED\)/);
    expect(r.stderr).toMatch(/job [0-9a-f-]{36} FAILED STT_OPERATION_FAILED: /);
  }, 30_000);

  test('an unreachable server exits 5', async () => {
    const r = await kazru(['jobs'], { KAZRU_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:9/);
  });

  test('--help lists the exit codes', async () => {
    const r = await kazru(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 {2}done/);
    expect(r.stdout).toMatch(/ {2}3 {2}authentication/);
  });
});

describe('webhooks and usage', () => {
  test('create (secret once), list, rotate, delete; deleting again exits 4', async () => {
    const created = await kazru([
      '--json',
      'webhooks',
      'create',
      'http://127.0.0.1:9/hook',
      '--events',
      'transcript.edited',
      '--description',
      'cli test',
    ]);
    expect(created.code).toBe(0);
    type WithSecret = CliCreateWebhookMutation['createWebhookEndpoint'];
    const c = JSON.parse(created.stdout) as WithSecret;
    expect(c.secret).toMatch(/^whsec_/);
    expect(c.endpoint.events).toEqual(['TRANSCRIPT_EDITED']);
    const list = JSON.parse((await kazru(['--json', 'webhooks', 'list'])).stdout) as {
      endpoints: CliEndpointFieldsFragment[];
    };
    expect(list.endpoints.map((e) => e.id)).toContain(c.endpoint.id);
    expect((await kazru(['webhooks', 'list'])).stdout).toContain('transcript.edited');
    const rotated = JSON.parse(
      (await kazru(['--json', 'webhooks', 'rotate', c.endpoint.id])).stdout,
    ) as WithSecret;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(c.secret);
    expect((await kazru(['webhooks', 'delete', c.endpoint.id])).code).toBe(0);
    expect((await kazru(['webhooks', 'delete', c.endpoint.id])).code).toBe(4);
  });

  test('usage shows what the transcribed job used', async () => {
    const r = await kazru(['--json', 'usage', '--group-by', 'month']);
    expect(r.code).toBe(0);
    const u = JSON.parse(r.stdout) as CliUsageQuery;
    const row = u.usage.find((x) => x.engine === 'speechkit')!;
    expect(row.jobs.completed).toBeGreaterThanOrEqual(1);
    expect(row.audioSecondsUploaded).toBeGreaterThan(20);
    expect((await kazru(['usage', '--from', 'yesterday'])).code).toBe(2);
  });
});

describe('streaming upload', () => {
  test('a 320 MiB WAV uploads while the CLI’s peak RSS stays below the file’s size', async () => {
    const big = path.join(tmp, 'big.wav');
    const size = 320 * 1024 * 1024;
    writeSilentWav(big, size);
    const r = await kazru(['--json', '--report-rss', 'transcribe', big, '--no-reuse']);
    expect(r.code).toBe(0);
    const { jobs } = JSON.parse(r.stdout) as { jobs: { job: CliJobFieldsFragment }[] };
    expect(jobs[0].job.sizeBytes).toBe(fs.statSync(big).size);
    const rss = Number(/maxRSS (\d+)/.exec(r.stderr)?.[1]);
    // Holding the file would need its size plus Node's own ~50 MB; streamed, the CLI stays near
    // Node's footprint whatever the size (114 MB measured on a quiet machine, 171 MB in a loaded
    // CI run with a 200 MB file), so the file's size is the bound that separates the two.
    expect(rss).toBeGreaterThan(0);
    expect(rss).toBeLessThan(size);
    expect((await kazru(['delete', jobs[0].job.id])).code).toBe(0);

    // Refused before the body is read: the CLI reads the 401 while still sending, and stops.
    const started = Date.now();
    const refused = await kazru(['transcribe', big], { KAZRU_API_KEY: 'kzr_nope' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('The API key is not valid');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 45_000);
});

/** Waits (polling `kazru show`) until a job has ended, so it takes no scripted engine fault. */
async function untilEnded(id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { job } = JSON.parse((await kazru(['--json', 'show', id])).stdout) as {
      job: { status: string };
    };
    if (['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'].includes(job.status)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`job ${id} did not end`);
}

/** Writes a PCM WAV (48 kHz, stereo, 16-bit) of silence of about `bytes` bytes, in 1 MB writes. */
function writeSilentWav(file: string, bytes: number): void {
  const dataBytes = bytes - 44;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(2, 22); // channels
  header.writeUInt32LE(48_000, 24);
  header.writeUInt32LE(48_000 * 4, 28); // byte rate
  header.writeUInt16LE(4, 32); // block align
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, header);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let left = dataBytes; left > 0; left -= chunk.length) {
      fs.writeSync(fd, chunk, 0, Math.min(chunk.length, left));
    }
  } finally {
    fs.closeSync(fd);
  }
}
