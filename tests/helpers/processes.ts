/**
 * Real processes for fault-injection tests: the service as separate api and worker processes
 * (`node dist/src/main.js`, so run `npm run build:server` first), a private redis-server, the
 * SpeechKit double in the test process, plus probes for what a crash may leave behind (ffmpeg
 * processes, `*.part` files) and direct reads of the SQLite file.
 *
 * Everything started here is registered and stopped by {@link Cluster.close} (call it in
 * afterAll, it is safe after failures).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import { startSpeechKitDouble, type SpeechKitDouble } from '../speechkit-double/index.js';
import { loadManifests } from '../speechkit-double/manifest.js';
import { FIXTURES_DIR, RELAXED_LIMITS_ENV, TEST_API_KEY } from './harness.js';
import { REPO_ROOT } from './repo-root.js';

export { REPO_ROOT };
const MAIN_JS = path.join(REPO_ROOT, 'dist/src/main.js');

/**
 * Node flags the service runs with in production (`npm start`, the Dockerfile): V8's young
 * generation capped at 4 MB per semi-space and the old generation's first collection limit at
 * 128 MB (README "Performance"). `KAZRU_SERVICE_NODE_FLAGS`
 * (space separated, may be empty) replaces them, for A/B runs of the benchmark.
 */
export const SERVICE_NODE_FLAGS =
  process.env.KAZRU_SERVICE_NODE_FLAGS !== undefined
    ? process.env.KAZRU_SERVICE_NODE_FLAGS.split(' ').filter(Boolean)
    : ['--max-semi-space-size=4', '--initial-old-space-size=128'];

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `check` every `everyMs` until it returns a truthy value, and resolves with it.
 * @throws Error naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(everyMs);
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A child process with its output collected. */
export interface Proc {
  name: string;
  child: ChildProcess;
  pid: number;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves with the exit code/signal once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  kill(signal?: NodeJS.Signals): void;
}

function track(name: string, child: ChildProcess): Proc {
  let out = '';
  let alive = true;
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      resolve({ code, signal });
    }),
  );
  return {
    name,
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    get alive() {
      return alive;
    },
    kill: (signal = 'SIGKILL') => {
      if (alive) child.kill(signal);
    },
  };
}

/** A redis-server of the test's own, restartable on the same port and directory. */
export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  proc: Proc;
  /** SIGKILLs redis-server (a crash: with AOF, writes older than ~1 s survive). */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port in a fresh directory, without RDB snapshots.
 * @param appendonly true: AOF persistence (`appendfsync everysec`); false: data lost on restart.
 */
export async function startRedisServer(appendonly: boolean): Promise<RedisServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-redis-'));
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    proc: undefined as unknown as Proc,
    kill: async () => {
      server.proc.kill('SIGKILL');
      await server.proc.exited;
    },
    start: async () => {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          appendonly ? 'yes' : 'no',
          '--appendfsync',
          'everysec',
          '--dir',
          dir,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      server.proc = track(`redis:${port}`, child);
      const probe = new Redis(port, '127.0.0.1', {
        lazyConnect: true,
        retryStrategy: () => 50,
        maxRetriesPerRequest: null,
      });
      probe.on('error', () => undefined);
      try {
        await waitFor(
          'redis-server to answer PING',
          async () => (await probe.ping().catch(() => null)) === 'PONG',
          10_000,
          50,
        );
      } finally {
        probe.disconnect();
      }
    },
  };
  await server.start();
  return server;
}

/** A service process (api and/or worker) started from `dist/src/main.js`. */
export interface ServiceProc extends Proc {
  roles: string;
  /** The api's HTTP port (api role only). */
  port?: number;
}

/** One service deployment under test, with everything it started. */
export interface Cluster {
  dataDir: string;
  dbFile: string;
  redisUrl: string;
  double: SpeechKitDouble;
  /** Base env of every service process. */
  env: Record<string, string>;
  api?: ServiceProc;
  workers: ServiceProc[];
  startApi(extraEnv?: Record<string, string>): Promise<ServiceProc>;
  startWorker(extraEnv?: Record<string, string>): Promise<ServiceProc>;
  /** GraphQL over HTTP against the api. */
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>>;
  upload(filePath: string, filename?: string): Promise<GqlResult>;
  /** Runs a read query on the SQLite file directly. */
  sql<T = any>(query: string, ...params: unknown[]): T[];
  close(): Promise<void>;
}

/** A GraphQL response plus HTTP status and how long it took (ms). */
export interface GqlResult<T = any> {
  data?: T;
  errors?: any;
  status: number;
  ms: number;
}

/**
 * Creates a cluster: a temp DATA_DIR (SQLite inside), the SpeechKit double in this process, and
 * the settings every service process gets. Start processes with `startApi`/`startWorker`.
 * @param opts.redisUrl Redis to use (the caller flushes it when shared).
 * @param opts.pollsUntilDone polls the double answers `done:false` before `done:true`.
 */
