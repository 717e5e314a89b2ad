/**
 * A small TCP proxy for fault injection in tests: put it between a client and a server (Redis,
 * the api's HTTP/WebSocket port) and drop, stall or delay the connections on demand.
 */
import net from 'node:net';

/** A running proxy (on 127.0.0.1 unless another listen address was given). */
export interface TcpProxy {
  /** Port clients connect to. */
  port: number;
  /** Connections currently open through the proxy. */
  readonly openConnections: number;
  /** Destroys every open connection at once (both sides see a reset). */
  dropAll(): void;
  /** Refuses new connections (they are closed at once) and drops open ones until `resume()`. */
  block(): void;
  /** Accepts connections again after `block()`. */
  resume(): void;
  /** Adds `ms` milliseconds of latency to every chunk forwarded in either direction. */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

/**
 * Starts a proxy that forwards to `target.host:target.port`.
 * @param target.port the real server's port.
 * @param listenPort port to listen on (0 picks a free one).
 * @param listenHost address to listen on (default 127.0.0.1).
 */
export async function startTcpProxy(
  target: { host?: string; port: number },
  listenPort = 0,
  listenHost = '127.0.0.1',
): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let blocked = false;
  let delayMs = 0;

  const forward = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      if (delayMs > 0) {
        from.pause();
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        }, delayMs);
      } else if (!to.destroyed) {
        to.write(chunk);
      }
    });
    from.on('end', () => to.end());
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };

  const server = net.createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host ?? '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const dropAll = () => {
    for (const s of sockets) s.resetAndDestroy();
    sockets.clear();
  };
  return {
    port,
    get openConnections() {
      return sockets.size / 2;
    },
    dropAll,
    block: () => {
      blocked = true;
      dropAll();
    },
    resume: () => {
      blocked = false;
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: async () => {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
