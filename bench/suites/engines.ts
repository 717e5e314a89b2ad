/**
 * The OpenAI-compatible engine at real sizes: one long recording (the dialogue fixture looped)
 * through the whole pipeline on a worker process (`dist/src/main.js`, so `npm run build:server`
 * first) against the OpenAI double in whisper.cpp's flavour (one request at a time, as
 * whisper.cpp serves them). Reported per length:
 *
 * - requests per audio minute (pieces cut at pauses, plus any language retries);
 * - the engine's own time (the double's time from a request's arrival to its answer, summed)
 *   against the recognition stage's wall time: the difference is what the pipeline adds (cutting
 *   pieces with ffmpeg, HTTP, saving each answer, parsing);
 * - audio seconds billed (every second the double decoded, retries included) against the
 *   recording's length.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createCluster,
  flushRedisDb,
  freePort,
  makeLongRecording,
  sleep,
} from '../../tests/helpers/processes.js';
import { FIXTURES_DIR } from '../../tests/helpers/harness.js';
import { startOpenAiDouble } from '../../tests/openai-double/index.js';
import { loadManifests } from '../../tests/speechkit-double/manifest.js';
import { stageSeconds } from '../lib/probe.js';
import type { Row } from '../lib/stats.js';

/** Redis database the suite flushes and uses (tests use 1–12, the workers suite 14). */
const BENCH_REDIS_URL = 'redis://127.0.0.1:6379/13';

const SUITE = 'openai engine';

/** Options of {@link runEngines}: recording lengths in seconds. */
export interface EnginesOptions {
  durations: number[];
}

/** Runs the suite; one cluster and one double for all lengths. */
export async function runEngines(opts: EnginesOptions): Promise<Row[]> {
  await flushRedisDb(BENCH_REDIS_URL);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-bench-engines-'));
  const whisper = await startOpenAiDouble({
    flavour: 'whisper.cpp',
    manifests: loadManifests(FIXTURES_DIR),
  });
  const metricsPort = await freePort();
  const cluster = await createCluster({
    redisUrl: BENCH_REDIS_URL,
    env: {
      NODE_ENV: 'production',
      OPENAI_STT_URL: whisper.url,
      STT_DEFAULT_ENGINE: 'openai',
    },
  });
  const rows: Row[] = [];
  try {
    await cluster.startApi();
    await cluster.startWorker({ METRICS_PORT: String(metricsPort) });
    for (const seconds of opts.durations) {
      const recording = await makeLongRecording(tmp, seconds);
      const before = whisper.requests.length;
      const recognitionBefore = (await stageSeconds(metricsPort)).recognition ?? 0;
      const up = await cluster.upload(recording);
      const id = (up.data as { uploadAudio?: { id: string } } | undefined)?.uploadAudio?.id;
      if (!id) throw new Error(`upload failed: ${JSON.stringify(up.errors)}`);
      const started = Date.now();
      for (;;) {
        const row = cluster.sql<{ status: string; error_code: string | null }>(
          'select status, error_code from jobs where id = ?',
          id,
        )[0];
        if (row.status === 'COMPLETED') break;
        if (['FAILED', 'CANCELLED', 'EXPIRED'].includes(row.status)) {
          throw new Error(`job ${id} ended ${row.status} (${row.error_code})`);
        }
        await sleep(200);
      }
      const wallMs = Date.now() - started;
      const requests = whisper.requests.slice(before);
      const engineMs = requests.reduce((s, r) => s + ((r.answeredAt ?? r.at) - r.at), 0);
      const billed = requests.reduce((s, r) => s + (r.audioSeconds ?? 0), 0);
      const recognition = ((await stageSeconds(metricsPort)).recognition ?? 0) - recognitionBefore;
      const minutes = seconds / 60;
      const len = seconds >= 3600 ? `${seconds / 3600} h` : `${minutes} min`;
      rows.push(
        {
          suite: SUITE,
          measure: `requests per audio minute, ${len}`,
          value: `${(requests.length / minutes).toFixed(1)} (${requests.length} requests)`,
        },
        {
          suite: SUITE,
          measure: `recognition wall time vs the engine's own time, ${len}`,
          value: `${recognition.toFixed(1)} s vs ${(engineMs / 1000).toFixed(1)} s: the pipeline adds ${(recognition - engineMs / 1000).toFixed(1)} s (${((recognition / (engineMs / 1000) - 1) * 100).toFixed(0)} %); whole job ${(wallMs / 1000).toFixed(1)} s`,
        },
        {
          suite: SUITE,
          measure: `audio billed vs recorded, ${len}`,
          value: `${billed.toFixed(1)} s of ${seconds} s (${((billed / seconds) * 100).toFixed(1)} %; pauses are not sent)`,
          target: '≤ 105 %',
          pass: billed <= seconds * 1.05,
        },
      );
    }
  } finally {
    await cluster.close();
    await whisper.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
