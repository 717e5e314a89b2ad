/**
 * Signals for operators: liveness/readiness, request ids in responses and logs, Prometheus
 * metrics that move when work is done, and logs that never contain transcript text.
 */
import path from 'node:path';
import { createMetrics } from '../../src/observability/metrics.js';
import { startMetricsServer } from '../../src/observability/metrics-server.js';
import {
  FIXTURES_DIR,
  manifest,
  startTestApp,
  TEST_API_KEY,
  waitForStatus,
  type TestApp,
} from '../helpers/harness.js';

let t: TestApp;
const logLines: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'debug' }, { logLines });
});
afterAll(async () => {
  await t?.close();
});

/** Value of one sample line `name{labels} value` in a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

test('liveness and readiness answer separately', async () => {
  const live = await fetch(`${t.url}/api/v1/health/live`);
  expect(live.status).toBe(200);
  expect(await live.json()).toMatchObject({ status: 'ok' });

  const ready = await fetch(`${t.url}/api/v1/health/ready`);
  expect(ready.status).toBe(200);
  const report = (await ready.json()) as any;
  expect(report).toMatchObject({ status: 'ok', database: { ok: true }, redis: { ok: true } });
});

test('every response carries a request id; a sane caller id is kept, a hostile one replaced', async () => {
  const own = await fetch(`${t.url}/api/v1/health/live`, {
    headers: { 'x-request-id': 'partner-42.abc' },
  });
  expect(own.headers.get('x-request-id')).toBe('partner-42.abc');

  const hostile = await fetch(`${t.url}/api/v1/health/live`, {
    headers: { 'x-request-id': 'x'.repeat(65) },
  });
  expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'trace-graphql-1' },
    body: JSON.stringify({ query: '{ serviceInfo { maxUploadBytes } }' }),
  });
  expect(res.headers.get('x-request-id')).toBe('trace-graphql-1');
  const line = logLines.map((l) => JSON.parse(l)).find((l) => l.requestId === 'trace-graphql-1');
  expect(line).toMatchObject({
    tenant: 'default',
    req: { method: 'POST', path: '/graphql' },
    res: { statusCode: 200 },
  });
});

test('metrics move with the work done, and logs never carry transcript text', async () => {
  const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  const id = up.data.uploadAudio.id as string;
  await waitForStatus(t, id, ['COMPLETED']);
  await t.gql('{ job(id: "00000000-0000-0000-0000-000000000000") { id } }');

  const res = await fetch(`${t.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const text = await res.text();

  expect(sample(text, 'kazru_jobs', { status: 'COMPLETED' })).toBe(1);
  expect(
    sample(text, 'kazru_graphql_operation_duration_seconds_count', {
      type: 'mutation',
      field: 'uploadAudio',
      outcome: 'ok',
    }),
  ).toBe(1);
  expect(
    sample(text, 'kazru_http_request_duration_seconds_count', {
      route: '/api/v1/health/live',
      status: '2xx',
    }),
  ).toBeGreaterThanOrEqual(1);
  expect(
    sample(text, 'kazru_stt_request_duration_seconds_count', {
      engine: 'speechkit',
      request: 'recognizeFileAsync',
      outcome: '200',
    }),
  ).toBe(1);
  expect(sample(text, 'kazru_queue_jobs', { state: 'waiting' })).toBe(0);
  expect(text).toContain('kazru_process_resident_memory_bytes');

  const jobLines = logLines.map((l) => JSON.parse(l)).filter((l) => l.jobId === id);
  expect(jobLines.length).toBeGreaterThan(0);
  for (const l of jobLines) expect(l.tenant).toBe('default');

  const texts = manifest('dialogue-mono.ogg').utterances.map((u) => u.text);
  expect(texts.length).toBeGreaterThan(0);
  const all = logLines.join('\n');
  expect(logLines.length).toBeGreaterThan(5);
  for (const words of texts) expect(all).not.toContain(words);
  expect(all).not.toContain(TEST_API_KEY);
});

test('a worker-only process serves its own /metrics on METRICS_PORT', async () => {
  const metrics = createMetrics('worker');
  metrics.stageSeconds.observe({ stage: 'transcode' }, 3.5);
  const server = await startMetricsServer(metrics, '127.0.0.1', 0);
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(sample(text, 'kazru_pipeline_stage_duration_seconds_sum', { stage: 'transcode' })).toBe(
      3.5,
    );
    expect(text).toContain('role="worker"');
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/graphql`)).status).toBe(404);
  } finally {
    await server.close();
  }
});
