/**
 * Per-tenant quotas (src/services/quota.ts): audio hours per day and concurrent unfinished jobs
 * trip exactly at each tenant's limit, answer QUOTA_EXCEEDED with a message naming the limit, the
 * usage and when to retry, store nothing when refused, never touch another tenant, and reset
 * through the operator function. Real api + worker, Redis, SQLite and ffprobe; the SpeechKit
 * double is told never to finish, so accepted jobs stay unfinished (TRANSCRIBING or QUEUED).
 * Fixture: dialogue-mono.ogg, 20.56 s, counted as 21 s.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Job } from '../../src/db/entities/index.js';
import { TERMINAL_STATUSES } from '../../src/domain.js';
import { normalizeOptions } from '../../src/services/job.service.js';
import { resetTenantUsage, tenantUsage } from '../../src/services/quota.js';
import { FIXTURES_DIR, manifest, startTestApp, type TestApp } from '../helpers/harness.js';

const FIXTURE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const FIXTURE_SECONDS = Math.ceil(manifest('dialogue-mono.ogg').durationSeconds);

describe('tenant quotas (AUTH_MODE=api-key)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(
      { AUTH_MODE: 'api-key', WORKER_SHUTDOWN_GRACE_SECONDS: '0' },
      { pollsUntilDone: 1_000_000 },
    );
  });
  afterAll(async () => t?.close());

  const em = () => t.app.resources.orm.em.fork();
  const rows = (tenant: string) => em().count(Job, { tenant });
  const unfinished = (tenant: string) =>
    em().count(Job, { tenant, status: { $nin: [...TERMINAL_STATUSES] } });
  const usage = (tenant: string) =>
    tenantUsage(em(), t.app.resources.redis, t.config.tenantQuotas, tenant);
  const upload = (apiKey: string) => t.upload(FIXTURE, null, undefined, { apiKey });
  /** Row count, job directories and audio usage, to prove a refusal stored nothing. */
  const snapshot = async (tenant: string) => ({
    rows: await rows(tenant),
    dirs: t.jobDirs().length,
    audio: (await usage(tenant)).audio.usedSeconds,
  });

  test('audio hours per day: refused past the limit, nothing stored, other tenants unaffected, reset', async () => {
    const small = await t.createTenantKey('audio-small', { quotas: { audioHoursPerDay: 0.01 } });
    const other = await t.createTenantKey('audio-other');
    const limit = 36; // 0.01 h
    const allowed = Math.floor(limit / FIXTURE_SECONDS);

    for (let i = 1; i <= allowed; i++) {
      const ok = await upload(small);
      const u = await usage('audio-small');
      console.log(
        `quota audio: upload #${i} (${FIXTURE_SECONDS} s) -> ${ok.status} ${ok.data?.uploadAudio?.status}; used ${u.audio.usedSeconds}/${u.audio.limitSeconds} s`,
      );
      expect(ok.data.uploadAudio.id).toBeTruthy();
      expect(u.audio).toMatchObject({ usedSeconds: i * FIXTURE_SECONDS, limitSeconds: limit });
    }

    const before = await snapshot('audio-small');
    const refused = await upload(small);
    const error = refused.errors?.[0];
    const after = await snapshot('audio-small');
    console.log(
      `quota audio: upload #${allowed + 1} -> HTTP ${refused.status} ${error?.extensions?.code} ${error?.extensions?.reason} retryAfterSeconds ${error?.extensions?.retryAfterSeconds}; rows ${before.rows}->${after.rows}, dirs ${before.dirs}->${after.dirs}, used ${before.audio}->${after.audio} s: "${error?.message}"`,
    );
    expect(refused.data?.uploadAudio ?? null).toBeNull();
    expect(error.extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      reason: 'AUDIO_HOURS_PER_DAY',
    });
    // The window is a day from the first upload: retry in a little under 24 h.
    expect(error.extensions.retryAfterSeconds).toBeGreaterThan(86_400 - 600);
    expect(error.extensions.retryAfterSeconds).toBeLessThanOrEqual(86_400);
    expect(error.message).toContain(`${allowed * FIXTURE_SECONDS} s of ${limit} s`);
    expect(error.message).toMatch(/resets in \d+ h/);
    expect(after).toEqual(before);

    const otherOk = await upload(other);
    console.log(
      `quota audio: tenant audio-other (default ${t.config.tenantQuotas.audioHoursPerDay} h) meanwhile -> ${otherOk.data?.uploadAudio ? 'accepted' : JSON.stringify(otherOk.errors)}`,
    );
    expect(otherOk.data.uploadAudio.id).toBeTruthy();

    await resetTenantUsage(t.app.resources.redis, 'audio-small');
    const afterReset = await upload(small);
    const u = await usage('audio-small');
    console.log(
      `quota audio: after resetTenantUsage -> ${afterReset.data?.uploadAudio ? 'accepted' : JSON.stringify(afterReset.errors)}; used ${u.audio.usedSeconds}/${u.audio.limitSeconds} s, resets in ${u.audio.resetsInSeconds} s`,
    );
    expect(afterReset.data.uploadAudio.id).toBeTruthy();
    expect(u.audio.usedSeconds).toBe(FIXTURE_SECONDS);
  });

  test('a recording longer than the whole daily quota is refused without a retry time', async () => {
    const tiny = await t.createTenantKey('audio-tiny', { quotas: { audioHoursPerDay: 0.005 } });
    const before = await snapshot('audio-tiny');
    const refused = await upload(tiny);
    const error = refused.errors?.[0];
    const after = await snapshot('audio-tiny');
    console.log(
      `quota audio: ${FIXTURE_SECONDS} s recording, quota 18 s -> ${error?.extensions?.code} ${error?.extensions?.reason} retryAfterSeconds ${error?.extensions?.retryAfterSeconds}; rows ${before.rows}->${after.rows}, used ${before.audio}->${after.audio} s: "${error?.message}"`,
    );
    expect(error.extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      reason: 'AUDIO_LONGER_THAN_QUOTA',
    });
    expect(error.extensions.retryAfterSeconds).toBeUndefined();
    expect(error.message).toMatch(/Split it/);
    expect(after).toEqual(before);
  });

  test('concurrent jobs: refused at the limit, nothing stored or counted; a cancel frees a slot', async () => {
    const limit = 2;
    const key = await t.createTenantKey('conc', { quotas: { maxConcurrentJobs: limit } });
    const other = await t.createTenantKey('conc-other', { quotas: { maxConcurrentJobs: limit } });
    const ids: string[] = [];
    for (let i = 1; i <= limit; i++) {
      const ok = await upload(key);
      ids.push(ok.data.uploadAudio.id);
      console.log(`quota concurrent: upload #${i} -> ${ok.data.uploadAudio.status}`);
    }
    const before = await snapshot('conc');
    const refused = await upload(key);
    const error = refused.errors?.[0];
    const after = await snapshot('conc');
    console.log(
      `quota concurrent: upload #${limit + 1} with ${await unfinished('conc')} unfinished -> HTTP ${refused.status} ${error?.extensions?.code} ${error?.extensions?.reason} retryAfterSeconds ${error?.extensions?.retryAfterSeconds}; rows ${before.rows}->${after.rows}, dirs ${before.dirs}->${after.dirs}, audio ${before.audio}->${after.audio} s: "${error?.message}"`,
    );
    expect(error.extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      reason: 'CONCURRENT_JOBS',
      retryAfterSeconds: 30,
    });
    expect(error.message).toContain(`${limit} of the ${limit}`);
    expect(after).toEqual(before);

    const otherOk = await upload(other);
    console.log(
      `quota concurrent: tenant conc-other (same limit) meanwhile -> ${otherOk.data?.uploadAudio ? 'accepted' : JSON.stringify(otherOk.errors)}`,
    );
    expect(otherOk.data.uploadAudio.id).toBeTruthy();

    const cancel = await t.gql(
      'mutation($id: ID!) { cancelJob(id: $id) { status } }',
      { id: ids[0] },
      { apiKey: key },
    );
    expect(cancel.data.cancelJob.status).toBe('CANCELLED');
    const again = await upload(key);
    console.log(
      `quota concurrent: after cancelling one -> ${again.data?.uploadAudio ? 'accepted' : JSON.stringify(again.errors)}; unfinished ${await unfinished('conc')}/${limit}`,
    );
    expect(again.data.uploadAudio.id).toBeTruthy();
    expect(await unfinished('conc')).toBe(limit);
  });

  test('simultaneous uploads never overshoot the concurrent-jobs limit', async () => {
    const limit = 3;
    const sent = 8;
    const key = await t.createTenantKey('burst', { quotas: { maxConcurrentJobs: limit } });
    const dirs = t.jobDirs().length;
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: sent }, () => upload(key)));
    const ms = performance.now() - started;
    const accepted = results.filter((r) => r.data?.uploadAudio?.id).length;
    const codes = results.flatMap((r) =>
      (r.errors ?? []).map((e: any) => `${e.extensions?.code}/${e.extensions?.reason}`),
    );
    const u = await usage('burst');
    console.log(
      `quota concurrent: ${sent} simultaneous uploads, limit ${limit} -> ${accepted} accepted, refused: ${codes.join(', ')} in ${ms.toFixed(0)} ms; unfinished ${await unfinished('burst')}, new dirs ${t.jobDirs().length - dirs}, audio counted ${u.audio.usedSeconds} s`,
    );
    expect(accepted).toBe(limit);
    expect(codes).toEqual(Array(sent - limit).fill('QUOTA_EXCEEDED/CONCURRENT_JOBS'));
    expect(await unfinished('burst')).toBe(limit);
    expect(t.jobDirs().length - dirs).toBe(limit);
    expect(u.audio.usedSeconds).toBe(limit * FIXTURE_SECONDS);
  });

  test('admission is serialised per tenant: racing admissions that all write a row stop at the limit', async () => {
    // HTTP uploads rarely overlap in the few ms between "count" and "write"; here every
    // admission is started at once and writes its row as createFromUpload does.
    const limit = 3;
    const sent = 10;
    await t.createTenantKey('race', { quotas: { maxConcurrentJobs: limit } });
    const quotas = t.app.resources.jobs.quotas;
    const admitAndWrite = async () => {
      const e = em();
      const admission = await quotas.admit(e, 'race', FIXTURE_SECONDS);
      try {
        const now = new Date();
        e.create(Job, {
          id: randomUUID(),
          tenant: 'race',
          filename: 'race.ogg',
          sizeBytes: 1,
          durationSeconds: FIXTURE_SECONDS,
          options: normalizeOptions(null),
          storedName: 'source',
          createdAt: now,
          expiresAt: new Date(now.getTime() + 3600_000),
        });
        await e.flush();
        await admission.committed();
        return 'admitted';
      } catch (err) {
        await admission.abandon();
        throw err;
      }
    };
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: sent }, () =>
        admitAndWrite().catch((err: unknown) => (err as { reason?: string }).reason ?? String(err)),
      ),
    );
    const ms = performance.now() - started;
    const admitted = outcomes.filter((o) => o === 'admitted').length;
    const u = await usage('race');
    console.log(
      `quota concurrent: ${sent} racing admissions, limit ${limit} -> ${admitted} admitted, ${outcomes.filter((o) => o === 'CONCURRENT_JOBS').length} CONCURRENT_JOBS in ${ms.toFixed(0)} ms; rows ${await rows('race')}, audio counted ${u.audio.usedSeconds} s`,
    );
    expect(admitted).toBe(limit);
    expect(outcomes.filter((o) => o !== 'admitted')).toEqual(
      Array(sent - limit).fill('CONCURRENT_JOBS'),
    );
    expect(await rows('race')).toBe(limit);
    expect(u.audio.usedSeconds).toBe(limit * FIXTURE_SECONDS);
  });
});