export async function createCluster(opts: {
  redisUrl: string;
  pollsUntilDone?: number;
  env?: Record<string, string>;
}): Promise<Cluster> {
  const double = await startSpeechKitDouble({
    apiKey: TEST_API_KEY,
    manifests: loadManifests(FIXTURES_DIR),
    pollsUntilDone: opts.pollsUntilDone ?? 2,
  });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-rel-'));
  const dbFile = path.join(dataDir, 'kazru-stt.sqlite');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    REDIS_URL: opts.redisUrl,
    YANDEX_API_KEY: TEST_API_KEY,
    SPEECHKIT_STT_URL: double.url,
    SPEECHKIT_OPERATION_URL: double.url,
    SPEECHKIT_IAM_URL: double.iamUrl,
    WORKER_CONCURRENCY: '1',
    LOG_LEVEL: 'info',
    ...RELAXED_LIMITS_ENV,
    ...opts.env,
  };
  const procs: ServiceProc[] = [];
  let db: DatabaseSync | undefined;

  const startService = async (
    roles: string,
    extraEnv: Record<string, string> = {},
  ): Promise<ServiceProc> => {
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, MAIN_JS], {
      cwd: REPO_ROOT,
      env: { ...env, ROLES: roles, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc: ServiceProc = Object.assign(track(`${roles}:${child.pid}`, child), { roles });
    procs.push(proc);
    const ready = roles.includes('api') ? /api listening/ : /worker processing transcription jobs/;
    await waitFor(
      `${roles} process ${child.pid} to start`,
      () => {
        if (!proc.alive) throw new Error(`${roles} exited during start-up:\n${proc.output()}`);
        return ready.test(proc.output());
      },
      30_000,
      50,
    );
    const m = /"port":(\d+)/.exec(proc.output());
    if (roles.includes('api') && m) proc.port = Number(m[1]);
    return proc;
  };

  const cluster: Cluster = {
    dataDir,
    dbFile,
    redisUrl: opts.redisUrl,
    double,
    env,
    workers: [],
    startApi: async (extraEnv) => (cluster.api = await startService('api', extraEnv)),
    startWorker: async (extraEnv) => {
      const w = await startService('worker', extraEnv);
      cluster.workers.push(w);
      return w;
    },
    gql: async (query, variables) => {
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${cluster.api!.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(20_000),
      });
      return { ...((await res.json()) as object), status: res.status, ms: Date.now() - started };
    },
    upload: async (filePath, filename) => {
      const form = new FormData();
      form.append(
        'operations',
        JSON.stringify({
          query: `mutation($file: Upload!) { uploadAudio(file: $file) { id status } }`,
          variables: { file: null },
        }),
      );
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append('0', await fs.openAsBlob(filePath), filename ?? path.basename(filePath));
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${cluster.api!.port}/graphql`, {
        method: 'POST',
        headers: { 'Apollo-Require-Preflight': 'true' },
        body: form,
        signal: AbortSignal.timeout(20_000),
      });
      return { ...((await res.json()) as object), status: res.status, ms: Date.now() - started };
    },
    sql: (query, ...params) => {
      db ??= new DatabaseSync(dbFile);
      return db.prepare(query).all(...(params as string[])) as any[];
    },
    close: async () => {
      for (const p of procs) p.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      db?.close();
      await double.close();
      // ffmpeg of killed workers die by themselves (SIGPIPE); make sure before removing files.
      for (const pid of ffmpegProcesses(dataDir)) process.kill(pid, 'SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/**
 * Pids of live processes whose command line mentions `fragment` (e.g. a DATA_DIR) and whose
 * executable is ffmpeg or ffprobe. Zombies (exited, not yet reaped) do not count.
 */
export function ffmpegProcesses(fragment: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!/ff(mpeg|probe)$/.test(args[0] ?? '')) continue;
      if (!args.some((a) => a.includes(fragment))) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (state === 'Z' || state === 'X') continue;
      pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Parent pid of a process, or undefined when it is gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every file under `dir` whose name ends with `.part`. */
export function partFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.part'))
    .map((f) => path.join(dir, f));
}

/**
 * Writes a recording of `seconds` seconds made by looping the dialogue fixture and returns its
 * path. By default OGG/Opus by stream copy (well under a second for 4 h); `as` re-encodes, e.g.
 * `{ ext: 'wav', codecArgs: ['-ac', '2', '-ar', '48000', '-c:a', 'pcm_s16le'] }`.
 */
export async function makeLongRecording(
  dir: string,
  seconds: number,
  as: { ext: string; codecArgs: string[] } = { ext: 'ogg', codecArgs: ['-c', 'copy'] },
): Promise<string> {
  const out = path.join(dir, `long-${seconds}s.${as.ext}`);
  if (fs.existsSync(out)) return out;
  const child = spawn(
    'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-stream_loop',
      '-1',
      '-i',
      path.join(FIXTURES_DIR, 'dialogue-mono.ogg'),
      '-t',
      String(seconds),
      ...as.codecArgs,
      '-y',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const p = track('ffmpeg-make', child);
  const { code } = await p.exited;
  if (code !== 0) throw new Error(`ffmpeg could not make ${out}: ${p.output()}`);
  return out;
}

/** Flushes one Redis database (never FLUSHALL). */
export async function flushRedisDb(url: string): Promise<void> {
  const r = new Redis(url);
  try {
    await r.flushdb();
  } finally {
    r.disconnect();
  }
}

/** Job row fields the tests look at. */
export interface JobRow {
  id: string;
  status: string;
  attempts: number;
  error_code: string | null;
  stt_operation_id: string | null;
}

/** Reads one job row. */
export function jobRow(c: Cluster, id: string): JobRow | undefined {
  return c.sql<JobRow>(
    'select id, status, attempts, error_code, stt_operation_id from jobs where id = ?',
    id,
  )[0];
}

/** Number of transcripts stored for a job. */
export function transcriptCount(c: Cluster, id: string): number {
  return c.sql<{ n: number }>('select count(*) as n from transcripts where job_id = ?', id)[0].n;
}

/** Waits until the job row reaches one of `statuses`; resolves with the row. */
export function waitForRow(
  c: Cluster,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<JobRow> {
  return waitFor(
    `job ${id} to reach ${statuses.join('/')}`,
    () => {
      const row = jobRow(c, id);
      return row && statuses.includes(row.status) ? row : undefined;
    },
    timeoutMs,
  );
}
