/**
 * The event source of one `transcriptChanged` subscription, as the async iterator graphql-js
 * pulls from. Unlike job progress (`./progress-feed.ts`) no event may replace another: each
 * revision names different segments. A client that stops reading while events keep coming is
 * bounded: past {@link MAX_QUEUED} waiting events the feed ends (the client reconnects and
 * reloads the transcript).
 */

/** Events queued for a client that is not reading before its subscription is ended. */
export const MAX_QUEUED = 1000;

/** The feed. `push` events; `end()` ends it; `return()` is the consumer's unsubscribe. */
export class TranscriptFeed<T> implements AsyncIterableIterator<T> {
  private queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private ended = false;

  /** @param onEnd called once, when the feed ends by either side (unsubscribe here). */
  constructor(private readonly onEnd: () => void) {}

  /** Queues `event` (or hands it to a waiting `next()`); ignored once ended. */
  push(event: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: event, done: false });
      return;
    }
    this.queue.push(event);
    if (this.queue.length > MAX_QUEUED) this.end();
  }

  /** No more events: queued ones are still delivered, then the iterator is done. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    if (this.waiting) {
      this.waiting({ value: undefined, done: true });
      this.waiting = null;
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** The consumer is done (unsubscribed or disconnected): drop what is queued. */
  return(): Promise<IteratorResult<T>> {
    this.queue = [];
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err: unknown): Promise<IteratorResult<T>> {
    this.queue = [];
    this.end();
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
