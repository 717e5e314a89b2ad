/**
 * Issue 14 (usage, duplicate reuse, time estimates) through the real service: api + one worker
 * slot, real Redis, SQLite, ffmpeg and HTTP, the SpeechKit and OpenAI doubles. The usage figures
 * are compared with what the doubles themselves received (the SpeechKit double's decoded audio per
 * operation, priced by SpeechKit's published rule written out here independently; the OpenAI
 * double's decoded seconds per answered request); a re-upload is answered without an engine call;
 * the estimate for a queued job is checked against when it really completed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runAdmin } from '../../src/admin.js';
import { Job } from '../../src/db/entities/index.js';
import { FIXTURES_DIR, startTestApp, type TestApp } from '../helpers/harness.js';

const DIALOGUE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const CALL = path.join(FIXTURES_DIR, 'call-stereo.ogg');

const JOB = `id status engine reusedFromJobId estimatedCompletionAt completedAt durationSeconds
  transcript { id segments { id text } speakers { id label } }`;

let t: TestApp;
let acme: string;
let other: string;
const from = new Date(Date.now() - 3600_000).toISOString();
const to = new Date(Date.now() + 3600_000).toISOString();

/** Uploads `file` as the key's tenant, selecting {@link JOB}. */
async function upload(file: string, options: Record<string, unknown> | null, key: string) {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({
      query: `mutation($f: Upload!, $o: TranscriptionOptionsInput) { uploadAudio(file: $f, options: $o) { ${JOB} } }`,
      variables: { f: null, o: options },
    }),
  );
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', await fs.openAsBlob(file), path.basename(file));
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'Apollo-Require-Preflight': 'true', authorization: `Bearer ${key}` },
    body: form,
  });
  const body = (await res.json()) as { data?: { uploadAudio: any }; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data.uploadAudio;
}

async function job(id: string, key: string) {
  const r = await t.gql(`query($id: ID!) { job(id: $id) { ${JOB} } }`, { id }, { apiKey: key });
  return r.data.job;
}

