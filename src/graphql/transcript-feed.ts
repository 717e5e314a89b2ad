/**
 * The event source of one `transcriptChanged` subscription. Unlike job progress
 * (`./progress-feed.ts`) no event may replace another: each revision names different segments. A
 * client that stops reading while events keep coming is bounded: past {@link MAX_QUEUED} waiting
 * events the feed ends (the client reconnects and reloads the transcript).
 */
import { EventFeed } from './progress-feed.js';

/** Events queued for a client that is not reading before its subscription is ended. */
export const MAX_QUEUED = 1000;

/** The feed: every event is kept, up to {@link MAX_QUEUED} waiting ones. */
export class TranscriptFeed<T> extends EventFeed<T> {
  protected enqueue(event: T): void {
    this.queue.push(event);
    if (this.queue.length > MAX_QUEUED) this.end();
  }
}
