/**
 * WebSocket protocol errors into the JSON log. `ws` emits `error` on a socket whose client broke
 * the protocol — a message above `maxPayload` (`WS_ERR_UNSUPPORTED_MESSAGE_LENGTH`, closed
 * 1009), invalid UTF-8, a bad opcode — after it has already started closing the socket with
 * the right code. graphql-ws (6.x, `use/ws`) listens for that event and prints it with its stack
 * to stderr through `console.error`, outside the log. {@link logSocketErrors} takes the event
 * first and logs it as a warning instead (a client fault, not the server's).
 */
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from 'pino';

/** graphql-ws's close code for an internal error (`CloseCode.InternalServerError`). */
const INTERNAL_ERROR = 1011;

/**
 * Makes every socket of `wsServer` log its `error` events on `log` at warn level (message, ws
 * error code, close code) and close (1011, unless ws already closes it with the protocol's
 * code), without passing them on. Call it before graphql-ws's `useServer`, whose own
 * `connection` listener would otherwise see the event first.
 */
export function logSocketErrors(wsServer: WebSocketServer, log: Logger): void {
  wsServer.on('connection', (socket: WebSocket) => {
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== 'error') return emit(event, ...args);
      const err = args[0] as (Error & { code?: string }) | undefined;
      log.warn(
        { err: { message: err?.message, code: err?.code } },
        'WebSocket closed: the client broke the protocol',
      );
      if (socket.readyState === socket.OPEN) socket.close(INTERNAL_ERROR, 'Internal server error');
      return true;
    }) as WebSocket['emit'];
  });
}
