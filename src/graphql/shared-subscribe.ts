/**
 * Subscription execution shared between subscribers. graphql-js executes the selection set once
 * per event per subscriber; when 1,000 browser tabs follow one job with the same document, that
 * is 1,000 identical executions before a single message goes out, and the last subscriber hears
 * of the event long after the first. This `subscribe` (for graphql-ws's `useServer`) executes
 * each event once per distinct (document, operation, variables, caller) and gives every matching
 * subscriber the same result; graphql-ws then only serialises and sends it.
 *
 * Sharing is sound because the result depends only on those inputs: the event object (the same
 * object for every subscriber in this process: the Redis event target parses a message once),
 * the document and variables, and the caller (tenant and API key: `Job.audioUrl` is signed for
 * the key). Results go with their event objects (a WeakMap); events that are not objects, and
 * every subscriber's first event (its own current state), are executed per subscriber.
 *
 * Direct fan-out: once graphql-ws has sent a subscription's first message and asks for the next
 * one, this iterator does not hand it results without errors any more: it writes them to the
 * subscription's socket itself (`./direct-send.ts`), the same bytes graphql-ws would send, for
 * every subscriber of a shared result in one synchronous loop when the result is ready. A result
 * with errors is handed to graphql-ws (its `onNext` masks them) and direct sends resume when
 * graphql-ws asks for the next event, so no message overtakes another; the end of the source,
 * `return()` (complete, disconnect) and thrown errors go through graphql-ws as before.
 */
import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { nextMessage, sendDirect, type DirectTarget } from './direct-send.js';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Told when a shared result is known. */
interface Waiter {
  ok(result: ExecutionResult): void;
  fail(err: unknown): void;
}

/** One execution of an event, shared by the subscribers with the same key. */
interface Shared {
  result: Result;
  settled?: { value: ExecutionResult } | { error: unknown };
  /** Subscriptions waiting to send the result directly; null once settled. */
  waiters: Waiter[] | null;
}

/** What {@link createSharedSubscribe} needs to know about a subscription's context. */
export interface SharedSubscribeOptions {
  /**
   * The part of the context a result may depend on, as a string (e.g. `tenant/keyId`);
   * subscribers with different callers never share a result.
   */
  callerOf(contextValue: unknown): string;
  /** The socket and id of the subscription with this context; none: no direct sends. */
  targetOf?(contextValue: unknown): DirectTarget | undefined;
  /** Called before each direct send, as graphql-ws calls `onNext` (e.g. drop read caches). */
  onDirectNext?(contextValue: unknown): void;
}

/** graphql-ws's pending `next()`. */
interface Handoff {
  resolve(r: IteratorResult<ExecutionResult>): void;
  fail(err: unknown): void;
}

const DONE = { done: true as const, value: undefined };

const settle = (result: Result): Shared => {
  const shared: Shared = { result, waiters: null };
  if (!(result instanceof Promise)) {
    shared.settled = { value: result };
    return shared;
  }
  shared.waiters = [];
  const wake = (settled: NonNullable<Shared['settled']>) => {
    shared.settled = settled;
    const waiters = shared.waiters!;
    shared.waiters = null;
    // The fan-out: one loop over every subscriber of this result.
    for (const w of waiters) notify(w, settled);
  };
  result.then(
    (value) => wake({ value }),
    (error: unknown) => wake({ error }),
  );
  return shared;
};

const notify = (w: Waiter, settled: NonNullable<Shared['settled']>) =>
  'value' in settled ? w.ok(settled.value) : w.fail(settled.error);

const whenSettled = (shared: Shared, w: Waiter) => {
  if (shared.settled) notify(w, shared.settled);
  else shared.waiters!.push(w);
};

/** Builds the shared `subscribe` (see the module comment). */
export function createSharedSubscribe(opts: SharedSubscribeOptions) {
  const results = new WeakMap<object, Map<string, Shared>>();
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const documentId = (d: DocumentNode) => {
    let id = documentIds.get(d);
    if (id === undefined) documentIds.set(d, (id = nextDocumentId++));
    return id;
  };

  // A subscription's arguments are the same object for all its events: its key is made once.
  const keys = new WeakMap<ExecutionArgs, string>();
  const keyOf = (args: ExecutionArgs) => {
    let key = keys.get(args);
    if (key === undefined) {
      key = [
        documentId(args.document),
        args.operationName ?? '',
        JSON.stringify(args.variableValues ?? {}),
        opts.callerOf(args.contextValue),
      ].join('\n');
      keys.set(args, key);
    }
    return key;
  };

  const sharedOf = (args: ExecutionArgs, event: unknown): Shared => {
    if (typeof event !== 'object' || event === null) {
      return settle(execute({ ...args, rootValue: event }));
    }
    const key = keyOf(args);
    let perEvent = results.get(event);
    if (!perEvent) results.set(event, (perEvent = new Map<string, Shared>()));
    let shared = perEvent.get(key);
    if (!shared) perEvent.set(key, (shared = settle(execute({ ...args, rootValue: event }))));
    return shared;
  };

  /**
   * One subscription's results. Before its first message has gone out (or without a target),
   * `next()` answers each event's result; after it, `next()` stays pending while results are
   * sent directly and answers only a result with errors, or the end.
   */
  const stream = (
    args: ExecutionArgs,
    events: AsyncIterator<unknown>,
    target: DirectTarget | undefined,
  ): AsyncIterableIterator<ExecutionResult> => {
    let first = true;
    let stopped = false;
    // graphql-ws's pending `next()` while results are sent directly.
    let handoff: Handoff | null = null;
    const hand = (r: IteratorResult<ExecutionResult>) => {
      const h = handoff;
      handoff = null;
      h?.resolve(r);
    };
    const fail = (err: unknown) => {
      const h = handoff;
      handoff = null;
      h?.fail(err);
    };
    const pull = () => {
      if (stopped) hand(DONE);
      else events.next().then(onEvent, fail);
    };
    const waiter: Waiter = {
      ok: (result) => {
        if (stopped) return;
        const socket = target!.socket;
        if (result.errors || socket.readyState !== socket.OPEN) {
          hand({ done: false, value: result });
          return;
        }
        opts.onDirectNext?.(args.contextValue);
        sendDirect(socket, nextMessage(target!, result), pull);
      },
      fail,
    };
    const onEvent = (next: IteratorResult<unknown>) => {
      if (stopped || next.done) hand(DONE);
      else whenSettled(sharedOf(args, next.value), waiter);
    };
    const end = async () => {
      stopped = true;
      hand(DONE);
      await events.return?.();
    };

    const mapped: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]: () => mapped,
      next: async () => {
        if (!first && target) {
          return new Promise((resolve, reject) => {
            handoff = { resolve, fail: reject };
            pull();
          });
        }
        const next = await events.next();
        if (next.done) return DONE;
        // The first event is this subscriber's own current state: never shared.
        const result = first
          ? execute({ ...args, rootValue: next.value })
          : sharedOf(args, next.value).result;
        first = false;
        return { done: false, value: await result };
      },
      // The source (a `ProgressFeed`) ends at once even while it waits for its next event.
      return: async () => {
        await end();
        return DONE;
      },
      throw: async (err: unknown) => {
        await end();
        throw err;
      },
    };
    return mapped;
  };

  /**
   * graphql-ws `subscribe`: the source stream of `args` (or its errors), each event mapped to
   * its (shared) execution result, sent directly once the first message has gone out.
   */
  return async (
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    return stream(args, source[Symbol.asyncIterator](), opts.targetOf?.(args.contextValue));
  };
}
