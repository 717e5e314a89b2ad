/**
 * The transcription pipeline for one job: transcode → submit to the STT engine → poll →
 * fetch → persist. Every step is safe to run twice: a transcoded file is reused, a saved
 * SpeechKit operation id is resumed rather than resubmitted, and persisting replaces any
 * transcript a previous attempt left.
 */
import fs from 'node:fs';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { Job } from '../db/entities/index.js';
import { Diarization, isTerminal, JobStatus } from '../domain.js';
import { JobError } from '../errors.js';
import type { JobEvents } from '../jobs/events.js';
import { channelsCarrySameSignal, transcodeToOpus } from '../media/index.js';
import { chooseOpusBitrate, SPEECHKIT_MAX_AUDIO_SECONDS } from '../media/opus-budget.js';
import type { Storage } from '../storage/storage.js';
import type { Metrics } from '../observability/metrics.js';
import { SttCircuitOpenError } from '../stt/http/index.js';
import type { SttProvider } from '../stt/types.js';
import { ProgressReporter, PROGRESS } from './progress.js';
import { persistTranscript } from './transcript-store.js';

/** Name of the transcoded OGG/Opus file in the job directory. */
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
  stt: SttProvider;
  events: JobEvents;
  logger: Logger;
  /** Stage timings, queue wait, billed audio and outcomes go here when given. */
  metrics?: Metrics;
}

/**
 * Longest a job waits, in total, for SpeechKit to come back while its circuit breaker is open
 * (milliseconds). Past it the job ends FAILED with STT_UNAVAILABLE. 6 h leaves most of the 24 h
 * retention for the recognition itself.
 */
export const STT_OUTAGE_MAX_WAIT_MS = 6 * 3600_000;

/**
 * Runs one SpeechKit step; while the circuit breaker is open (SpeechKit down) the job waits for
 * the breaker's trial instead of failing, reporting why on its progress, up to
 * {@link STT_OUTAGE_MAX_WAIT_MS} in total.
 * @throws the step's error once the wait budget is spent, or at once for any other error;
 *   the abort reason when `signal` aborts while waiting.
 */
async function whileSttAvailable<T>(
  step: () => Promise<T>,
  progress: ProgressReporter,
  signal: AbortSignal,
  log: Logger,
  waited: { ms: number },
): Promise<T> {
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof SttCircuitOpenError) || waited.ms >= STT_OUTAGE_MAX_WAIT_MS) throw err;
      const waitMs = Math.min(err.retryAfterMs, STT_OUTAGE_MAX_WAIT_MS - waited.ms);
      log.warn({ waitMs }, 'SpeechKit unavailable (circuit open); the job waits');
      progress.notice(
        `SpeechKit is unavailable; waiting ${Math.ceil(waitMs / 1000)} s before trying again`,
      );
      await sleep(waitMs, signal);
      waited.ms += waitMs;
    }
  }
}

/** Resolves after `ms` milliseconds; rejects with the abort reason if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Thrown when a job was cancelled, deleted or expired while it was being processed. */
class JobGoneError extends Error {}

/**
 * Decides how to split speakers for a job. AUTO uses CHANNELS for a stereo file whose two
 * channels differ (a call recording) if it fits SpeechKit's 4 h limit counted across channels,
 * else SPEAKER_LABELING on a mono mix.
 */
export async function resolveDiarization(
  requested: Diarization,
  sourcePath: string,
  channels: number,
  durationSeconds: number,
): Promise<Diarization> {
  if (requested !== Diarization.AUTO) return requested;
  if (channels < 2) return Diarization.SPEAKER_LABELING;
  if (durationSeconds * 2 > SPEECHKIT_MAX_AUDIO_SECONDS) return Diarization.SPEAKER_LABELING;
  return (await channelsCarrySameSignal(sourcePath))
    ? Diarization.SPEAKER_LABELING
    : Diarization.CHANNELS;
}

