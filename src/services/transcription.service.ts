/**
 * The transcription pipeline for one job: transcode → recognise on the job's engine → persist.
 * Every step is safe to run twice: a transcoded file is reused, an operation engine's saved
 * operation id is resumed rather than resubmitted, a synchronous engine's saved units are not
 * sent again, and persisting replaces any transcript a previous attempt left.
 *
 * The engine is asked for its declared capabilities (`src/stt/engine.ts`); nothing here knows an
 * engine by name.
 */
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { Job } from '../db/entities/index.js';
import { Diarization, isTerminal, JobStatus } from '../domain.js';
import { JobError } from '../errors.js';
import type { JobEvents } from '../jobs/events.js';
import { channelsCarrySameSignal, transcodeToOpus } from '../media/index.js';
import { chooseOpusBitrate } from '../media/opus-budget.js';
import { StorageUnavailableError, type Scratch, type Storage } from '../storage/storage.js';
import type { Metrics } from '../observability/metrics.js';
import {
  isOperationEngine,
  requestBudget,
  type EngineCapabilities,
  type SttEngine,
} from '../stt/engine.js';
import type { EngineRegistry } from '../stt/registry.js';
import type { Utterance } from '../stt/types.js';
import { recognizeByOperation } from './operation-recognition.js';
import { changeJobStatus } from './job-status.js';
import type { CompletionEstimator } from './estimate.js';
import { ProgressReporter, PROGRESS } from './progress.js';
import { persistTranscript } from './transcript-store.js';
import { recognizeByUnits } from './unit-recognition.js';

export { STT_OUTAGE_MAX_WAIT_MS } from './stt-availability.js';

/** The transcoded OGG/Opus file in a job's directory; kept after completion for playback. */
export const TRANSCODED_NAME = 'audio.ogg';

/**
 * Attempts after which a retryable failure becomes final. Attempts are counted on the job row when
 * a run starts, so a run that never ended (its worker died) counts too: a job found with
 * MAX_ATTEMPTS runs already started is a poison job and ends FAILED with `WORKER_CRASHED`
 * instead of being run again (bee-queue alone would re-queue it after every stall, forever).
 */
export const MAX_ATTEMPTS = 4;

/** What the pipeline needs from the outside world. */
export interface PipelineDeps {
  orm: MikroORM;
  storage: Storage;
  /** The enabled engines; the job's `engine` picks one. */
  engines: EngineRegistry;
  events: JobEvents;
  logger: Logger;
  /** Stage timings, queue wait, billed audio and outcomes go here when given. */
  metrics?: Metrics;
  /** Refreshes the job's completion estimate at every progress write when given. */
  estimator?: CompletionEstimator;
}

/** Thrown when a job was cancelled, deleted or expired while it was being processed. */
class JobGoneError extends Error {}

/**
 * Decides how to split speakers for a job, from what the engine can do. AUTO uses CHANNELS for a
 * stereo file whose two channels differ (a call recording) if it fits the engine's limit (counted
 * across channels where the engine counts them), else the engine's speaker labelling on a mono
 * mix, or one speaker (NONE) when the engine cannot label speakers.
 */
export async function resolveDiarization(
  requested: Diarization,
  sourcePath: string,
  channels: number,
  durationSeconds: number,
  caps: Pick<EngineCapabilities, 'diarization' | 'countsChannels' | 'maxRecordingSeconds'>,
): Promise<Diarization> {
  if (requested !== Diarization.AUTO) return requested;
  const mono = caps.diarization.includes(Diarization.SPEAKER_LABELING)
    ? Diarization.SPEAKER_LABELING
    : Diarization.NONE;
  if (channels < 2) return mono;
  const counted = caps.countsChannels ? durationSeconds * 2 : durationSeconds;
  if (caps.maxRecordingSeconds !== undefined && counted > caps.maxRecordingSeconds) return mono;
  return (await channelsCarrySameSignal(sourcePath)) ? mono : Diarization.CHANNELS;
}

/**
 * Runs (or resumes) the pipeline for one job.
 * @param signal aborted when the job is cancelled; kills ffmpeg and stops requests.
 * @throws JobError with `retryable` for faults the queue should retry; everything else has
 *   already been recorded on the job as FAILED when this returns.
 */
