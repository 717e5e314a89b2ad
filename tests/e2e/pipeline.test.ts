/**
 * End to end through the real service: multipart upload → graphql-ws progress → COMPLETED →
 * transcript with the right speakers, times and text → rename → exports → download.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  FIXTURES_DIR,
  manifest,
  startTestApp,
  waitForStatus,
  type TestApp,
} from '../helpers/harness.js';

const PROGRESS_SUB = `subscription($id: ID!) { jobProgress(id: $id) { jobId status progress message job { id status progress } } }`;
const TRANSCRIPT_QUERY = `query($id: ID!) { job(id: $id) {
  id status progress errorCode completedAt diarizationApplied
  transcript { id text languages
    speakers { id tag label speakingSeconds segmentCount }
    segments { index start end text language speaker { id tag label } words { text start end } } } } }`;

/** Segment times must match where the speech really is, within this many seconds. */
const TIME_TOLERANCE_S = 0.4;

let t: TestApp;
let tmp: string;

beforeAll(async () => {
  t = await startTestApp();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-e2e-'));
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function uploadAndFollow(file: string, options?: Record<string, unknown>, filename?: string) {
  const up = await t.upload(file, options, filename);
  expect(up.errors).toBeUndefined();
  const job = up.data.uploadAudio;
  expect(job.status).toBe('QUEUED');
  const sub = t.subscribe(PROGRESS_SUB, { id: job.id });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    sub.done,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('subscription did not complete')), 45_000);
    }),
  ]).finally(() => clearTimeout(timer));
  expect(sub.errors).toEqual([]);
  return { job, events: sub.events.map((e) => e.data.jobProgress) };
}

function expectOrderedProgress(events: { status: string; progress: number }[]) {
  const order = ['QUEUED', 'TRANSCODING', 'TRANSCRIBING', 'COMPLETED'];
  expect(events.length).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < events.length; i++) {
    expect(events[i].progress).toBeGreaterThanOrEqual(events[i - 1].progress);
    expect(order.indexOf(events[i].status)).toBeGreaterThanOrEqual(
      order.indexOf(events[i - 1].status),
    );
  }
  expect(events.at(-1)).toMatchObject({ status: 'COMPLETED', progress: 100 });
}

test('mono two-speaker Kazakh/Russian dialogue: speaker labelling, texts and times match the audio', async () => {
  const m = manifest('dialogue-mono.ogg');
  const { job, events } = await uploadAndFollow(path.join(FIXTURES_DIR, m.file));
  expect(job.channels).toBe(1);
  expectOrderedProgress(events);
  expect(events.map((e) => e.status)).toEqual(
    expect.arrayContaining(['TRANSCODING', 'TRANSCRIBING', 'COMPLETED']),
  );

  const r = await t.gql(TRANSCRIPT_QUERY, { id: job.id });
  const tr = r.data.job.transcript;
  expect(r.data.job.diarizationApplied).toBe('SPEAKER_LABELING');
  expect(tr.speakers.map((s: any) => s.label)).toEqual(['Speaker 1', 'Speaker 2']);
  expect(tr.segments).toHaveLength(m.utterances.length);
  m.utterances.forEach((u, i) => {
    const seg = tr.segments[i];
    expect(seg.text).toBe(u.text);
    expect(seg.language).toBe(u.language);
    expect(Math.abs(seg.start - u.startMs / 1000)).toBeLessThan(TIME_TOLERANCE_S);
    expect(Math.abs(seg.end - u.endMs / 1000)).toBeLessThan(TIME_TOLERANCE_S);
    expect(seg.words.length).toBe(u.text.split(/\s+/).length);
  });
  // Same manifest speaker ⇔ same transcript speaker.
  const speakerOf = new Map<number, string>();
  m.utterances.forEach((u, i) => {
    const sp = tr.segments[i].speaker.id;
    if (speakerOf.has(u.speaker)) expect(sp).toBe(speakerOf.get(u.speaker));
    else speakerOf.set(u.speaker, sp);
  });
  expect(new Set(speakerOf.values()).size).toBe(2);
  expect(tr.languages.sort()).toEqual(['kk-KZ', 'ru-RU']);

  // The double saw exactly one submit: OGG/Opus mono with speaker labelling and the kk/ru whitelist.
  const submits = t.double.requests.filter((q) => q.path.startsWith('/stt/v3/recognizeFileAsync'));
  const body = submits.at(-1)!.body as any;
  expect(body.speakerLabeling?.speakerLabeling).toBe('SPEAKER_LABELING_ENABLED');
  expect(body.recognitionModel.languageRestriction).toEqual({
    restrictionType: 'WHITELIST',
    languageCode: ['kk-KZ', 'ru-RU'],
  });
  expect(body.recognitionModel.audioFormat.containerAudio.containerAudioType).toBe('OGG_OPUS');

  // The original and the transcoded Opus (played by the web client) stay until expiry; no
  // temporary files remain.
  expect(fs.readdirSync(path.join(t.dataDir, 'jobs', job.id)).sort()).toEqual([
    'audio.ogg',
    'source',
  ]);

  // The playback route serves that Opus file with Range support, so players can seek.
  const audio = await fetch(`${t.url}/api/v1/jobs/${job.id}/audio`);
  expect(audio.status).toBe(200);
  expect(audio.headers.get('content-type')).toBe('audio/ogg');
  expect(audio.headers.get('accept-ranges')).toBe('bytes');
  const bytes = Buffer.from(await audio.arrayBuffer());
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('OggS');
  const part = await fetch(`${t.url}/api/v1/jobs/${job.id}/audio`, {
    headers: { range: 'bytes=100-199' },
  });
  expect(part.status).toBe(206);
  expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  const missing = await fetch(`${t.url}/api/v1/jobs/00000000-0000-0000-0000-000000000000/audio`);
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as any).error.code).toBe('NOT_FOUND');
});