/**
 * Runs (or resumes) the pipeline for one job.
 * @param signal aborted when the job is cancelled; kills ffmpeg and stops polling.
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
  const log = deps.logger.child({ jobId, tenant: job.tenant.id });
  const progress = new ProgressReporter(em, job, deps.events);
  if (job.attempts >= MAX_ATTEMPTS) {
    // Every earlier attempt ended without reaching our error handling: its worker died.
    log.error({ attempts: job.attempts }, 'poison job: its worker died on every attempt');
    await deps.storage.removeFile(job.id, `${TRANSCODED_NAME}.part`).catch(() => undefined);
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
  const stage = (name: string) => deps.metrics?.stageSeconds.startTimer({ stage: name });
  const outage = { ms: 0 };

  try {
    await ensureStillWanted(em, job);
    if (!job.sttOperationId) {
      const transcodeDone = stage('transcode');
      await transcode(job, deps, progress, signal);
      transcodeDone?.();
      await ensureStillWanted(em, job);
      await progress.report(
        PROGRESS.transcribeStart,
        JobStatus.TRANSCRIBING,
        'Sending audio to SpeechKit',
      );
      const channels = job.diarizationApplied === Diarization.CHANNELS ? 2 : 1;
      const operationId = await whileSttAvailable(
        () =>
          deps.stt.submit(
            {
              audioPath: deps.storage.jobFile(job.id, TRANSCODED_NAME),
              channels,
              languages: job.options.languages,
              speakerLabeling: job.diarizationApplied === Diarization.SPEAKER_LABELING,
              profanityFilter: job.options.profanityFilter,
              textNormalization: job.options.textNormalization,
            },
            signal,
          ),
        progress,
        signal,
        log,
        outage,
      );
      job.sttOperationId = operationId; // saved at once: never submit (and pay) twice
      await em.flush();
      // SpeechKit bills audio seconds per channel ("Pricing" in the SpeechKit docs).
      deps.metrics?.audioSecondsBilled.inc(
        { channels: String(channels) },
        (job.durationSeconds ?? 0) * channels,
      );
      log.info({ operationId }, 'submitted to SpeechKit');
    } else {
      log.info({ operationId: job.sttOperationId }, 'resuming SpeechKit operation');
      await progress.report(
        PROGRESS.transcribeStart,
        JobStatus.TRANSCRIBING,
        'Resuming recognition',
      );
    }

    const operationId = job.sttOperationId;
    const expectedSeconds = Math.max(10, (job.durationSeconds ?? 60) / 6); // ~10 s per audio minute
    const startedPolling = Date.now();
    const recognitionDone = stage('recognition');
    await whileSttAvailable(
      () =>
        deps.stt.waitForCompletion(
          operationId,
          () => {
            const fraction = Math.min(0.95, (Date.now() - startedPolling) / 1000 / expectedSeconds);
            const pct =
              PROGRESS.transcribeStart +
              fraction * (PROGRESS.transcribeEnd - PROGRESS.transcribeStart);
            void progress.report(pct, undefined, 'Recognising speech').catch(() => undefined);
          },
          signal,
        ),
      progress,
      signal,
      log,
      outage,
    );
    const utterances = await whileSttAvailable(
      () => deps.stt.fetchUtterances(operationId, signal),
      progress,
      signal,
      log,
      outage,
    );
    recognitionDone?.();
    await ensureStillWanted(em, job);
    await progress.report(PROGRESS.persisting, undefined, 'Saving transcript');
    const persistDone = stage('persist');
    await persistTranscript(em, job, utterances);
    persistDone?.();
    await progress.report(PROGRESS.done, JobStatus.COMPLETED, 'Transcript ready');
    deps.metrics?.jobsFinished.inc({ status: JobStatus.COMPLETED, error_code: '' });
    log.info({ utterances: utterances.length }, 'transcription completed');
    // The transcoded Opus file stays until expiry: the web client plays it beside the transcript.
    void deps.stt.deleteResult(operationId).catch(() => undefined);
  } catch (err) {
    if (err instanceof JobGoneError || signal.aborted) {
      log.info('job cancelled, deleted or expired during processing');
      return;
    }
    const jobErr =
      err instanceof JobError
        ? err
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

async function transcode(
  job: Job,
  deps: PipelineDeps,
  progress: ProgressReporter,
  signal: AbortSignal,
) {
  const source = deps.storage.jobFile(job.id, job.storedName);
  if (!fs.existsSync(source)) {
    throw new JobError('SOURCE_MISSING', 'The uploaded file is no longer stored.');
  }
  await progress.report(PROGRESS.transcodeStart, JobStatus.TRANSCODING, 'Transcoding audio');
  const duration = job.durationSeconds ?? 0;
  if (!job.diarizationApplied) {
    job.diarizationApplied = await resolveDiarization(
      job.options.diarization,
      source,
      job.channels ?? 1,
      duration,
    );
  }
  const channels = job.diarizationApplied === Diarization.CHANNELS ? 2 : 1;
  const bitrateBps = chooseOpusBitrate(duration, channels);
  const output = deps.storage.jobFile(job.id, TRANSCODED_NAME);
  if (fs.existsSync(output)) return; // done by a previous attempt (written atomically)
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
  await progress.report(PROGRESS.transcodeEnd, undefined, 'Audio transcoded');
}

/** Throws JobGoneError when the job row was deleted or moved to a terminal status elsewhere. */
async function ensureStillWanted(em: EntityManager, job: Job): Promise<void> {
  const row = await em
    .getConnection()
    .execute<{ status: string }[]>('select status from jobs where id = ?', [job.id]);
  if (row.length === 0 || isTerminal(row[0].status as JobStatus)) throw new JobGoneError();
}

async function markFailed(em: EntityManager, job: Job, err: JobError, events: JobEvents) {
  job.status = JobStatus.FAILED;
  job.errorCode = err.code;
  job.errorMessage = err.message;
  job.completedAt = new Date();
  await em.flush();
  events.publishProgress({
    jobId: job.id,
    status: job.status,
    progress: job.progress,
    message: err.message,
  });
}
