/**
 * A minimal HTTP server for processes without the api role (workers), so Prometheus can scrape
 * their own metrics (stage timings, engine latency and retries, billed audio):
 * `GET /metrics` and `GET /health/live` on `METRICS_PORT`. Everything else is 404.
 */
import http from 'node:http';
import type { Metrics } from './metrics.js';
import { applyKeepAlive } from '../http/keep-alive.js';

/** A running metrics server. */
export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the server on `host:port` (port 0 picks a free one).
 * @param keepAliveSeconds idle connections are kept this long (`HTTP_KEEPALIVE_TIMEOUT_SECONDS`).
 * @throws when the port cannot be bound.
 */
export async function startMetricsServer(
  metrics: Metrics,
  host: string,
  port: number,
  keepAliveSeconds = 65,
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      metrics.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(body);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics collection failed\n');
        },
      );
      return;
    }
    if (req.method === 'GET' && path === '/health/live') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  applyKeepAlive(server, keepAliveSeconds);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