test('stereo call recording: AUTO splits speakers by channel', async () => {
  const m = manifest('call-stereo.ogg');
  const { job, events } = await uploadAndFollow(path.join(FIXTURES_DIR, m.file));
  expectOrderedProgress(events);
  expect(job.channels).toBe(2);
  const tr = (await t.gql(TRANSCRIPT_QUERY, { id: job.id })).data.job;
  expect(tr.diarizationApplied).toBe('CHANNELS');
  const segs = tr.transcript.segments;
  expect(segs).toHaveLength(m.utterances.length);
  m.utterances.forEach((u, i) => {
    expect(segs[i].text).toBe(u.text);
    expect(segs[i].speaker.tag).toBe(String(u.channel));
    expect(Math.abs(segs[i].start - u.startMs / 1000)).toBeLessThan(TIME_TOLERANCE_S);
  });
  const body = t.double.requests
    .filter((q) => q.path.startsWith('/stt/v3/recognizeFileAsync'))
    .at(-1)!.body as any;
  expect(body.speakerLabeling?.speakerLabeling ?? 'SPEAKER_LABELING_DISABLED').not.toBe(
    'SPEAKER_LABELING_ENABLED',
  );
});

test('"stereo" file carrying the same signal twice is transcribed as a mono mix with speaker labelling', async () => {
  const fake = path.join(tmp, 'fake-stereo.wav');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    path.join(FIXTURES_DIR, 'dialogue-mono.ogg'),
    '-ac',
    '2',
    fake,
  ]);
  const { job } = await uploadAndFollow(fake);
  expect(job.channels).toBe(2);
  const r = (await t.gql(TRANSCRIPT_QUERY, { id: job.id })).data.job;
  expect(r.status).toBe('COMPLETED');
  expect(r.diarizationApplied).toBe('SPEAKER_LABELING');
  expect(r.transcript.speakers).toHaveLength(2);
});