export async function runTranscription(
  jobId: string,
  deps: PipelineDeps,
  signal: AbortSignal,
): Promise<void> {
  const em = deps.orm.em.fork();
  const job = await em.findOne(Job, jobId, { populate: ['options'] });
  if (!job || isTerminal(job.status)) return; // deleted, cancelled or done: nothing to do
  const log = deps.logger.child({ jobId, tenant: job.tenant.id, engine: job.engine });
  const progress = new ProgressReporter(em, job, deps.events, deps.estimator);
  if (job.attempts >= MAX_ATTEMPTS) {
    // Every earlier attempt ended without reaching our error handling: its worker died.
    log.error({ attempts: job.attempts }, 'poison job: its worker died on every attempt');
    await deps.storage.removeFile(job.id, `${TRANSCODED_NAME}.part`).catch(() => undefined);
    await deps.storage.removeScratch(job.id).catch(() => undefined); // the last run's part file
    await markFailed(
      em,
      job,
      new JobError(
        'WORKER_CRASHED',
        `Processing this recording stopped the worker ${job.attempts} times, so it was given up. Other recordings are not affected; try converting the file to WAV or FLAC and upload it again.`,
      ),
      deps.events,
    );
    return;
  }
  job.attempts += 1;
  if (!job.startedAt) {
    job.startedAt = new Date();
    deps.metrics?.queueWaitSeconds.observe(
      (job.startedAt.getTime() - job.createdAt.getTime()) / 1000,
    );
  }
  await em.flush();
  // Wall time of each stage: a histogram, and on the row (throughput for completion estimates,
  // kept only from a clean first attempt, whose stages all ran in full).
  const clean = job.attempts === 1 && !job.sttOperationId;
  const stage = (name: 'transcode' | 'recognition' | 'persist') => {
    const metric = deps.metrics?.stageSeconds.startTimer({ stage: name });
    const started = performance.now();
    return () => {
      metric?.();
      if (clean) job[`${name}Seconds`] = (performance.now() - started) / 1000;
    };
  };

  try {
    const engine = deps.engines.get(job.engine);
    if (!engine) {
      throw new JobError(
        'STT_UNAVAILABLE',
        `The engine "${job.engine}" this job was uploaded for is no longer enabled on this server. Upload the recording again to use ${deps.engines.defaultId}.`,
      );
    }
    await ensureStillWanted(em, job);
    // ffmpeg and the engine read local files: a scratch directory, removed however this ends.
    const utterances = await deps.storage.withScratch(job.id, async (scratch) => {
      if (!job.sttOperationId) {
        const transcodeDone = stage('transcode');
        await transcode(job, engine, { deps, scratch, progress, signal });
        transcodeDone();
        await ensureStillWanted(em, job);
      }
      const recognitionDone = stage('recognition');
      const found = await recognize(job, engine, { em, deps, scratch, progress, signal, log });
      recognitionDone();
      return found;
    });
    await ensureStillWanted(em, job);
    await progress.report(PROGRESS.persisting, undefined, 'Saving transcript');
    const persistDone = stage('persist');
    await persistTranscript(em, job, utterances);
    persistDone();
    await progress.report(PROGRESS.done, JobStatus.COMPLETED, 'Transcript ready');
    deps.estimator?.invalidate(); // a new measurement
    deps.metrics?.jobsFinished.inc({ status: JobStatus.COMPLETED, error_code: '' });
    log.info({ utterances: utterances.length }, 'transcription completed');
    // The transcoded Opus file stays until expiry: the web client plays it beside the transcript.
    if (isOperationEngine(engine) && job.sttOperationId) {
      void engine.deleteResult(job.sttOperationId).catch(() => undefined);
    }
  } catch (err) {
    // A cancel or delete removes the job's files at once, so a step may fail from that before the
    // cancel event reaches this worker; and a stale run (its worker was cut off while another
    // took the job over) must not mark the other run's result FAILED: the later attempt owns it.
    if (err instanceof JobGoneError || signal.aborted || !(await stillWanted(em, job))) {
      log.info('job cancelled, deleted, expired or taken over by another worker during processing');
      return;
    }
    const jobErr =
      err instanceof JobError
        ? err
        : err instanceof StorageUnavailableError
          ? new JobError(
              'STORAGE_UNAVAILABLE',
              'The file store stayed unreachable beyond the retry budget, so the recording could not be processed. Upload it again later.',
              false,
              { cause: err },
            )
          : new JobError('INTERNAL', 'Unexpected error while processing the recording.', true, {
              cause: err,
            });
    await progress.settle();
    if (jobErr.retryable && job.attempts < MAX_ATTEMPTS) {
      log.warn({ err, attempts: job.attempts }, 'retryable failure; the queue will retry');
      throw jobErr;
    }
    log.error({ err, code: jobErr.code }, 'job failed');
    await progress.settle();
    await markFailed(em, job, jobErr, deps.events);
    deps.metrics?.jobsFinished.inc({ status: JobStatus.FAILED, error_code: jobErr.code });
  }
}

