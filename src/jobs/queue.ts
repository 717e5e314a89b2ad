/**
 * The transcription queue (bee-queue on Redis). A queue job carries only the database job id,
 * which is also its bee-queue id, so enqueueing twice never creates two jobs.
 */
import BeeQueue from 'bee-queue';

/** Name of the Redis-backed queue. */
export const TRANSCRIPTION_QUEUE = 'transcription';

/** Payload of a queue job: just the id of the `Job` row, the source of truth. */
export interface TranscriptionQueueData {
  jobId: string;
}

/** How long a worker may go without renewing a job's lock before it counts as stalled (ms). */
export const STALL_INTERVAL_MS = 5_000;

/**
 * Creates the queue handle for a role. Producers (the api) do not process jobs; workers do and
 * also run bee-queue's stalled-job check periodically, which bee-queue does not schedule itself.
 */
export function createQueue(
  redisUrl: string,
  role: 'producer' | 'worker',
): BeeQueue<TranscriptionQueueData> {
  return new BeeQueue<TranscriptionQueueData>(TRANSCRIPTION_QUEUE, {
    redis: { url: redisUrl } as never,
    isWorker: role === 'worker',
    getEvents: false,
    sendEvents: false,
    storeJobs: false,
    removeOnSuccess: true,
    removeOnFailure: true,
    stallInterval: STALL_INTERVAL_MS,
    activateDelayedJobs: role === 'worker',
  });
}

/**
 * Enqueues a job by its database id. Safe to call twice: bee-queue keeps one job per id.
 * Retries (with exponential backoff) cover transient faults such as SpeechKit being down.
 */
export async function enqueueTranscription(
  queue: BeeQueue<TranscriptionQueueData>,
  jobId: string,
): Promise<void> {
  await queue.createJob({ jobId }).setId(jobId).retries(3).backoff('exponential', 10_000).save();
}
