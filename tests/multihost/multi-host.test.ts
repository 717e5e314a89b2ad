/**
 * Multi-host proof (issue 15): an api host and two worker hosts, each a network namespace with
 * its own DATA_DIR, sharing nothing but Redis, PostgreSQL and an S3-compatible store on the
 * machine's side (`tests/multihost/deployment.ts`, `tests/helpers/netns.ts`).
 *
 * 1. Recordings uploaded through the api complete, and both workers take part; every job's
 *    objects are in the store and no host's DATA_DIR holds anything but an empty scratch folder.
 * 2. A worker host's link is cut (`ip link set … down`) while its job is in recognition: the other
 *    worker takes the job over (stall check, lease lapse), resumes the saved SpeechKit operation
 *    and finishes it once (one transcript, the same segments as a clean run, no second submit);
 *    when the link comes back the cut-off worker does not touch the finished job.
 * 3. Meanwhile the api is killed and started again: a subscription and a query on the new api
 *    see the job complete.
 *
 * Needs root and iproute2 (skipped otherwise, with the reason), PostgreSQL at TEST_POSTGRES_URL
 * (otherwise the tests pass with a note, as every PostgreSQL test) and `npm run build:server`.
 * `MULTIHOST_LOG_DIR=<dir>` keeps every service process's log there.
 */
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { FIXTURES_DIR } from '../helpers/harness.js';
import {
  createNetnsLab,
  netnsUnavailable,
  type NetnsHost,
  type NetnsLab,
} from '../helpers/netns.js';
import { waitFor } from '../helpers/processes.js';
import { API_PORT, createDeployment, type Deployment, type HostProc } from './deployment.js';
import { startObjectStore, type ObjectStore } from './object-store.js';

const unavailable = await netnsUnavailable();
if (unavailable) console.warn(`multi-host test skipped: ${unavailable}`);

const DIALOGUE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const FIRST_BATCH = [
  'dialogue-mono.ogg',
  'call-stereo.ogg',
  'call-stereo-quiet.ogg',
  'dialogue-mono.ogg',
];

let lab: NetnsLab | undefined;
let store: ObjectStore | undefined;
let d: Deployment | null = null;
let apiHost: NetnsHost;
let api: HostProc;
let workers: HostProc[] = [];
const apiUrl = () => `http://${apiHost.address}:${API_PORT}/graphql`;

