/**
 * The event sources of subscriptions, as the async iterators graphql-js pulls from. Purpose-built
 * rather than a general channel: with 1,000 subscribers every byte and promise per subscriber and
 * event counts. {@link EventFeed} hands events to a waiting `next()` or queues them; how a queue
 * may grow is each feed's own rule:
 * - {@link ProgressFeed} (`jobProgress`): only the latest percentage matters, so while the client
 *   has not taken an update, a newer one of the same status replaces it (a status change is never
 *   dropped) and a slow client's queue holds a handful of events, not the job's whole history.
 * - `TranscriptFeed` (`./transcript-feed.ts`, `transcriptChanged`): no event may replace another.
 */

/** A feed of events of type `T`. `push` events; `end()` ends it; `return()` is the consumer's. */
export abstract class EventFeed<T> implements AsyncIterableIterator<T> {
  protected queue: T[] = [];
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
    this.enqueue(event);
  }

  /** Adds `event` to {@link queue} while nobody waits: the feed's own queueing rule. */
  protected abstract enqueue(event: T): void;

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

/** A progress update as queued: its status decides what may replace it. */
export interface FeedEvent {
  status: string;
}

/** The `jobProgress` feed: a queued update is replaced by a newer one of the same status. */
export class ProgressFeed<T extends FeedEvent> extends EventFeed<T> {
  protected enqueue(event: T): void {
    const last = this.queue.at(-1);
    if (last && last.status === event.status) this.queue[this.queue.length - 1] = event;
    else this.queue.push(event);
  }
}
