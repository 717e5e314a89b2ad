/**
 * The service deployed on separate simulated hosts (`tests/helpers/netns.ts`): every service
 * process runs in its host's network namespace with its own DATA_DIR, and reaches the shared
 * parts — Redis (a redis-server of this test, with AOF), PostgreSQL (a throwaway database behind a
 * TCP proxy), the S3 server and the SpeechKit double — only at the lab's bridge address.
 *
 * Everything started here is stopped by {@link Deployment.close} (safe after failures).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startSpeechKitDouble, type SpeechKitDouble } from '../speechkit-double/index.js';
import { loadManifests } from '../speechkit-double/manifest.js';
import { FIXTURES_DIR, RELAXED_LIMITS_ENV, TEST_API_KEY } from '../helpers/harness.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../helpers/postgres.js';
import { REPO_ROOT, SERVICE_NODE_FLAGS, freePort, waitFor } from '../helpers/processes.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { killedWithParent, labTempDir, type NetnsHost, type NetnsLab } from '../helpers/netns.js';

const MAIN_JS = path.join(REPO_ROOT, 'dist/src/main.js');
/** The api's port inside its namespace (each namespace has its own ports). */
export const API_PORT = 4000;

/** A service process on a lab host. */
export interface HostProc {
  host: NetnsHost;
  role: 'api' | 'worker';
  /** Its own DATA_DIR (scratch space only: objects live in the store). */
  dataDir: string;
  child: ChildProcess;
  pid: number;
  /** stdout + stderr so far. */
  output(): string;
  readonly alive: boolean;
  exited: Promise<void>;
  /** SIGKILLs it and waits for the exit. */
  kill(): Promise<void>;
}

/** Shared parts on the machine's side plus the service processes on the hosts. */
export interface Deployment {
  double: SpeechKitDouble;
  /** Redis as the test process reaches it (127.0.0.1). */
  redis: Redis;
  /** PostgreSQL as the test process reaches it. */
  db: pg.Pool;
  /** Env every service process gets (plus its own DATA_DIR and ROLES). */
  env: Record<string, string>;
  procs: HostProc[];
  /** Starts `role` on `host` with its own fresh DATA_DIR; resolves once it is ready. */
  start(host: NetnsHost, role: 'api' | 'worker'): Promise<HostProc>;
  close(): Promise<void>;
}

/** Extra env of the object store; see the test for how it is made. */
export type StorageEnv = Record<string, string>;

/**
 * Starts the shared parts at `lab.gateway`: redis-server (AOF on), a proxy to PostgreSQL's
 * 127.0.0.1:5432 with a throwaway database, and the SpeechKit double.
 * @param opts.storageEnv env pointing the services at the object store (reachable from the hosts).
 * @param opts.pollsUntilDone polls the double answers `done:false` (sets how long recognition lasts).
 * @returns null when PostgreSQL is not reachable (the caller skips).
 */
export async function createDeployment(
  lab: NetnsLab,
  opts: { storageEnv: StorageEnv; pollsUntilDone: number; env?: Record<string, string> },
): Promise<Deployment | null> {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  const procs: HostProc[] = [];
  const dataDirs: string[] = [];
  const close = async () => {
    for (const p of procs) await p.kill();
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    for (const d of dataDirs) fs.rmSync(d, { recursive: true, force: true });
  };
  try {
    const database: ThrowawayDatabase | null = await createThrowawayDatabase();
    if (!database) return null;
    cleanups.push(() => database.drop());
    const db = new pg.Pool({ connectionString: database.url, max: 4 });
    cleanups.push(() => db.end());
    const pgProxy: TcpProxy = await startTcpProxy({ port: 5432 }, 0, lab.gateway);
    cleanups.push(() => pgProxy.close());
    const hostDbUrl = new URL(database.url);
    hostDbUrl.hostname = lab.gateway;
    hostDbUrl.port = String(pgProxy.port);

    const redisPort = await freePort();
    const redisServer = await startRedis(lab.gateway, redisPort);
    cleanups.push(async () => {
      redisServer.proc.kill('SIGKILL');
      fs.rmSync(redisServer.dir, { recursive: true, force: true });
    });
    const redis = new Redis(redisPort, '127.0.0.1');
    cleanups.push(() => redis.disconnect());

    const double = await startSpeechKitDouble({
      apiKey: TEST_API_KEY,
      manifests: loadManifests(FIXTURES_DIR),
      pollsUntilDone: opts.pollsUntilDone,
      host: lab.gateway,
    });
    cleanups.push(() => double.close());

    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'test',
      HOST: '0.0.0.0',
      PORT: String(API_PORT),
      REDIS_URL: `redis://${lab.gateway}:${redisPort}`,
      DATABASE_URL: hostDbUrl.toString(),
      YANDEX_API_KEY: TEST_API_KEY,
      SPEECHKIT_STT_URL: double.url,
      SPEECHKIT_OPERATION_URL: double.url,
      SPEECHKIT_IAM_URL: double.iamUrl,
      WORKER_CONCURRENCY: '1',
      LOG_LEVEL: 'info',
      ...RELAXED_LIMITS_ENV,
      ...opts.storageEnv,
      ...opts.env,
    };

    const start = async (host: NetnsHost, role: 'api' | 'worker') => {
      const dataDir = labTempDir(host.name);
      dataDirs.push(dataDir);
      const child = host.spawn(process.execPath, [...SERVICE_NODE_FLAGS, MAIN_JS], {
        cwd: REPO_ROOT,
        env: { ...env, ROLES: role, DATA_DIR: dataDir, SCRATCH_DIR: path.join(dataDir, 'scratch') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const proc = trackProc(host, role, dataDir, child);
      procs.push(proc);
      const ready = role === 'api' ? /api listening/ : /worker processing transcription jobs/;
      await waitFor(
        `${role} on ${host.name} to start`,
        () => {
          if (!proc.alive) throw new Error(`${role} on ${host.name} exited:\n${proc.output()}`);
          return ready.test(proc.output());
        },
        30_000,
        50,
      );
      return proc;
    };
    return { double, redis, db, env, procs, start, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function trackProc(
  host: NetnsHost,
  role: 'api' | 'worker',
  dataDir: string,
  child: ChildProcess,
): HostProc {
  let out = '';
  let alive = true;
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      alive = false;
      resolve();
    }),
  );
  return {
    host,
    role,
    dataDir,
    child,
    pid: child.pid!,
    output: () => out,
    get alive() {
      return alive;
    },
    exited,
    kill: async () => {
      if (alive) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** redis-server on 127.0.0.1 and `gateway`, AOF on (as in production), in a temp directory. */
async function startRedis(
  gateway: string,
  port: number,
): Promise<{ proc: ChildProcess; dir: string }> {
  const dir = labTempDir('redis');
  const proc = spawn(
    ...killedWithParent('redis-server', [
      ...['--port', String(port), '--bind', '127.0.0.1', gateway, '--protected-mode', 'no'],
      ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir],
    ]),
    { stdio: 'ignore' },
  );
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  try {
    await waitFor(
      'redis-server to answer PING',
      async () => (await probe.ping().catch(() => null)) === 'PONG',
      10_000,
      50,
    );
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  } finally {
    probe.disconnect();
  }
  return { proc, dir };
}