test('rename a speaker: the new name is in every export and in the downloads; SRT/VTT parse with ffmpeg', async () => {
  const m = manifest('dialogue-mono.ogg');
  const kazakhName = 'Қазақ тілі — диалог.ogg';
  const { job } = await uploadAndFollow(
    path.join(FIXTURES_DIR, m.file),
    { diarization: 'SPEAKER_LABELING' },
    kazakhName,
  );
  expect(job.filename).toBe(kazakhName);
  const tr = (await t.gql(TRANSCRIPT_QUERY, { id: job.id })).data.job.transcript;
  const first = tr.speakers.find((s: any) => s.label === 'Speaker 1');
  const newName = 'Айгүл Серікқызы';
  const renamed = await t.gql(
    `mutation($id: ID!, $label: String!) { renameSpeaker(id: $id, label: $label) { id label } }`,
    {
      id: first.id,
      label: `  ${newName} `,
    },
  );
  expect(renamed.data.renameSpeaker.label).toBe(newName);

  const exportsQ = await t.gql(
    `query($id: ID!) { job(id: $id) { transcript {
      txt: export(format: TXT) srt: export(format: SRT) vtt: export(format: VTT) json: export(format: JSON) } } }`,
    { id: job.id },
  );
  const ex = exportsQ.data.job.transcript;
  for (const f of ['txt', 'srt', 'vtt', 'json']) expect(ex[f]).toContain(newName);
  expect(ex.srt).toMatch(/^1\r?\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}/);
  expect(ex.vtt).toMatch(/^WEBVTT/);
  expect(ex.vtt).toMatch(/\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}/);
  const parsed = JSON.parse(ex.json);
  expect(parsed.segments).toHaveLength(m.utterances.length);

  for (const [format, ext] of [
    ['srt', 'srt'],
    ['vtt', 'vtt'],
  ] as const) {
    const res = await fetch(`${t.url}/api/v1/jobs/${job.id}/export/${format}`);
    expect(res.status).toBe(200);
    const cd = res.headers.get('content-disposition')!;
    expect(cd).toContain(`filename*=UTF-8''${encodeURIComponent('Қазақ тілі — диалог')}.${ext}`);
    const text = await res.text();
    expect(text).toContain(newName);
    const file = path.join(tmp, `dl.${ext}`);
    fs.writeFileSync(file, text);
    // A real subtitle parser must accept it and keep every cue.
    const out = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'srt', '-'], {
      encoding: 'utf8',
    });
    expect(out.match(/-->/g)?.length).toBeGreaterThanOrEqual(m.utterances.length);
    // SRT carries the name in the cue text; VTT as a voice tag (which ffmpeg drops when converting).
    if (format === 'srt') expect(out).toContain(`${newName}: `);
    else expect(text).toContain(`<v ${newName}>`);
  }
  const txt = await fetch(`${t.url}/api/v1/jobs/${job.id}/export/txt`);
  expect(txt.headers.get('content-type')).toMatch(/text\/plain; charset=utf-8/);
  expect(await txt.text()).toContain(newName);
  const json = await fetch(`${t.url}/api/v1/jobs/${job.id}/export/json`);
  expect(((await json.json()) as any).speakers.map((s: any) => s.label)).toContain(newName);
  expect((await fetch(`${t.url}/api/v1/jobs/${job.id}/export/pdf`)).status).toBe(400);
  const docx = await fetch(`${t.url}/api/v1/jobs/${job.id}/export/docx`);
  expect(docx.status).toBe(200);
  expect(
    Buffer.from(await docx.arrayBuffer())
      .subarray(0, 2)
      .toString(),
  ).toBe('PK'); // a ZIP package
  expect(
    (await fetch(`${t.url}/api/v1/jobs/00000000-0000-0000-0000-000000000000/export/srt`)).status,
  ).toBe(404);

  const empty = await t.gql(`mutation($id: ID!) { renameSpeaker(id: $id, label: "   ") { id } }`, {
    id: first.id,
  });
  expect(empty.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  const missing = await t.gql(`mutation { renameSpeaker(id: "nope", label: "X") { id } }`);
  expect(missing.errors[0].extensions.code).toBe('NOT_FOUND');
});

