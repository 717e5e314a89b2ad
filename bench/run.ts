/**
 * `npm run bench`: the benchmark suite. Builds its inputs, starts what it needs, runs every
 * measure against its baseline in the same run and prints a Markdown table of figures, ratios and
 * targets; the table is also written to `test-artifacts/bench/latest.md` (and `.json`).
 *
 *   npm run bench                 # everything (15 min, 1 h and 4 h inputs)
 *   npm run bench -- --quick      # a ~2-minute subset (smaller inputs, fewer runs)
 *   npm run bench -- --only=reads # one suite: reads, uploads, subscriptions, workers, engines,
 *                                 # workbench, search or webhooks
 *
 * Exit code 1 when a target is missed, so a regression is visible in a script.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../tests/helpers/processes.js';
import { renderTable, type Row } from './lib/stats.js';
import { runTranscriptReads } from './suites/transcript-read.js';
import { runSubscriptions } from './suites/subscriptions.js';
import { runUploads } from './suites/uploads.js';
import { runWorkerMemory } from './suites/worker-memory.js';
import { runEngines } from './suites/engines.js';
import { runWorkbench } from './suites/workbench.js';
import { runSearch } from './suites/search.js';
import { runWebhooks } from './suites/webhooks.js';

interface Suite {
  name: string;
  run(quick: boolean): Promise<Row[]>;
}

const SUITES: Suite[] = [
  {
    name: 'reads',
    run: (quick) =>
      runTranscriptReads(
        quick ? { durations: [900, 14_400], runs: 3 } : { durations: [900, 3600, 14_400], runs: 7 },
      ),
  },
  {
    name: 'uploads',
    run: (quick) =>
      runUploads(
        quick
          ? { bytes: 200_000_000, runs: 2, scale: [900, 14_390] }
          : // 4 h less 10 s: looped to exactly 4 h, the last Opus packet ends past the cap.
            { bytes: 500_000_000, runs: 4, scale: [900, 3600, 14_390] },
      ),
  },
  {
    name: 'subscriptions',
    run: (quick) =>
      runSubscriptions(quick ? { subscribers: 300, events: 3 } : { subscribers: 1000, events: 7 }),
  },
  {
    name: 'workers',
    // The whole pipeline on a fresh worker: 1 h (quick) or 1 h and 4 h.
    run: (quick) => runWorkerMemory({ seconds: quick ? 3600 : 14_400 }),
  },
  {
    name: 'engines',
    // The OpenAI-compatible engine on its double: 10 min (quick) or 20 min and 1 h.
    run: (quick) => runEngines({ durations: quick ? [600] : [1200, 3600] }),
  },
  {
    name: 'workbench',
    // Edits and co-editing on a 4 h transcript (BENCH_REDIS_URL picks the Redis).
    run: (quick) => runWorkbench({ seconds: 14_400, edits: quick ? 20 : 50 }),
  },
  {
    name: 'search',
    // 1,000 transcripts × 100 segments on SQLite and PostgreSQL (200 with --quick).
    run: (quick) =>
      runSearch({ transcripts: quick ? 200 : 1000, segments: 100, runs: quick ? 5 : 20 }),
  },
  {
    name: 'webhooks',
    // Callback latency; the full run adds a receiver down for 2 minutes (~5 min of waiting on
    // the real retry schedule).
    run: (quick) =>
      runWebhooks(quick ? { jobs: 5, outageSeconds: 0 } : { jobs: 10, outageSeconds: 120 }),
  },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const rows: Row[] = [];
  for (const suite of SUITES) {
    if (only && !only.includes(suite.name)) continue;
    const started = Date.now();
    process.stderr.write(`bench: ${suite.name}…\n`);
    rows.push(...(await suite.run(quick)));
    process.stderr.write(
      `bench: ${suite.name} done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
  }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
  const table = `${renderTable(rows)}\n\nMachine: ${machine}${quick ? ' (--quick)' : ''}\n`;
  process.stdout.write(`${table}\n`);
  const outDir = path.join(REPO_ROOT, 'test-artifacts/bench');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'latest.md'), table);
  fs.writeFileSync(
    path.join(outDir, 'latest.json'),
    JSON.stringify({ machine, quick, rows }, null, 2),
  );
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

await main();
