/**
 * Lingering close for refusals answered before the request body was read (CSRF preflight
 * missing, 401, 429, 413, a GraphQL validation error while the file part is still arriving).
 *
 * Without it Node answers and then destroys the socket while the client is still sending; the
 * unread bytes make the kernel reset the connection, and a client that reads the response only
 * after sending the body — Node's `fetch` (undici) — fails with EPIPE/ECONNRESET and never sees
 * the status or `Retry-After`. As nginx does (`lingering_close`, `lingering_time` 30 s,
 * `lingering_timeout` 5 s; https://nginx.org/en/docs/http/ngx_http_core_module.html#lingering_close),
 * such a response is sent with `Connection: close` and the rest of the body is read and
 * discarded, within bounds of bytes and time, before the socket is closed, so every client —
 * curl, Node `fetch`, browsers — reads the answer.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Socket } from 'node:net';

/** Bounds of the discarding (per connection). */
export interface LingerLimits {
  /** Bytes discarded after the response at most (e.g. the upload limit plus form overhead). */
  maxBytes: number;
  /** Milliseconds of lingering at most, from the end of the response. */
  maxMs: number;
  /** Milliseconds without a byte from the client after which lingering stops. */
  idleMs: number;
}

/** Defaults: nginx's `lingering_timeout` (5 s); 60 s in all, enough for a few hundred MB on a LAN. */
export const DEFAULT_LINGER_MS = { maxMs: 60_000, idleMs: 5_000 } as const;

/** True when the request announces a body (a length above 0, or chunked). */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (
    (length !== undefined && Number(length) > 0) || req.headers['transfer-encoding'] !== undefined
  );
}

/**
 * Express middleware: for a request with a body, a response whose headers go out before the
 * body has been received in full gets `Connection: close`, and once the response is sent the
 * remaining body is discarded (at most `limits.maxBytes`, `limits.maxMs`, stopping after
 * `limits.idleMs` of silence) before the socket is closed. Responses to fully read requests are
 * untouched. Mount it first.
 * @param onLinger told how each lingering close ended (for logs and tests): bytes discarded,
 *   milliseconds and why it stopped (`complete`: the body ended; `client-closed`; `max-bytes`;
 *   `max-time`; `idle`).
 */
export function lingeringClose(
  limits: LingerLimits,
  onLinger?: (result: LingerResult) => void,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    if (!hasBody(req)) {
      next();
      return;
    }
    // Node's implicit headers (res.end without writeHead) go through writeHead too.
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => Response;
    res.writeHead = ((...args: unknown[]) => {
      if (!req.complete && !res.headersSent) {
        res.setHeader('Connection', 'close');
        deferClose(req, req.socket, limits, onLinger);
      }
      return writeHead(...args);
    }) as Response['writeHead'];
    next();
  };
}

/** How a lingering close ended. */
export interface LingerResult {
  discardedBytes: number;
  ms: number;
  reason: 'complete' | 'client-closed' | 'max-bytes' | 'max-time' | 'idle';
}

/**
 * Replaces the socket's `destroySoon` (what Node's http server calls once a `Connection:
 * close` response is written) by: discard what still arrives, then close.
 */
function deferClose(
  req: Request,
  socket: Socket,
  limits: LingerLimits,
  onLinger?: (result: LingerResult) => void,
): void {
  const destroySoon = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    if (req.complete || socket.destroyed) {
      destroySoon();
      return;
    }
    const started = Date.now();
    let discarded = 0;
    let done = false;
    const stop = (reason: LingerResult['reason']) => {
      if (done) return;
      done = true;
      clearTimeout(total);
      clearTimeout(idle);
      req.off('data', onData);
      req.off('end', onEnd);
      socket.off('close', onClose);
      onLinger?.({ discardedBytes: discarded, ms: Date.now() - started, reason });
      // Everything the client sent has been read (except past the bounds, where the client is
      // on its own): closing now resets nothing unread.
      if (reason !== 'client-closed') socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      idle.refresh();
      if (discarded > limits.maxBytes) stop('max-bytes');
    };
    // The body ended, or the client half-closed its side after reading the answer.
    const onEnd = () => stop(req.complete ? 'complete' : 'client-closed');
    const onClose = () => stop('client-closed');
    const total = setTimeout(() => stop('max-time'), limits.maxMs);
    const idle = setTimeout(() => stop('idle'), limits.idleMs);
    total.unref();
    idle.unref();
    socket.once('close', onClose);
    req.once('end', onEnd);
    // As nginx: our side is done (FIN after the response; http sockets allow half-open), so
    // clients that wait for the end of the connection (Chromium during an upload) finish at once.
    socket.end();
    // Whoever was reading the body (busboy, a JSON parser) stopped; read it into the void.
    // (Node's parser reads the socket itself and hands the body to `req`: count it there.)
    req.unpipe();
    req.removeAllListeners('data');
    req.on('data', onData);
    req.resume();
  };
}