test('a subscriber that joins after completion gets the final state at once, then completion', async () => {
  const { job } = await uploadAndFollow(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  const late = t.subscribe(PROGRESS_SUB, { id: job.id });
  await late.done;
  expect(late.events.map((e) => e.data.jobProgress.status)).toEqual(['COMPLETED']);
  expect(late.events[0].data.jobProgress.job).toEqual({
    id: job.id,
    status: 'COMPLETED',
    progress: 100,
  });
});

test('jobs connection pages newest first and filters by status', async () => {
  const all = await t.gql(
    `{ jobs(first: 2) { totalCount edges { cursor node { id createdAt } } pageInfo { hasNextPage endCursor } } }`,
  );
  const c = all.data.jobs;
  expect(c.totalCount).toBeGreaterThanOrEqual(4);
  expect(c.edges).toHaveLength(2);
  expect(c.pageInfo.hasNextPage).toBe(true);
  const next = await t.gql(
    `query($after: String) { jobs(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }`,
    {
      after: c.pageInfo.endCursor,
    },
  );
  const seen = [
    ...c.edges.map((e: any) => e.node.id),
    ...next.data.jobs.edges.map((e: any) => e.node.id),
  ];
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen.length).toBe(c.totalCount);
  const completed = await t.gql(`{ jobs(first: 100, status: COMPLETED) { totalCount } }`);
  expect(completed.data.jobs.totalCount).toBe(c.totalCount);
  const bad = await t.gql(`{ jobs(first: 1000) { totalCount } }`);
  expect(bad.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  const badCursor = await t.gql(`{ jobs(after: "garbage") { totalCount } }`);
  expect(badCursor.errors[0].extensions.code).toBe('BAD_USER_INPUT');
});

test('deleteJob removes the job, transcript and files at once', async () => {
  const { job } = await uploadAndFollow(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  expect(t.jobDirs()).toContain(job.id);
  const del = await t.gql(`mutation($id: ID!) { deleteJob(id: $id) }`, { id: job.id });
  expect(del.data.deleteJob).toBe(true);
  expect(t.jobDirs()).not.toContain(job.id);
  expect(
    (await t.gql(`query($id: ID!) { job(id: $id) { id } }`, { id: job.id })).data.job,
  ).toBeNull();
  const again = await t.gql(`mutation($id: ID!) { deleteJob(id: $id) }`, { id: job.id });
  expect(again.errors[0].extensions.code).toBe('NOT_FOUND');
  const em = t.app.resources.orm.em.fork();
  const [{ n }] = await em
    .getConnection()
    .execute(`select count(*) as n from transcripts t where t.job_id = ?`, [job.id]);
  expect(Number(n)).toBe(0);
});

test('SpeechKit operation that ends in error → FAILED with STT_OPERATION_FAILED and a message', async () => {
  t.double.faults.push({ on: 'poll', operationError: { code: 13, message: 'Internal error' } });
  const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  const job = await waitForStatus(t, up.data.uploadAudio.id, ['FAILED', 'COMPLETED']);
  expect(job.status).toBe('FAILED');
  expect(job.errorCode).toBe('STT_OPERATION_FAILED');
  expect(job.errorMessage).toBeTruthy();
});

test('health reports database, Redis, ffmpeg and STT configuration', async () => {
  const res = await fetch(`${t.url}/api/v1/health`);
  expect(res.status).toBe(200);
  const h = await res.json();
  expect(h).toMatchObject({
    status: 'ok',
    database: { ok: true },
    redis: { ok: true },
    ffmpeg: { ok: true },
    stt: { ok: true },
  });
});

test('retention: a completed job expires with its transcript and files; exports then answer NOT_FOUND', async () => {
  const { job } = await uploadAndFollow(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  const in25h = new Date(Date.now() + 25 * 3600_000);
  expect(await t.app.resources.jobs.expireDue(t.app.resources.orm.em.fork(), in25h)).toContain(
    job.id,
  );
  expect(t.jobDirs()).not.toContain(job.id);
  const r = await t.gql(`query($id: ID!) { job(id: $id) { status transcript { id } } }`, {
    id: job.id,
  });
  expect(r.data.job).toEqual({ status: 'EXPIRED', transcript: null });
  expect((await fetch(`${t.url}/api/v1/jobs/${job.id}/export/srt`)).status).toBe(404);
});
