/**
 * Duplicate reuse: an upload whose bytes (SHA-256, computed while it is written) and options
 * match a COMPLETED job of the same tenant that has not expired is answered at once with a new
 * job carrying a copy of that job's transcript (`Job.reusedFromJobId`): no engine call, nothing
 * billed (no `recognition_units` row is written). Never across tenants: the lookup is by
 * (tenant, reuse key). `options.reuse: false` turns it off for one upload.
 *
 * The copy is independent (new ids for transcript, speakers, segments and words; its own
 * revision history), and so is the audio the web client plays (a hard link of the source's
 * transcoded file, or a copy where links are not possible), so the source expiring or being
 * deleted leaves the copy intact until its own retention ends.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { Job, Transcript } from '../db/entities/index.js';
import { JobStatus, type JobOptions } from '../domain.js';
import type { JobEvents } from '../jobs/events.js';
import type { Metrics } from '../observability/metrics.js';
import type { Storage } from '../storage/storage.js';
import { ProgressReporter, PROGRESS } from './progress.js';
import { copyTranscript } from './transcript-store.js';

/** The transcoded audio file of a job (`TRANSCODED_NAME` of the pipeline). */
const AUDIO_NAME = 'audio.ogg';

/**
 * What makes two uploads the same work: SHA-256 (hex) over the content hash, the engine and every
 * option that changes the transcript (languages in order, diarization, profanity filter, text
 * normalisation).
 */
export function reuseKeyOf(contentSha256: string, engine: string, options: JobOptions): string {
  const parts = [
    contentSha256,
    engine,
    options.languages.join(','),
    options.diarization,
    String(options.profanityFilter),
    String(options.textNormalization),
  ];
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** The newest COMPLETED, unexpired job of `tenantId` with `reuseKey`, or null. */
export function findReusable(
  em: EntityManager,
  tenantId: string,
  reuseKey: string,
  now: Date,
): Promise<Job | null> {
  return em.findOne(
    Job,
    { tenant: tenantId, reuseKey, status: JobStatus.COMPLETED, expiresAt: { $gt: now } },
    { orderBy: { createdAt: 'desc' } },
  );
}

/** What {@link answerByReuse} works with. */
export interface ReuseDeps {
  storage: Storage;
  events: JobEvents;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * Completes `job` (saved, QUEUED, not enqueued) with copies of `source`'s transcript and audio,
 * through the pipeline's status writer ({@link ProgressReporter}: COMPLETED at 100 %, published
 * like any completion). The upload itself is removed (the copy needs only the audio).
 * @returns true when done; false when the source's transcript or audio is gone (nothing of the
 *   copy is left, `reusedFromJobId` is cleared, and the caller queues the job as usual).
 */
export async function answerByReuse(
  deps: ReuseDeps,
  em: EntityManager,
  job: Job,
  source: Job,
  uploadName: string,
): Promise<boolean> {
  const log = deps.logger.child({ jobId: job.id, reusedFromJobId: source.id });
  try {
    await deps.storage.copy(source.id, job.id, AUDIO_NAME);
    if (!(await copyTranscript(em, source.id, job.id))) throw new Error('source has no transcript');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'duplicate could not be reused; transcribing it');
    await em.nativeDelete(Transcript, { job: job.id });
    await deps.storage.removeFile(job.id, AUDIO_NAME).catch(() => undefined);
    job.reusedFromJobId = null;
    job.diarizationApplied = null;
    await em.flush();
    return false;
  }
  await deps.storage.removeFile(job.id, uploadName).catch(() => undefined);
  job.startedAt = new Date();
  await new ProgressReporter(em, job, deps.events).report(
    PROGRESS.done,
    JobStatus.COMPLETED,
    'Transcript ready: an identical recording was transcribed before, so its transcript was copied',
  );
  deps.metrics?.jobsReused.inc({ engine: job.engine });
  deps.metrics?.jobsFinished.inc({ status: JobStatus.COMPLETED, error_code: '' });
  log.info('upload answered with a copy of an identical recording');
  return true;
}
