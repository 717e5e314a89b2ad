/**
 * Recognition on an operation engine (`capabilities.mode === 'operation'`, SpeechKit): the whole
 * transcoded recording is submitted once; the operation id is saved on the job before anything
 * else, so a retry polls the same operation instead of submitting (and paying) again.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { RecognitionUnit, type Job } from '../db/entities/index.js';
import { Diarization, JobStatus } from '../domain.js';
import type { Metrics } from '../observability/metrics.js';
import type { OperationEngine } from '../stt/engine.js';
import type { Utterance } from '../stt/types.js';
import { PROGRESS, type ProgressReporter } from './progress.js';
import { whileSttAvailable } from './stt-availability.js';

/** What either way of recognising needs besides the job and its engine. */
export interface RecognitionRun {
  em: EntityManager;
  /** Path of the transcoded OGG/Opus recording (1 or 2 channels). */
  audioPath: string;
  progress: ProgressReporter;
  signal: AbortSignal;
  log: Logger;
  metrics?: Metrics;
  /** Milliseconds already waited on an open circuit by this job (shared across steps). */
  outage: { ms: number };
}

/** What {@link recognizeByOperation} needs besides the job. */
export interface OperationRun extends RecognitionRun {
  engine: OperationEngine;
}

/**
 * Submits (unless an operation id is saved), polls until done and fetches the utterances.
 * Progress moves from {@link PROGRESS.transcribeStart} towards {@link PROGRESS.transcribeEnd}
 * by elapsed time against an expected ~10 s per audio minute.
 * @returns utterances sorted by start time, times in milliseconds on the recording.
 * @throws JobError from the engine (STT_*), the abort reason when `signal` aborts.
 */
export async function recognizeByOperation(job: Job, run: OperationRun): Promise<Utterance[]> {
  const { em, engine, progress, signal, log } = run;
  const avail = {
    engineName: engine.info.name,
    progress,
    signal,
    log,
    waited: run.outage,
  };
  if (!job.sttOperationId) {
    await progress.report(
      PROGRESS.transcribeStart,
      JobStatus.TRANSCRIBING,
      `Sending audio to ${engine.info.name}`,
    );
    const channels = job.diarizationApplied === Diarization.CHANNELS ? 2 : 1;
    const operationId = await whileSttAvailable(
      () =>
        engine.submit(
          {
            audioPath: run.audioPath,
            channels,
            languages: job.options.languages,
            speakerLabeling: job.diarizationApplied === Diarization.SPEAKER_LABELING,
            profanityFilter: job.options.profanityFilter,
            textNormalization: job.options.textNormalization,
          },
          signal,
        ),
      avail,
    );
    job.sttOperationId = operationId; // saved at once: never submit (and pay) twice
    // What this submission costs, by the engine's own rule, recorded in the same flush as the
    // operation id: a resume (by id) records nothing, a new submission records its own row.
    const billedSeconds = engine.capabilities.billing.billedSeconds({
      durationSeconds: job.durationSeconds ?? 0,
      channels,
    });
    await recordSubmission(em, job, engine.info.id, billedSeconds);
    run.metrics?.billed(engine.info.id, channels, billedSeconds);
    log.info({ operationId, engine: engine.info.id }, 'submitted');
  } else {
    log.info({ operationId: job.sttOperationId }, 'resuming operation');
    await progress.report(PROGRESS.transcribeStart, JobStatus.TRANSCRIBING, 'Resuming recognition');
  }

  const operationId = job.sttOperationId;
  const expectedSeconds = Math.max(10, (job.durationSeconds ?? 60) / 6); // ~10 s per audio minute
  const startedPolling = Date.now();
  await whileSttAvailable(
    () =>
      engine.waitForCompletion(
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
    avail,
  );
  return whileSttAvailable(() => engine.fetchUtterances(operationId, signal), avail);
}

/**
 * Writes the `recognition_units` row of one submission of the whole recording (index = the
 * number of earlier submissions of this job, id `<job id>:op<index>`) and flushes it together
 * with the job's new operation id.
 */
async function recordSubmission(
  em: EntityManager,
  job: Job,
  engineId: string,
  billedSeconds: number,
): Promise<void> {
  const index = await em.count(RecognitionUnit, { job: job.id });
  em.create(RecognitionUnit, {
    id: `${job.id}:op${index}`,
    job: job.id,
    index,
    channel: 0,
    startSeconds: 0,
    endSeconds: job.durationSeconds ?? 0,
    engine: engineId,
    billedSeconds,
    attempts: 1,
  });
  await em.flush();
}