async function completed(id: string, key: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const j = await job(id, key);
    if (j.status === 'COMPLETED') return j;
    if (j.status === 'FAILED' || Date.now() > deadline) throw new Error(`job ${id}: ${j.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function usage(key: string, groupBy = 'DAY') {
  const r = await t.gql(
    `query($from: DateTime!, $to: DateTime!, $g: UsageGroupBy!) { usage(from: $from, to: $to, groupBy: $g) {
      tenantId engine period jobs { total completed failed reused unfinished }
      audioSecondsUploaded audioSecondsBilled engineRequests errors { code jobs }
      estimatedCost pricePerMinute currency } }`,
    { from, to, g: groupBy },
    { apiKey: key },
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.usage as any[];
}

/**
 * SpeechKit asynchronous pricing as published (docs en/speechkit/pricing.md: "per one second of
 * two-channel audio, rounded up ... channel count rounded up to an even number, with a minimum of
 * 15 s per pair of channels").
 */
const speechKitPrice = (channels: number, seconds: number) =>
  Math.ceil(channels / 2) * Math.max(15, Math.ceil(seconds));

beforeAll(async () => {
  t = await startTestApp(
    {
      AUTH_MODE: 'api-key',
      DUPLICATE_REUSE: 'true',
      WORKER_CONCURRENCY: '1',
      STT_PRICE_PER_MINUTE_SPEECHKIT: '0.5 RUB',
      STT_PRICE_PER_MINUTE_OPENAI: '0.006',
    },
    { openAi: { flavour: 'whisper.cpp' } },
  );
  acme = await t.createTenantKey('acme');
  other = await t.createTenantKey('other');
}, 60_000);
afterAll(() => t?.close());

describe('usage and cost', () => {
  it('bills what each double received by its engine’s rule, and the admin table and /metrics agree', async () => {
    const first = await upload(DIALOGUE, null, acme);
    expect(first.estimatedCompletionAt).toBeNull(); // no job of this engine seen yet
    const call = await upload(CALL, { diarization: 'CHANNELS' }, acme);
    const whisper = await upload(DIALOGUE, { engine: 'openai' }, acme);
    for (const j of [first, call, whisper]) await completed(j.id, acme);

    const accepted = await t.double.acceptedAudio();
    expect(accepted.map((a) => a.channels).sort()).toEqual([1, 2]);
    const speechKitBilled = accepted.reduce(
      (n, a) => n + speechKitPrice(a.channels, a.durationSeconds),
      0,
    );
    const answered = t.openai!.requests.filter((r) => r.status === 200 && r.audioSeconds);

    const rows = await usage(acme);
    const sk = rows.find((r) => r.engine === 'speechkit');
    const oa = rows.find((r) => r.engine === 'openai');
    expect(sk).toMatchObject({
      tenantId: 'acme',
      period: new Date().toISOString().slice(0, 10),
      jobs: { total: 2, completed: 2, failed: 0, reused: 0, unfinished: 0 },
      audioSecondsBilled: speechKitBilled, // 21 s mono + 21 s for the stereo pair
      engineRequests: t.double.submits,
      pricePerMinute: 0.5,
      currency: 'RUB',
    });
    expect(sk.audioSecondsUploaded).toBeCloseTo(first.durationSeconds + call.durationSeconds, 3);
    expect(sk.estimatedCost).toBeCloseTo((speechKitBilled / 60) * 0.5, 6);
    expect(oa.engineRequests).toBe(answered.length);
    // The pieces' durations as planned vs as the double decoded them: within a few ms each.
    expect(Math.abs(oa.audioSecondsBilled - t.openai!.audioSecondsReceived())).toBeLessThan(
      0.05 * answered.length,
    );
    expect(oa.audioSecondsBilled).toBeLessThan(whisper.durationSeconds); // pauses are not sent
    expect(oa.currency).toBe('USD');
    expect(await usage(other)).toEqual([]); // never another tenant's

    const lines: string[] = [];
    const em = t.app.resources.orm.em.fork();
    const code = await runAdmin(
      ['usage', '--from', from, '--to', to, '--group-by', 'month'],
      em,
      { out: (l) => lines.push(l), err: (l) => lines.push(l) },
      { prices: t.config.prices },
    );
    expect(code).toBe(0);
    const skLine = lines
      .join('\n')
      .split('\n')
      .find((l) => /^acme\s.*speechkit/.test(l));
    expect(skLine).toContain(speechKitBilled.toFixed(1));
    expect(skLine).toContain('RUB');

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const billed = (engine: string) =>
      [
        ...metrics.matchAll(
          new RegExp(
            `^kazru_stt_audio_seconds_total\\{[^}]*engine="${engine}"[^}]*\\} (\\S+)`,
            'gm',
          ),
        ),
      ]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
    expect(billed('speechkit')).toBeCloseTo(speechKitBilled, 6);
    expect(billed('openai')).toBeCloseTo(oa.audioSecondsBilled, 3);
  }, 90_000);
});

describe('duplicate reuse', () => {
  it('answers a re-upload at once from a copy, never across tenants, and copies stay independent', async () => {
    const original = await job(await firstJobOf(acme), acme);
    const submits = t.double.submits;
    const again = await upload(DIALOGUE, null, acme);
    expect(again).toMatchObject({ status: 'COMPLETED', reusedFromJobId: original.id });
    expect(again.transcript.segments.map((s: any) => s.text)).toEqual(
      original.transcript.segments.map((s: any) => s.text),
    );
    expect(t.double.submits).toBe(submits); // no engine call
    const audio = await fetch(`${t.url}/api/v1/jobs/${again.id}/audio`, {
      headers: { authorization: `Bearer ${acme}` },
    });
    expect(audio.status).toBe(200); // the copy plays

    // Edit the copy: the original does not change.
    const seg = again.transcript.segments[0];
    const edit = await t.gql(
      `mutation($id: ID!) { editSegment(id: $id, text: "Өзгертілген мәтін") { id text } }`,
      { id: seg.id },
      { apiKey: acme },
    );
    expect(edit.data.editSegment.text).toBe('Өзгертілген мәтін');
    expect((await job(original.id, acme)).transcript.segments[0].text).toBe(
      original.transcript.segments[0].text,
    );

    // Another tenant with the same file, and reuse turned off: both go to the engine.
    const theirs = await upload(DIALOGUE, null, other);
    const fresh = await upload(DIALOGUE, { reuse: false }, acme);
    expect(theirs.reusedFromJobId).toBeNull();
    expect(fresh).toMatchObject({ status: 'QUEUED', reusedFromJobId: null });
    await completed(theirs.id, other);
    await completed(fresh.id, acme);
    expect(t.double.submits).toBe(submits + 2);
    // Different options are different work.
    const russianOnly = await upload(DIALOGUE, { languages: ['ru-RU'] }, acme);
    expect(russianOnly.reusedFromJobId).toBeNull();
    await completed(russianOnly.id, acme);

    const sk = (await usage(acme)).find((r) => r.engine === 'speechkit');
    expect(sk.jobs).toMatchObject({ completed: 5, reused: 1 });
    const accepted = await t.double.acceptedAudio();
    const acmeOps = accepted.length - 1; // one operation was the other tenant's
    expect(sk.engineRequests).toBe(acmeOps);
  }, 90_000);
});

describe('time estimates', () => {
  it('estimates a queued job within ±50 % of when it really completes', async () => {
    // The system has seen a few SpeechKit jobs (the tests above ran five; alone, this runs three),
    // then three more arrive at once for the one worker slot.
    const seen = await t.app.resources.orm.em
      .fork()
      .count(Job, { engine: 'speechkit', recognitionSeconds: { $ne: null } });
    for (let i = seen; i < 3; i++) {
      await completed((await upload(DIALOGUE, { reuse: false }, acme)).id, acme);
    }
    const uploadedAt = Date.now();
    const batch = [];
    for (let i = 0; i < 3; i++) batch.push(await upload(DIALOGUE, { reuse: false }, acme));
    const last = batch[2];
    expect(last.status).toBe('QUEUED');
    expect(last.estimatedCompletionAt).not.toBeNull();
    const estimated = new Date(last.estimatedCompletionAt).getTime() - uploadedAt;
    const sub = t.subscribe(
      `subscription($id: ID!) { jobProgress(id: $id) { status progress estimatedCompletionAt } }`,
      { id: batch[1].id },
      { apiKey: acme },
    );
    const done = await completed(last.id, acme);
    await sub.done;
    const actual = new Date(done.completedAt).getTime() - uploadedAt;
    // eslint-disable-next-line no-console
    console.log(
      `estimate ${estimated} ms, actual ${actual} ms (${((estimated / actual - 1) * 100).toFixed(0)} %)`,
    );
    expect(Math.abs(estimated - actual)).toBeLessThanOrEqual(0.5 * actual);
    expect(done.estimatedCompletionAt).toBeNull();
    const running = sub.events
      .map((e) => e.data.jobProgress)
      .filter((p) => p.status !== 'COMPLETED');
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((p) => p.estimatedCompletionAt !== null)).toBe(true);
    expect(sub.events.at(-1).data.jobProgress).toMatchObject({
      status: 'COMPLETED',
      estimatedCompletionAt: null,
    });
  }, 90_000);
});

/** The tenant's oldest SpeechKit job on the dialogue (the first upload of the usage test). */
async function firstJobOf(key: string): Promise<string> {
  const r = await t.gql(
    `{ jobs(first: 100) { edges { node { id engine filename channels } } } }`,
    {},
    { apiKey: key },
  );
  const nodes = r.data.jobs.edges.map((e: any) => e.node);
  return nodes.filter((n: any) => n.engine === 'speechkit' && n.channels === 1).at(-1).id;
}
