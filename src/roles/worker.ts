/**
 * The worker role: processes queued transcription jobs (bee-queue), runs the stalled-job check
 * bee-queue does not schedule itself, and expires jobs past their retention.
 */
import type BeeQueue from 'bee-queue';
import type { AppResources } from '../app.js';
import { createQueue, STALL_INTERVAL_MS, type TranscriptionQueueData } from '../jobs/queue.js';
import { runTranscription } from '../services/transcription.service.js';
import type { SttProvider } from '../stt/types.js';

/** How often expired jobs are swept, in ms. */
export const EXPIRY_SWEEP_INTERVAL_MS = 60_000;

/** A running worker and a function that stops it (in-flight jobs are handed back). */
export interface WorkerHandle {
  queue: BeeQueue<TranscriptionQueueData>;
  /** Runs the expiry sweep now (also runs every minute). */
  sweep(): Promise<string[]>;
  close(): Promise<void>;
}

/** Starts processing with `config.workerConcurrency` parallel jobs. */
export async function startWorker(res: AppResources, stt: SttProvider): Promise<WorkerHandle> {
  const { config, logger, orm, storage, events, jobs } = res;
  const queue = createQueue(config.redisUrl, 'worker');
  queue.on('error', (err) => logger.error({ err }, 'queue error'));
  const running = new Map<string, AbortController>();
  const stopListening = events.onCancel(({ jobId }) => running.get(jobId)?.abort());

  void queue.process(config.workerConcurrency, async (bq) => {
    const { jobId } = bq.data;
    const controller = new AbortController();
    running.set(jobId, controller);
    try {
      await runTranscription(jobId, { orm, storage, stt, events, logger }, controller.signal);
    } finally {
      running.delete(jobId);
    }
  });
  await queue.ready();
  await queue.checkStalledJobs(STALL_INTERVAL_MS);

  const sweep = async () => {
    try {
      return await jobs.expireDue(orm.em.fork());
    } catch (err) {
      logger.error({ err }, 'expiry sweep failed');
      return [];
    }
  };
  const timer = setInterval(() => void sweep(), EXPIRY_SWEEP_INTERVAL_MS);
  timer.unref();
  void sweep();
  logger.info({ concurrency: config.workerConcurrency }, 'worker processing transcription jobs');

  return {
    queue,
    sweep,
    close: async () => {
      clearInterval(timer);
      stopListening();
      await queue.close(10_000).catch(() => undefined);
      for (const c of running.values()) c.abort();
    },
  };
}
