/**
 * The operations pack (deploy/): the Prometheus alert rules pass `promtool check` and their
 * unit tests (`promtool test rules`), and every metric the rules and the Grafana dashboard
 * query is one the running service exports on `GET /metrics` (api + worker in one process,
 * as `npm start` runs it). The new operator signals (worker slots, expiry sweep, DATA_DIR
 * space) carry real values, and a real Prometheus scraping the healthy service evaluates
 * every rule without error and with no alert pending.
 *
 * promtool and prometheus come from Debian's `prometheus` package (scripts/test.sh installs it).
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { REPO_ROOT } from '../helpers/repo-root.js';

const run = promisify(execFile);
const DEPLOY = path.join(REPO_ROOT, 'deploy');
const RULES = path.join(DEPLOY, 'prometheus/rules/kazru-alerts.yml');
const DASHBOARD = path.join(DEPLOY, 'grafana/dashboards/kazru-stt-pro.json');
/**
 * Metrics the rules may name before the service exports them (none now; a name added here
 * must say which work will export it).
 */
const PENDING_METRICS = new Set<string>();

let t: TestApp;
let exposition = '';

beforeAll(async () => {
  t = await startTestApp({ WORKER_CONCURRENCY: '3' });
  // The worker sweeps expired jobs once at start-up; wait for it to have succeeded.
  const deadline = Date.now() + 10_000;
  do {
    exposition = await (await fetch(`${t.url}/metrics`)).text();
    if ((sample(exposition, 'kazru_expiry_sweep_last_success_timestamp_seconds') ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < deadline);
});
afterAll(async () => {
  await t?.close();
});

/** Series names the exposition declares (`# TYPE` lines; histograms add _bucket/_sum/_count). */
function exportedSeries(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

/** Value of the unlabelled sample `name value` (with default labels only), or undefined. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** `kazru_…` metric names in a PromQL expression. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\bkazru_[a-z0-9_]+\b/g)].map((m) => m[0]);
}

/** Every `expr` of a Grafana dashboard's panels (rows' nested panels included). */
function dashboardQueries(dashboard: { panels?: unknown[] }): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const visit = (panels: unknown[] = []) => {
    for (const p of panels as {
      title: string;
      panels?: unknown[];
      targets?: { expr?: string }[];
    }[]) {
      for (const target of p.targets ?? []) out.push({ panel: p.title, expr: target.expr ?? '' });
      visit(p.panels);
    }
  };
  visit(dashboard.panels);
  return out;
}

test('the alert rules and the Prometheus config pass promtool, and the rule unit tests pass', async () => {
  const promtool = await run('promtool', ['--version']).catch(() => undefined);
  if (!promtool) {
    throw new Error('promtool not found: apt-get install prometheus (scripts/test.sh does)');
  }
  await run('promtool', ['check', 'rules', RULES]);
  await run('promtool', ['check', 'config', path.join(DEPLOY, 'prometheus/prometheus.yml')]);
  const tests = fs
    .readdirSync(path.join(DEPLOY, 'prometheus/tests'))
    .filter((f) => f.endsWith('.yml'))
    .map((f) => path.join(DEPLOY, 'prometheus/tests', f));
  expect(tests.length).toBeGreaterThan(0);
  // Exits non-zero with the failing case on stdout.
  const result = await run('promtool', ['test', 'rules', ...tests]).catch(
    (err: { stdout?: string; stderr?: string }) => {
      throw new Error(`promtool test rules failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    },
  );
  expect(result.stdout).toContain('SUCCESS');
});

test('every metric the alert rules name is exported by the service (webhooks pending)', () => {
  const exported = exportedSeries(exposition);
  // Expressions and annotations; YAML comments (which mention families like kazru_worker_*) dropped.
  const yaml = fs.readFileSync(RULES, 'utf8').replace(/(^|\s)#.*$/gm, '');
  const named = new Set(metricNames(yaml));
  expect(named.size).toBeGreaterThan(10);
  const missing = [...named].filter((n) => !exported.has(n) && !PENDING_METRICS.has(n));
  expect(missing).toEqual([]);
});

test('every Grafana query names only metrics the service exports', () => {
  const exported = exportedSeries(exposition);
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels?: unknown[] };
  const queries = dashboardQueries(dashboard);
  expect(queries.length).toBeGreaterThan(20);
  const problems = queries.flatMap(({ panel, expr }) => {
    const names = metricNames(expr);
    if (names.length === 0) return [`${panel}: no kazru_ metric in "${expr}"`];
    return names.filter((n) => !exported.has(n)).map((n) => `${panel}: ${n} is not exported`);
  });
  expect(problems).toEqual([]);
});

test('workers, the expiry sweep and DATA_DIR space are visible to the alerts', () => {
  expect(sample(exposition, 'kazru_worker_slots')).toBe(3);
  const sweptAt = sample(exposition, 'kazru_expiry_sweep_last_success_timestamp_seconds') ?? 0;
  expect(Math.abs(Date.now() / 1000 - sweptAt)).toBeLessThan(60);
  expect(exposition).toMatch(/^kazru_expiry_sweeps_total\{outcome="ok".*\} [1-9]/m);
  const free = sample(exposition, 'kazru_data_dir_free_bytes') ?? 0;
  const size = sample(exposition, 'kazru_data_dir_size_bytes') ?? 0;
  const st = fs.statfsSync(t.dataDir);
  expect(size).toBe(st.blocks * st.bsize);
  expect(free).toBeGreaterThan(0);
  expect(free).toBeLessThanOrEqual(size);
});

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a real Prometheus scraping the healthy service evaluates every rule without error, none active', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-prom-'));
  const port = await freePort();
  // The rule file as deployed, the service scraped as the compose config names it.
  fs.writeFileSync(
    path.join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${RULES}']`,
      'scrape_configs:',
      `  - { job_name: kazru-api, static_configs: [{ targets: ['${new URL(t.url).host}'] }] }`,
    ].join('\n'),
  );
  const prometheus = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  let spawnError: Error | undefined;
  prometheus.on('error', (err) => (spawnError = err));
  try {
    /** `data` of a Prometheus HTTP API answer. */
    const api = async <T>(p: string): Promise<T> =>
      ((await (await fetch(`http://127.0.0.1:${port}/api/v1/${p}`)).json()) as { data: T }).data;
    type Rule = { name: string; health: string; lastError?: string; state: string };
    let rules: Rule[] = [];
    const deadline = Date.now() + 20_000;
    // Until the target has been scraped and every rule evaluated after that.
    for (;;) {
      const ready = await api<{ activeTargets: { health: string }[] }>('targets')
        .then(async (targets) => {
          const up = targets.activeTargets.some((x) => x.health === 'up');
          if (!up) return false;
          await new Promise((r) => setTimeout(r, 2500));
          const { groups } = await api<{ groups: { rules: Rule[] }[] }>('rules');
          rules = groups.flatMap((g) => g.rules);
          return rules.every((r) => r.health !== 'unknown');
        })
        .catch(() => false);
      if (ready) break;
      if (spawnError) {
        throw new Error(`prometheus (Debian package prometheus): ${spawnError.message}`);
      }
      if (Date.now() > deadline) throw new Error('Prometheus did not evaluate the rules in 20 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(rules.length).toBe(12);
    expect(rules.filter((r) => r.health !== 'ok')).toEqual([]);
    // A healthy api + worker: nothing pending or firing (the webhook metric does not exist yet).
    expect(rules.filter((r) => r.state !== 'inactive').map((r) => r.name)).toEqual([]);
  } finally {
    if (prometheus.exitCode === null && !spawnError) {
      prometheus.kill('SIGTERM');
      await new Promise((resolve) => prometheus.once('exit', resolve));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
