/**
 * HTTP keep-alive (issue 15): with the default HTTP_KEEPALIVE_TIMEOUT_SECONDS (65 s) a
 * connection left idle for 6 s — longer than Node's own 5 s default — is still open and is
 * reused for the next request, as a load balancer or a pooling client would reuse it.
 */
import http from 'node:http';
import { loadConfig } from '../../src/config/config.js';
import { startTestApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** GET over `agent`; resolves with the status and whether the request reused a pooled socket. */
function get(agent: http.Agent, url: string): Promise<{ status: number; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

test('the default keeps idle connections 65 s, headers timeout above it', () => {
  expect(loadConfig({}).httpKeepAliveTimeoutSeconds).toBe(65);
  expect(() => loadConfig({ HTTP_KEEPALIVE_TIMEOUT_SECONDS: '0' })).toThrow(
    /HTTP_KEEPALIVE_TIMEOUT_SECONDS/,
  );
  const server = t.app.api!.server;
  expect(server.keepAliveTimeout).toBe(65_000);
  expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
});

test('a connection idle for 6 s is reused for the next request', async () => {
  const server = t.app.api!.server;
  let connections = 0;
  const count = () => connections++;
  server.on('connection', count);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const url = `${t.url}/api/v1/health/live`;
    expect(await get(agent, url)).toEqual({ status: 200, reused: false });
    await new Promise((r) => setTimeout(r, 6000));
    expect(await get(agent, url)).toEqual({ status: 200, reused: true });
    expect(connections).toBe(1);
  } finally {
    agent.destroy();
    server.off('connection', count);
  }
});
