/**
 * A real HTTP receiver for webhook tests: records every request (headers, exact body, arrival
 * time) and answers as the test says, per path. Signatures are verified by the tests with the
 * `standardwebhooks` package, as a partner would.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as received. */
export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Date.now() when the body had arrived. */
  at: number;
}

/** How to answer: a status (and headers), optionally after a delay. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface Receiver {
  port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path: string): string;
  received: Received[];
  /** Requests to `path`. */
  at(path: string): Received[];
  /** Answers to the next requests on `path`, in order; then 200. */
  script(path: string, replies: Reply[]): void;
  /** Answers every request on `path` with `status` until Date.now() reaches `untilMs` (an
   * outage by the clock, for the benchmark); scripted replies come after it. */
  failUntil(path: string, untilMs: number, status?: number): void;
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 (a free port). */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const scripts = new Map<string, Reply[]>();
  const outages = new Map<string, { untilMs: number; status: number }>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({
        path,
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(', ') : (v ?? ''),
          ]),
        ),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const outage = outages.get(path);
      const reply =
        outage && Date.now() < outage.untilMs
          ? { status: outage.status }
          : (scripts.get(path)?.shift() ?? { status: 200 });
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, reply.headers);
        res.end('ok');
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (p) => `http://127.0.0.1:${port}${p}`,
    received,
    at: (p) => received.filter((r) => r.path === p),
    script: (p, replies) => scripts.set(p, [...replies]),
    failUntil: (p, untilMs, status = 503) => outages.set(p, { untilMs, status }),
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * Verifies a received webhook with the Standard Webhooks library and returns its payload.
 * @throws WebhookVerificationError when the signature does not match `secret`.
 */
export function verify(secret: string, r: Received): any {
  return new Webhook(secret).verify(r.body, r.headers);
}