(unavailable ? describe.skip : describe)('separate hosts (network namespaces)', () => {
  beforeAll(async () => {
    lab = await createNetnsLab();
    apiHost = await lab.addHost('api');
    const workerHosts = [await lab.addHost('w1'), await lab.addHost('w2')];
    store = await startObjectStore(lab.gateway);
    // 4 polls answered "not done" (the service polls after 0, 1, 1.5, 2.25 and 3.4 s): about 8 s
    // of recognition per job, long enough to cut a link in it.
    d = await createDeployment(lab, { storageEnv: store.env, pollsUntilDone: 4 });
    if (!d) return;
    api = await d.start(apiHost, 'api'); // first: it creates the schema
    workers = await Promise.all(workerHosts.map((h) => d!.start(h, 'worker')));
  }, 60_000);

  afterAll(async () => {
    if (process.env.MULTIHOST_LOG_DIR) {
      fs.mkdirSync(process.env.MULTIHOST_LOG_DIR, { recursive: true });
      for (const p of d?.procs ?? []) {
        const file = path.join(
          process.env.MULTIHOST_LOG_DIR,
          `${p.host.name}-${p.role}-${p.pid}.log`,
        );
        fs.writeFileSync(file, p.output());
      }
    }
    await d?.close();
    await store?.close();
    await lab?.close();
  });

  /** The worker that logged the job's completion, if any. */
  const completedBy = (jobId: string) =>
    workers.find((w) =>
      w
        .output()
        .split('\n')
        .some((l) => l.includes(`"jobId":"${jobId}"`) && l.includes('"transcription completed"')),
    );

  const jobRow = async (id: string) =>
    (
      await d!.db.query<{ status: string; stt_operation_id: string | null; attempts: number }>(
        'select status, stt_operation_id, attempts from jobs where id = $1',
        [id],
      )
    ).rows[0];

  const segmentsOf = async (jobId: string) =>
    (
      await d!.db.query<{ index: number; start: number; text: string }>(
        `select s.index, s.start, s.text from segments s join transcripts t on t.id = s.transcript_id
         where t.job_id = $1 order by s.index`,
        [jobId],
      )
    ).rows;

  const waitCompleted = (id: string, timeoutMs: number) =>
    waitFor(
      `job ${id} to finish`,
      async () => {
        const row = await jobRow(id);
        return row && ['COMPLETED', 'FAILED', 'CANCELLED'].includes(row.status) ? row : undefined;
      },
      timeoutMs,
      100,
    );

  async function upload(file: string): Promise<string> {
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({
        query: 'mutation($file: Upload!) { uploadAudio(file: $file) { id } }',
        variables: { file: null },
      }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.file'] }));
    form.append('0', await fs.openAsBlob(file), path.basename(file));
    const res = await fetch(apiUrl(), {
      method: 'POST',
      headers: { 'Apollo-Require-Preflight': 'true' },
      body: form,
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await res.json()) as { data?: { uploadAudio: { id: string } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data!.uploadAudio.id;
  }

  let referenceSegments: Array<{ index: number; start: number; text: string }> = [];

  test('uploads through the api complete, and both worker hosts process some', async () => {
    if (!d) return;
    const ids = await Promise.all(FIRST_BATCH.map((f) => upload(path.join(FIXTURES_DIR, f))));
    const rows = await Promise.all(ids.map((id) => waitCompleted(id, 60_000)));
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'COMPLETED'));
    const byWorker = new Map(workers.map((w) => [w, [] as string[]]));
    for (const id of ids) byWorker.get(completedBy(id)!)?.push(id);
    const counts = workers.map((w) => byWorker.get(w)!.length);
    console.log(
      `[multi-host] ${ids.length} uploads completed; jobs per worker: ` +
        workers.map((w, i) => `${w.host.name}=${counts[i]}`).join(', '),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(counts.every((n) => n > 0)).toBe(true);
    // Nothing on the hosts' disks: every job's objects are in the store.
    const keys = await store!.server.keys();
    for (const id of ids) {
      expect(keys.some((k) => k.includes(id))).toBe(true);
    }
    for (const p of d.procs) {
      const files = fs.readdirSync(p.dataDir, { recursive: true }).filter((f) => f !== 'scratch');
      expect({ host: p.host.name, files }).toEqual({ host: p.host.name, files: [] });
    }
    referenceSegments = await segmentsOf(ids[0]);
    expect(referenceSegments.length).toBeGreaterThan(0);
  }, 90_000);

  test('a worker host cut off mid-recognition: the other finishes the job once; the api restarted meanwhile loses nothing', async () => {
    if (!d) return;
    const submitsBefore = d.double.submits;
    const id = await upload(DIALOGUE);

    // In recognition: the SpeechKit operation is saved and being polled, the lease names a worker.
    const victim = await waitFor(
      'the job to be in recognition on a worker',
      async () => {
        const row = await jobRow(id);
        const op = row?.stt_operation_id
          ? d!.double.operations.get(row.stt_operation_id)
          : undefined;
        if (row?.status !== 'TRANSCRIBING' || !op || op.done) return undefined;
        const pid = Number((await d!.redis.get(`kazru:lease:${id}`))?.split(':')[1]);
        return workers.find((w) => w.pid === pid);
      },
      30_000,
      50,
    );
    const survivor = workers.find((w) => w !== victim)!;
    const cutAt = Date.now();
    await victim.host.linkDown();

    // The api goes down and comes back on its host while the job moves.
    await api.kill();
    api = await d.start(apiHost, 'api');
    const restartedMs = Date.now() - cutAt;
    const events: Array<{ status: string }> = [];
    const ws = createClient({
      url: `ws://${apiHost.address}:${API_PORT}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const subscribed = new Promise<void>((resolve, reject) =>
      ws.subscribe<{ jobProgress: { status: string } }>(
        {
          query: `subscription($id: ID!) { jobProgress(id: $id) { status progress } }`,
          variables: { id },
        },
        { next: (v) => events.push(v.data!.jobProgress), error: reject, complete: resolve },
      ),
    );

    const row = await waitCompleted(id, 60_000);
    const recoveryMs = Date.now() - cutAt;
    await subscribed;
    await ws.dispose();
    expect(row.status).toBe('COMPLETED');
    expect(completedBy(id)).toBe(survivor);
    expect(events.at(-1)?.status).toBe('COMPLETED');

    // The cut-off worker comes back: it must leave the finished job alone.
    await victim.host.linkUp();
    const upAt = Date.now();
    await waitFor(
      'the cut-off worker to notice its run is over',
      () =>
        /lease taken by another worker|taken over by another worker during processing/.test(
          victim.output(),
        ),
      30_000,
      100,
    );
    const noticedMs = Date.now() - upAt;
    const after = await jobRow(id);
    expect(after.status).toBe('COMPLETED');
    const transcripts = await d.db.query('select id from transcripts where job_id = $1', [id]);
    expect(transcripts.rows).toHaveLength(1);
    const segments = await segmentsOf(id);
    expect(segments).toEqual(referenceSegments);
    expect(d.double.submits - submitsBefore).toBe(1); // the operation was resumed, not re-sent
    expect(victim.alive).toBe(true);

    const res = await fetch(apiUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query($id: ID!) { job(id: $id) { status } }',
        variables: { id },
      }),
    });
    expect(((await res.json()) as { data: { job: { status: string } } }).data.job.status).toBe(
      'COMPLETED',
    );
    console.log(
      `[multi-host] link of ${victim.host.name} cut mid-recognition: job completed on ` +
        `${survivor.host.name} ${recoveryMs} ms later (attempts ${after.attempts}); ` +
        `api killed and serving again after ${restartedMs} ms; ${segments.length} segments, 1 transcript; ` +
        `link back up: the cut-off worker dropped its stale run after ${noticedMs} ms`,
    );
  }, 90_000);
});