/** Recognises the transcoded recording the way the engine's `mode` says. */
async function recognize(
  job: Job,
  engine: SttEngine,
  ctx: {
    em: EntityManager;
    deps: PipelineDeps;
    scratch: Scratch;
    progress: ProgressReporter;
    signal: AbortSignal;
    log: Logger;
  },
): Promise<Utterance[]> {
  const { em, deps, scratch, progress, signal, log } = ctx;
  const audioPath = await scratch.input(TRANSCODED_NAME);
  const outage = { ms: 0 };
  const common = { em, audioPath, progress, signal, log, metrics: deps.metrics, outage };
  return isOperationEngine(engine)
    ? recognizeByOperation(job, { ...common, engine })
    : recognizeByUnits(job, { ...common, engine, orm: deps.orm, scratch });
}

async function transcode(
  job: Job,
  engine: SttEngine,
  ctx: { deps: PipelineDeps; scratch: Scratch; progress: ProgressReporter; signal: AbortSignal },
) {
  const { deps, scratch, progress, signal } = ctx;
  if (!(await deps.storage.stat(job.id, job.storedName))) {
    throw new JobError('SOURCE_MISSING', 'The uploaded file is no longer stored.');
  }
  const source = await scratch.input(job.storedName);
  await progress.report(PROGRESS.transcodeStart, JobStatus.TRANSCODING, 'Transcoding audio');
  const duration = job.durationSeconds ?? 0;
  if (!job.diarizationApplied) {
    job.diarizationApplied = await resolveDiarization(
      job.options.diarization,
      source,
      job.channels ?? 1,
      duration,
      engine.capabilities,
    );
  }
  const channels = job.diarizationApplied === Diarization.CHANNELS ? 2 : 1;
  // An operation engine gets the whole file in one request: the bitrate must fit it.
  const bitrateBps = chooseOpusBitrate(duration, channels, requestBudget(engine.capabilities));

  // Done by a previous attempt (stored whole or not at all).
  if (await deps.storage.stat(job.id, TRANSCODED_NAME)) return;
  const output = scratch.path(TRANSCODED_NAME);
  await transcodeToOpus(source, output, {
    channels,
    bitrateBps,
    maxDurationSeconds: duration + 1,
    durationSeconds: duration,
    signal,
    onProgress: (pct: number) => {
      const p =
        PROGRESS.transcodeStart + (pct / 100) * (PROGRESS.transcodeEnd - PROGRESS.transcodeStart);
      void progress.report(p, undefined, 'Transcoding audio').catch(() => undefined);
    },
  });
  await scratch.save(TRANSCODED_NAME);
  await progress.report(PROGRESS.transcodeEnd, undefined, 'Audio transcoded');
}

/**
 * Throws JobGoneError when the job row was deleted or moved to a terminal status elsewhere, or
 * when a later attempt has started (another worker took the job over while this one was cut off
 * from Redis: this run is stale).
 */
async function ensureStillWanted(em: EntityManager, job: Job): Promise<void> {
  const row = await em
    .getConnection()
    .execute<{ status: string; attempts: number }[]>(
      'select status, attempts from jobs where id = ?',
      [job.id],
    );
  if (
    row.length === 0 ||
    isTerminal(row[0].status as JobStatus) ||
    Number(row[0].attempts) > job.attempts
  ) {
    throw new JobGoneError();
  }
}

/** {@link ensureStillWanted} as a boolean; true when the database cannot be asked. */
async function stillWanted(em: EntityManager, job: Job): Promise<boolean> {
  try {
    await ensureStillWanted(em, job);
    return true;
  } catch (err) {
    return !(err instanceof JobGoneError);
  }
}

async function markFailed(em: EntityManager, job: Job, err: JobError, events: JobEvents) {
  await changeJobStatus(em, job, JobStatus.FAILED, {
    failure: { code: err.code, message: err.message },
  });
  events.publishProgress({
    jobId: job.id,
    status: job.status,
    progress: job.progress,
    message: err.message,
    estimatedCompletionAt: null,
  });
}
