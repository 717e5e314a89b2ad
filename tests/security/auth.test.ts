/**
 * AUTH_MODE=api-key: who may call what. Real api + worker, real HTTP and WebSockets, keys made by
 * the same functions as `npm run admin`, and the admin CLI itself.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { ApiKey } from '../../src/db/entities/index.js';
import { revokeApiKey } from '../../src/auth/keys.js';
import { runAdmin } from '../../src/admin.js';
import { FIXTURES_DIR, startTestApp, TEST_REDIS_URL, type TestApp } from '../helpers/harness.js';

const run = promisify(execFile);
const FIXTURE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');

/** Opens a graphql-ws socket, sends connection_init with `payload`, resolves with the close code. */
function wsInit(
  url: string,
  payload: unknown,
): Promise<{ code: number; reason: string; ackMs?: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = new WebSocket(url, 'graphql-transport-ws');
    let ackMs: number | undefined;
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', ...(payload ? { payload } : {}) })),
    );
    socket.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { type: string };
      if (msg.type === 'connection_ack') {
        ackMs = Date.now() - started;
        socket.close(1000);
      }
    });
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason), ackMs }));
    socket.on('error', reject);
  });
}

async function waitCompleted(t: TestApp, id: string, apiKey: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await t.gql('query($id: ID!) { job(id: $id) { status } }', { id }, { apiKey });
    if (r.data?.job?.status === 'COMPLETED') return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('job did not complete');
}

