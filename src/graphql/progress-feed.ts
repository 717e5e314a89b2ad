/**
 * The event source of one `jobProgress` subscription, as the async iterator graphql-js pulls
 * from. Purpose-built rather than a general channel: with 1,000 subscribers of a job every byte
 * and promise per subscriber and event counts, and progress has a property a general channel
 * cannot use — only the latest percentage matters. While the client has not taken an update, a
 * newer one of the same status replaces it (a status change is never dropped), so a slow
 * client's queue holds a handful of events, not the job's whole history.
 */

/** A progress update as queued: its status decides what may replace it. */
export interface FeedEvent {
  status: string;
}

/** The feed (see the module comment). `end()` after the last event; `return()` by the consumer. */
export class ProgressFeed<T extends FeedEvent> implements AsyncIterableIterator<T> {
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
    const last = this.queue.at(-1);
    if (last && last.status === event.status) this.queue[this.queue.length - 1] = event;
    else this.queue.push(event);
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
    const event = this.queue.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** The consumer is done (client unsubscribed or disconnected): drop what is queued. */
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
