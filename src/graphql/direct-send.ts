/**
 * Writing a subscription's `next` messages straight to its WebSocket, bypassing graphql-ws's
 * per-message machinery (its `for await`, `onNext`, `stringifyMessage` with `validateMessage`,
 * and a promise per `send`). Used by `./shared-subscribe.ts` for shared results without errors,
 * once graphql-ws has sent the subscription's first message; everything else (the first message,
 * results with errors, `error`, `complete`) stays on graphql-ws.
 *
 * A message is built as graphql-ws builds it — `JSON.stringify({ id, type: 'next', payload })`,
 * where the payload is the result without `errors` — so the bytes are the same, and sent as a
 * text frame like graphql-ws's. The payload's UTF-8 bytes are made once per result, however many
 * subscribers it goes to, and the `{"id":…,"payload":` prefix once per subscription: a send
 * joins two buffers instead of encoding a string (most of a string send's cost in `ws`).
 */
import type { ExecutionResult } from 'graphql';

/** The part of a `ws` WebSocket a direct send uses. */
export interface DirectSocket {
  readonly readyState: number;
  readonly OPEN: number;
  /** Bytes queued in the process and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary: boolean }, cb?: (err?: Error) => void): void;
}

/** Where a subscription's messages go: its graphql-ws socket and subscription id. */
export interface DirectTarget {
  socket: DirectSocket;
  /** The subscription id the client chose (graphql-transport-ws `subscribe.id`). */
  id: string;
  /** Its messages' bytes before the payload (made on the first direct send). */
  prefix?: Buffer;
}

/**
 * Bytes a socket may have queued in the process before a direct send waits for that message to
 * be written before taking the subscription's next event (meanwhile the event source coalesces
 * or bounds what it queues, as it does for graphql-ws, which waits for every send). 64 KiB is a
 * few hundred progress messages; a client that reads keeps its queue far below it. A socket's
 * queue stays under this plus two messages (the last one sent under it, the one being awaited).
 */
export const DIRECT_HIGH_WATER_BYTES = 64 * 1024;

const payloads = new WeakMap<ExecutionResult, Buffer>();
const TEXT = { binary: false };

/**
 * The graphql-transport-ws `next` message of `result` (which has no `errors`) for `target`'s
 * subscription, as UTF-8: byte for byte what graphql-ws would send. The payload's bytes are
 * cached per result, the prefix on the target.
 */
export function nextMessage(target: DirectTarget, result: ExecutionResult): Buffer {
  let payload = payloads.get(result);
  if (payload === undefined) {
    payload = Buffer.from(`${JSON.stringify(result)}}`);
    payloads.set(result, payload);
  }
  const prefix = (target.prefix ??= Buffer.from(
    `{"id":${JSON.stringify(target.id)},"type":"next","payload":`,
  ));
  return Buffer.concat([prefix, payload], prefix.length + payload.length);
}

/**
 * Sends `message` (a text frame) on `socket` and calls `then` when the subscription may take
 * its next event: at once while the socket's queue is under {@link DIRECT_HIGH_WATER_BYTES},
 * else once this message has been written (or failed: the socket is closing and graphql-ws
 * ends the subscription).
 */
export function sendDirect(socket: DirectSocket, message: Buffer, then: () => void): void {
  if (socket.bufferedAmount < DIRECT_HIGH_WATER_BYTES) {
    socket.send(message, TEXT);
    then();
  } else {
    socket.send(message, TEXT, () => then());
  }
}