describe('AUTH_MODE=api-key', () => {
  let t: TestApp;
  let key: string;
  let jobId: string;

  beforeAll(async () => {
    t = await startTestApp({ AUTH_MODE: 'api-key' });
    key = await t.createTenantKey('acme');
    const up = await t.upload(FIXTURE, null, undefined, { apiKey: key });
    expect(up.status).toBe(200);
    jobId = up.data.uploadAudio.id;
    await waitCompleted(t, jobId, key);
  }, 60_000);
  afterAll(async () => t?.close());

  const post = (
    headers: Record<string, string>,
    body = '{"query":"{ serviceInfo { retentionHours } }"}',
  ) =>
    fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  test('GraphQL over HTTP needs a valid Bearer key; each refusal says why', async () => {
    const cases: [string, Record<string, string>, number, string | undefined][] = [
      ['no key', {}, 401, 'KEY_MISSING'],
      ['Basic scheme', { authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' }, 401, 'KEY_INVALID'],
      ['unknown key', { authorization: `Bearer kzr_${'x'.repeat(43)}` }, 401, 'KEY_INVALID'],
      [
        'key with a character changed',
        { authorization: `Bearer ${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` },
        401,
        'KEY_INVALID',
      ],
      ['valid key', { authorization: `Bearer ${key}` }, 200, undefined],
    ];
    for (const [name, headers, status, reason] of cases) {
      const started = performance.now();
      const res = await post(headers);
      const body = (await res.json()) as any;
      console.log(
        `auth http: ${name} -> ${res.status} ${body.errors?.[0]?.extensions?.code ?? 'ok'} ${reason ?? ''} in ${(performance.now() - started).toFixed(1)} ms`,
      );
      expect(res.status).toBe(status);
      if (reason) {
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
        expect(body.errors[0].message).toMatch(/key/i);
        expect(body.data).toBeUndefined();
      } else {
        expect(body.data.serviceInfo.retentionHours).toBe(24);
      }
    }
  });

  test('an upload without a key is refused before anything is stored', async () => {
    const before = t.jobDirs().length;
    const res = await t.upload(FIXTURE, null);
    expect(res.status).toBe(401);
    expect(res.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(t.jobDirs().length).toBe(before);
  });

  test('export downloads need the key; health does not', async () => {
    const url = `${t.url}/api/v1/jobs/${jobId}/export/srt`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).error).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'KEY_MISSING',
    });
    const withKey = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    expect(withKey.status).toBe(200);
    expect(await withKey.text()).toMatch(/-->/);
    expect((await fetch(`${t.url}/api/v1/health/live`)).status).toBe(200);
  });

  test('audio plays through the signed audioUrl without a header; tampered or moved links fail', async () => {
    const r = await t.gql(
      'query($id: ID!) { job(id: $id) { audioUrl } }',
      { id: jobId },
      { apiKey: key },
    );
    const audioUrl: string = r.data.job.audioUrl;
    expect(audioUrl).toMatch(new RegExp(`^/api/v1/jobs/${jobId}/audio\\?token=`));
    const ok = await fetch(t.url + audioUrl, { headers: { range: 'bytes=0-99' } });
    expect(ok.status).toBe(206);
    expect(ok.headers.get('content-type')).toBe('audio/ogg');
    const bare = await fetch(`${t.url}/api/v1/jobs/${jobId}/audio`);
    expect(bare.status).toBe(401);
    const token = audioUrl.split('token=')[1]!;
    const tampered = await fetch(
      `${t.url}/api/v1/jobs/${jobId}/audio?token=${token.slice(0, -2)}xx`,
    );
    expect(tampered.status).toBe(401);
    const otherJob = await fetch(
      `${t.url}/api/v1/jobs/00000000-0000-4000-8000-000000000000/audio?token=${token}`,
    );
    expect(otherJob.status).toBe(401);
    console.log(
      `auth audio: signed link 206, no token ${bare.status}, tampered ${tampered.status}, moved to another job ${otherJob.status}`,
    );
  });

  test('expired and revoked keys are refused at once, and so are their audio links', async () => {
    const shortLived = await t.createTenantKey('acme');
    const revoked = await t.createTenantKey('acme');
    const em = t.app.resources.orm.em.fork();
    const r = await t.gql(
      'query($id: ID!) { job(id: $id) { audioUrl } }',
      { id: jobId },
      { apiKey: revoked },
    );
    const link = r.data.job.audioUrl as string;
    expect((await fetch(t.url + link)).status).toBe(200);

    await em.nativeUpdate(
      ApiKey,
      { prefix: shortLived.slice(0, 12) },
      { expiresAt: new Date(Date.now() - 1000) },
    );
    const expiredRes = await post({ authorization: `Bearer ${shortLived}` });
    const expiredBody = (await expiredRes.json()) as any;
    expect(expiredRes.status).toBe(401);
    expect(expiredBody.errors[0].extensions.reason).toBe('KEY_EXPIRED');
    expect(expiredBody.errors[0].message).toMatch(/expired on \d{4}-/);

    const record = await em.findOneOrFail(ApiKey, { prefix: revoked.slice(0, 12) });
    const started = performance.now();
    await revokeApiKey(em, record.id);
    const revokedRes = await post({ authorization: `Bearer ${revoked}` });
    const revokedMs = performance.now() - started;
    expect(revokedRes.status).toBe(401);
    expect(((await revokedRes.json()) as any).errors[0].extensions.reason).toBe('KEY_REVOKED');
    expect((await fetch(t.url + link)).status).toBe(401);
    console.log(
      `auth keys: expired -> 401 KEY_EXPIRED; revoked -> 401 KEY_REVOKED ${revokedMs.toFixed(1)} ms after revoke; its audio link -> 401`,
    );
  });

  test('graphql-ws: no key closes 4401, a bad key 4403, a good key is acknowledged', async () => {
    const none = await wsInit(t.wsUrl, undefined);
    const bad = await wsInit(t.wsUrl, { authorization: 'Bearer kzr_nope' });
    const good = await wsInit(t.wsUrl, { authorization: `Bearer ${key}` });
    console.log(
      `auth ws: no key -> ${none.code} "${none.reason}", bad key -> ${bad.code} "${bad.reason}", good key -> ack in ${good.ackMs} ms`,
    );
    expect(none.code).toBe(4401);
    expect(none.reason).toMatch(/UNAUTHENTICATED/);
    expect(bad.code).toBe(4403);
    expect(good.ackMs).toBeDefined();

    const sub = t.subscribe(
      'subscription($id: ID!) { jobProgress(id: $id) { status progress } }',
      { id: jobId },
      { apiKey: key },
    );
    await sub.done;
    expect(sub.errors).toEqual([]);
    expect(sub.events.at(-1).data.jobProgress).toEqual({ status: 'COMPLETED', progress: 100 });
  });

  test('a key revoked while its WebSocket is open cannot start new subscriptions', async () => {
    const k = await t.createTenantKey('acme');
    const client = createClient({
      url: t.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams: { authorization: `Bearer ${k}` },
    });
    const run = () =>
      new Promise<{ data: unknown[]; errors: unknown[] }>((resolve) => {
        const out = { data: [] as unknown[], errors: [] as unknown[] };
        client.subscribe(
          {
            query: 'subscription($id: ID!) { jobProgress(id: $id) { status } }',
            variables: { id: jobId },
          },
          {
            next: (v) => out.data.push(v),
            error: (e) => {
              out.errors.push(e);
              resolve(out);
            },
            complete: () => resolve(out),
          },
        );
      });
    const before = await run();
    expect(before.errors).toEqual([]);
    expect(JSON.stringify(before.data)).toContain('COMPLETED');
    const em = t.app.resources.orm.em.fork();
    await revokeApiKey(em, (await em.findOneOrFail(ApiKey, { prefix: k.slice(0, 12) })).id);
    const after = await run();
    await client.dispose();
    const errors = JSON.stringify(after.errors);
    console.log(`auth ws: same socket, subscription after revoke -> ${errors.slice(0, 160)}`);
    expect(after.data).toEqual([]);
    expect(errors).toMatch(/"code":"UNAUTHENTICATED"/);
    expect(errors).toMatch(/KEY_REVOKED/);
  });
});

