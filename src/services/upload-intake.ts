/**
 * The steps of accepting an upload ({@link JobService.createFromUpload}): receive the file into
 * storage while hashing it and probe it, check it fits the job's options and the engine, record
 * the job row, queue it. Each step throws the error the client sees; the caller undoes what the
 * earlier steps left (stored objects, the quota reservation).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/core';
import type BeeQueue from 'bee-queue';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { Job } from '../db/entities/index.js';
import { Diarization, type JobOptions } from '../domain.js';
import { AppError, BadInputError } from '../errors.js';
import { enqueueTranscription, type TranscriptionQueueData } from '../jobs/queue.js';
import { formatDuration, probeMedia, type MediaInfo } from '../media/index.js';
import type { Storage } from '../storage/storage.js';
import type { SttEngine } from '../stt/engine.js';
import { checkChannelsFit } from './engine-choice.js';
import { sanitizeFilename } from './filename.js';

/** The stored name of a job's upload. */
export const SOURCE_NAME = 'source';

/** What {@link receiveUpload} learnt about the file. */
export interface ReceivedUpload {
  /** Bytes stored. */
  sizeBytes: number;
  /** ffprobe's reading of it. */
  info: MediaInfo;
  /** SHA-256 of the bytes, hex (duplicate reuse, `./reuse.ts`). */
  contentSha256: string;
  /** performance.now() when the file was stored and when it was probed (the upload log). */
  writtenAt: number;
  probedAt: number;
}

/**
 * Streams the upload to storage under `maxUploadBytes`, hashing it on the way, and probes it with
 * ffprobe (on a local scratch copy where the store is remote; the scratch is always removed).
 * @throws UploadTooLargeError, UploadInterruptedError, BadInputError (not audio, empty, corrupt,
 *   too long), StorageUnavailableError; what was stored is left for the caller to remove.
 */
export async function receiveUpload(
  storage: Storage,
  config: Pick<Config, 'maxUploadBytes' | 'maxDurationSeconds'>,
  jobId: string,
  stream: Readable & { truncated?: boolean },
): Promise<ReceivedUpload> {
  const hash = createHash('sha256');
  let writtenAt = 0;
  const { sizeBytes, info } = await storage.withScratch(jobId, async (scratch) => {
    const bytes = await storage.writeStream(
      jobId,
      SOURCE_NAME,
      stream,
      config.maxUploadBytes,
      hash,
      scratch,
    );
    writtenAt = performance.now();
    const probe = await probeMedia(await scratch.input(SOURCE_NAME), {
      maxDurationSeconds: config.maxDurationSeconds,
    });
    return { sizeBytes: bytes, info: probe };
  });
  return {
    sizeBytes,
    info,
    contentSha256: hash.digest('hex'),
    writtenAt,
    probedAt: performance.now(),
  };
}

/**
 * Checks a probed recording against the duration cap, the diarization asked for and what the
 * engine accepts.
 * @throws BadInputError MEDIA_TOO_LONG, NOT_STEREO, or the engine's channel limit
 *   (`checkChannelsFit`).
 */
export function checkRecordingFits(
  info: MediaInfo,
  options: JobOptions,
  engine: SttEngine,
  maxDurationSeconds: number,
): void {
  if (info.durationSeconds > maxDurationSeconds) {
    throw new BadInputError(
      `The recording is ${formatDuration(info.durationSeconds)} long; the limit is ${formatDuration(maxDurationSeconds)}. Split it into shorter parts.`,
      'MEDIA_TOO_LONG',
    );
  }
  if (options.diarization === Diarization.CHANNELS) {
    if (info.channels < 2) {
      throw new BadInputError(
        'Diarization by channel needs a stereo recording with one speaker per channel; this file has one channel. Use AUTO or SPEAKER_LABELING.',
        'NOT_STEREO',
      );
    }
    checkChannelsFit(engine, info.durationSeconds);
  }
}

/** What {@link recordJob} writes beside the upload's own facts. */
export interface JobRecord {
  id: string;
  tenantId: string;
  filename: string;
  options: JobOptions;
  engine: SttEngine;
  reuseKey: string;
  /** The completed job whose transcript is copied (duplicate reuse), or null. */
  reusedFrom: Pick<Job, 'id' | 'diarizationApplied'> | null;
  now: Date;
  retentionHours: number;
}

/** Creates and flushes the job row (QUEUED) of an accepted upload; `expiresAt` from retention. */
export async function recordJob(
  em: EntityManager,
  upload: ReceivedUpload,
  r: JobRecord,
): Promise<Job> {
  const job = em.create(Job, {
    id: r.id,
    tenant: r.tenantId,
    filename: sanitizeFilename(r.filename),
    sizeBytes: upload.sizeBytes,
    durationSeconds: upload.info.durationSeconds,
    channels: upload.info.channels,
    format: upload.info.formatName,
    sampleRate: upload.info.sampleRate,
    options: r.options,
    engine: r.engine.info.id,
    storedName: SOURCE_NAME,
    contentSha256: upload.contentSha256,
    reuseKey: r.reuseKey,
    reusedFromJobId: r.reusedFrom?.id ?? null,
    diarizationApplied: r.reusedFrom?.diarizationApplied ?? null,
    createdAt: r.now,
    expiresAt: new Date(r.now.getTime() + r.retentionHours * 3600_000),
  });
  await em.flush();
  return job;
}

/**
 * Queues the job's transcription; when the queue is unreachable the job row is deleted again.
 * @throws AppError SERVICE_UNAVAILABLE ("nothing was stored"; the caller removes the objects).
 */
export async function enqueueOrUndo(
  em: EntityManager,
  queue: BeeQueue<TranscriptionQueueData>,
  logger: Logger,
  jobId: string,
): Promise<void> {
  try {
    await enqueueTranscription(queue, jobId);
  } catch (err) {
    logger.error({ err, jobId }, 'could not enqueue job');
    await em.nativeDelete(Job, { id: jobId });
    em.clear();
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'The job queue is unavailable right now; nothing was stored. Try again in a minute.',
    );
  }
}
