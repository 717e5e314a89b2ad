/**
 * Job events across processes through Redis pub/sub: progress from workers to the api's
 * graphql-ws subscribers, cancel requests from the api to the workers, and transcript changes
 * (issue 12's workbench) from whichever api process committed them to every api's subscribers.
 * Channels: `job-progress:<jobId>`, `job-cancel`, `transcript-changed:<transcriptId>`.
 */
import { Redis } from 'ioredis';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { JobStatus } from '../domain.js';

/** One progress update of a job, as published and as delivered to subscribers. */
export interface JobProgressPayload {
  jobId: string;
  status: JobStatus;
  /** Percent done 0..100. */
  progress: number;
  /** Human-readable note on the current step, e.g. "Transcoding audio". */
  message?: string | null;
  /**
   * When the job is expected to be COMPLETED (ISO 8601), estimated at this event
   * (`src/services/estimate.ts`); null when ended or nothing to go on; absent when not known.
   */
  estimatedCompletionAt?: string | null;
}

/** A committed revision as published (dates as ISO-8601 strings: the payload is JSON). */
export interface RevisionPayload {
  id: string;
  number: number;
  createdAt: string;
  author: string | null;
  kind: string;
  summary: string;
}

/**
 * One committed change of a transcript. Small on purpose: subscribers read the segments and
 * speakers it names in their current state.
 */
export interface TranscriptChangePayload {
  transcriptId: string;
  /** Tenant owning the transcript; a subscriber of another tenant never receives it. */
  tenantId: string;
  /** Transcript version after the change (= revision.number). */
  version: number;
  revision: RevisionPayload;
  /** Segments created or changed. */
  segmentIds: string[];
  /** Segments removed. */
  removedSegmentIds: string[];
}

type Listener<T> = (payload: T) => void;

/** Publish/subscribe handle for job events. Call {@link JobEvents.close} on shutdown. */
export interface JobEvents {
  publishProgress(payload: JobProgressPayload): void;
  /** Registers a listener for one job's progress; returns a function that unregisters it. */
  onProgress(jobId: string, listener: Listener<JobProgressPayload>): () => void;
  publishCancel(jobId: string): void;
  onCancel(listener: Listener<{ jobId: string }>): () => void;
  /** Publishes a committed transcript change (best effort, like progress). */
  publishTranscriptChange(payload: TranscriptChangePayload): void;
  /** Registers a listener for one transcript's changes; returns a function that unregisters it. */
  onTranscriptChange(transcriptId: string, listener: Listener<TranscriptChangePayload>): () => void;
  /**
   * Resolves once the publishing connection is up. Publishing is best effort and drops events
   * while it is not (a fresh handle's first events would be lost): wait for this where an event
   * must not be.
   * @throws when the connection ends before it was ever ready.
   */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Connects two Redis clients (a subscriber connection cannot publish) and returns the handle.
 * @param redisUrl `redis://host:port`.
 */
export function createJobEvents(redisUrl: string, onError?: (err: Error) => void): JobEvents {
  // Publishing is best effort (the job row holds the truth): while Redis is away events are
  // dropped at once instead of piling up. Subscriptions wait for Redis and are renewed by ioredis
  // on reconnect. Neither may leave a rejected promise unhandled (the event target ignores them).
  const publishClient = new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  const subscribeClient = new Redis(redisUrl, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  const report = (err: Error) => onError?.(err);
  publishClient.on('error', report);
  subscribeClient.on('error', report);
  const safePublisher = {
    publish: (channel: string, message: string) =>
      publishClient.publish(channel, message).catch((err: Error) => {
        report(err);
        return 0;
      }),
  };
  const target = createRedisEventTarget({
    publishClient: safePublisher as unknown as Redis,
    subscribeClient,
  });

  const on = <T>(topic: string, listener: Listener<T>) => {
    const cb = (event: Event) => listener((event as CustomEvent<T>).detail);
    target.addEventListener(topic, cb);
    return () => target.removeEventListener(topic, cb);
  };
  const emit = (topic: string, detail: unknown) =>
    target.dispatchEvent(new CustomEvent(topic, { detail }));

  return {
    publishProgress: (p) => emit(`job-progress:${p.jobId}`, p),
    onProgress: (jobId, listener) => on(`job-progress:${jobId}`, listener),
    publishCancel: (jobId) => emit('job-cancel', { jobId }),
    onCancel: (listener) => on('job-cancel', listener),
    publishTranscriptChange: (p) => emit(`transcript-changed:${p.transcriptId}`, p),
    onTranscriptChange: (transcriptId, listener) =>
      on(`transcript-changed:${transcriptId}`, listener),
    ready: () =>
      publishClient.status === 'ready'
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            publishClient.once('ready', () => resolve());
            publishClient.once('end', () => reject(new Error('Redis connection ended')));
          }),
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}