describe('npm run admin', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({});
  });
  afterAll(async () => t?.close());

  test('tenant and key commands: the key is shown once, stored hashed, listed by prefix, revocable', async () => {
    const em = t.app.resources.orm.em.fork();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(
      await runAdmin(
        ['tenant', 'create', '--name', 'Qazaq Radio', '--audio-hours-per-day', '5'],
        em,
        io,
      ),
    ).toBe(0);
    expect(out.pop()).toBe('Created tenant qazaq-radio ("Qazaq Radio").');
    expect(
      await runAdmin(
        [
          'key',
          'create',
          '--tenant',
          'qazaq-radio',
          '--name',
          'newsroom',
          '--expires-in',
          '30d',
          '--json',
        ],
        em,
        io,
      ),
    ).toBe(0);
    const created = JSON.parse(out.pop()!);
    expect(created.key).toMatch(/^kzr_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const stored = await em.fork().findOneOrFail(ApiKey, created.id);
    expect(stored.hash).not.toContain(created.key);
    expect(JSON.stringify(stored)).not.toContain(created.key.slice(12));

    expect(await runAdmin(['key', 'list', '--tenant', 'qazaq-radio'], em, io)).toBe(0);
    const listing = out.pop()!;
    expect(listing).toContain(`${created.key.slice(0, 12)}…`);
    expect(listing).not.toContain(created.key.slice(12));
    expect(listing).toMatch(/active/);

    expect(await runAdmin(['key', 'revoke', created.prefix], em.fork(), io)).toBe(0);
    await runAdmin(['key', 'list', '--json'], em.fork(), io);
    expect(JSON.parse(out.pop()!).find((k: any) => k.id === created.id).status).toBe('revoked');

    const quotaDeps = {
      redis: async () => {
        const redis = new Redis(TEST_REDIS_URL);
        await redis.ping();
        return redis;
      },
      defaults: t.config.tenantQuotas,
    };
    expect(
      await runAdmin(['quota', 'show', '--tenant', 'qazaq-radio', '--json'], em.fork(), io, {
        quota: quotaDeps,
      }),
    ).toBe(0);
    const usage = JSON.parse(out.pop()!);
    expect(usage.audio).toMatchObject({ usedSeconds: 0, limitSeconds: 5 * 3600 });
    expect(usage.concurrentJobs.limit).toBe(t.config.tenantQuotas.maxConcurrentJobs);
    expect(
      await runAdmin(['quota', 'reset', '--tenant', 'qazaq-radio'], em.fork(), io, {
        quota: quotaDeps,
      }),
    ).toBe(0);
    expect(
      await runAdmin(['quota', 'show', '--tenant', 'nobody'], em.fork(), io, { quota: quotaDeps }),
    ).toBe(1);

    expect(await runAdmin(['tenant', 'create', '--name', 'Qazaq Radio'], em.fork(), io)).toBe(1);
    expect(err.pop()).toMatch(/already exists/);
    expect(
      await runAdmin(['key', 'create', '--tenant', 'nobody', '--name', 'x'], em.fork(), io),
    ).toBe(1);
    expect(await runAdmin(['key', 'create', '--tenant', 'qazaq-radio'], em.fork(), io)).toBe(2);
    expect(err.pop()).toMatch(/--name is required/);
    expect(
      await runAdmin(
        ['key', 'create', '--tenant', 'qazaq-radio', '--name', 'x', '--expires-in', 'soon'],
        em.fork(),
        io,
      ),
    ).toBe(2);
  });

  test('the built CLI runs against a database file', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-admin-'));
    const env = { ...process.env, DATA_DIR: dataDir, NODE_OPTIONS: '' };
    const cli = path.resolve('dist/src/admin.js');
    expect(fs.existsSync(cli)).toBe(true); // built by `npm run build` (scripts/test.sh does it)
    const created = await run(
      process.execPath,
      [cli, 'tenant', 'create', '--name', 'Court 7', '--id', 'court-7'],
      { env },
    );
    expect(created.stdout).toMatch(/Created tenant court-7/);
    const key = await run(
      process.execPath,
      [cli, 'key', 'create', '--tenant', 'court-7', '--name', 'clerk'],
      { env },
    );
    expect(key.stdout).toMatch(/^\s+kzr_[A-Za-z0-9_-]{43}$/m);
    const bad = await run(process.execPath, [cli, 'key', 'revoke', 'kzr_unknown'], { env }).catch(
      (e) => e,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/No API key/);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000); // three Node processes, each opening the database
});
