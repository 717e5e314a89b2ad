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
 */
import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';

type Result = ExecutionResult | Promise<ExecutionResult>;

/**
 * Builds the shared `subscribe`.
 * @param callerOf the part of the context a result may depend on, as a string (e.g.
 *   `tenant/keyId`); subscribers with different callers never share a result.
 */
export function createSharedSubscribe(callerOf: (contextValue: unknown) => string) {
  const results = new WeakMap<object, Map<string, Result>>();
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
        callerOf(args.contextValue),
      ].join('\n');
      keys.set(args, key);
    }
    return key;
  };

  const executeShared = (args: ExecutionArgs, event: unknown): Result => {
    if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    const key = keyOf(args);
    let perEvent = results.get(event);
    if (!perEvent) results.set(event, (perEvent = new Map()));
    let result = perEvent.get(key);
    if (!result) {
      result = execute({ ...args, rootValue: event });
      perEvent.set(key, result);
    }
    return result;
  };

  /**
   * graphql-ws `subscribe`: the source stream of `args` (or its errors), each event mapped to
   * its (shared) execution result. `return()` is passed to the source (a `ProgressFeed`), which ends
   * at once even while it waits for its next event.
   */
  return async (
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const events = source[Symbol.asyncIterator]();
    let first = true;
    const done = { done: true as const, value: undefined };
    const mapped: AsyncIterableIterator<ExecutionResult> = {
      [Symbol.asyncIterator]: () => mapped,
      next: async () => {
        const next = await events.next();
        if (next.done) return done;
        // The first event is this subscriber's own current state: never shared.
        const result = first
          ? execute({ ...args, rootValue: next.value })
          : executeShared(args, next.value);
        first = false;
        return { done: false, value: await result };
      },
      return: async () => {
        await events.return?.();
        return done;
      },
      throw: async (err: unknown) => {
        await events.return?.();
        throw err;
      },
    };
    return mapped;
  };
}
