/**
 * Jobs as the API sees them: accept an upload (its steps in `./upload-intake.ts`, options in
 * `./job-options.ts`), list and read jobs, rename speakers, cancel, delete, expire
 * (`./retention.ts`), and assemble exports; transcript changes live in `./workbench/`. Every
 * method is scoped to a tenant: another tenant's id answers exactly like an id that does not
 * exist.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/core';
import type BeeQueue from 'bee-queue';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { Job } from '../db/entities/index.js';
import type { Principal } from '../auth/principal.js';
import { isTerminal, JobStatus, type JobOptions } from '../domain.js';
import { AppError, BadInputError, NotFoundError } from '../errors.js';
import type { ExportDocument } from '../exports/index.js';
import type { JobEvents } from '../jobs/events.js';
import type { TranscriptionQueueData } from '../jobs/queue.js';
import type { ByteRange, Storage } from '../storage/storage.js';
import { changeJobStatus } from './job-status.js';
import { publishJobState } from './progress.js';
import { TenantQuotas, type QuotaAdmission } from './quota.js';
import type { SttEngine } from '../stt/engine.js';
import type { EngineRegistry } from '../stt/registry.js';
import { chooseEngine } from './engine-choice.js';
import { TRANSCODED_NAME } from './transcription.service.js';
import { buildExportDocument } from './export-document.js';
import { TranscriptReader, type SpeakerRow, type TranscriptRow } from './transcript-reader.js';
import { WorkbenchService } from './workbench/index.js';
import { WebhookService } from '../webhooks/service.js';
import { answerByReuse, findReusable, reuseKeyOf } from './reuse.js';
import {
  checkRecordingFits,
  enqueueOrUndo,
  receiveUpload,
  recordJob,
  SOURCE_NAME,
} from './upload-intake.js';
import type { Metrics } from '../observability/metrics.js';
import type { CompletionEstimator } from './estimate.js';
import { expireDueJobs } from './retention.js';
import { normalizeOptions, type JobOptionsInput } from './job-options.js';

export { normalizeOptions, type JobOptionsInput };
import { usageReport, type UsageQuery, type UsageRow } from './usage/report.js';

/** A job's playback audio (`JobService.playbackAudio`). */
export interface PlaybackAudio {
  sizeBytes: number;
  modifiedAt: Date;
  /** Streams the whole file, or the inclusive byte range (inside the file). */
  open(range?: ByteRange): Promise<Readable>;
}

/** Everything the job service talks to. */
export interface JobServiceDeps {
  config: Config;
  storage: Storage;
  queue: BeeQueue<TranscriptionQueueData>;
  events: JobEvents;
  logger: Logger;
  /** The app's fail-fast command client; holds the tenant quota counters (`./quota.ts`). */
  redis: Redis;
  /** The enabled engines: an upload picks one (`options.engine`). */
  engines: EngineRegistry;
  /** Upload and reuse counters go here when given. */
  metrics?: Metrics;
  /** Completion estimates (`Job.estimatedCompletionAt`); without it there are none. */
  estimator?: CompletionEstimator;
}

/** Name of the stored upload inside the job directory (defined by `./upload-intake.ts`). */
export { SOURCE_NAME };

/** Upper bound on `jobs(first:)`. */
export const MAX_PAGE_SIZE = 100;

/** A page of jobs, newest first. */
export interface JobPage {
  jobs: Job[];
  hasNextPage: boolean;
  totalCount: number;
}

const encodeCursor = (job: Job) =>
  Buffer.from(`${job.createdAt.toISOString()}|${job.id}`).toString('base64url');
function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw new BadInputError(
      'The "after" cursor is not valid: pass an endCursor from a previous page.',
      'INVALID_CURSOR',
    );
  }
  return { createdAt, id };
}

/** Domain service for jobs; one instance per process, called with a request-scoped EntityManager. */
export class JobService {
  /** Per-tenant quotas checked by {@link createFromUpload}. */
  readonly quotas: TenantQuotas;
  /** Changes of transcripts after recognition, each a revision (issue 12). */
  readonly workbench: WorkbenchService;
  /** The tenant's webhook endpoints and their delivery log (`src/webhooks/`). */
  readonly webhooks: WebhookService;

  constructor(private readonly deps: JobServiceDeps) {
    this.quotas = new TenantQuotas(deps.redis, deps.config.tenantQuotas);
    this.workbench = new WorkbenchService({ events: deps.events });
    this.webhooks = new WebhookService(deps.config.webhooks);
  }

  /**
   * Accepts an upload: streams it to storage under the size cap, checks with ffprobe that it is
   * audio within the duration cap, then records the job and queues it.
   * Nothing is left on disk or in the database when any step fails.
   * Tenant quotas (concurrent jobs, audio hours per day; see `./quota.ts`) are checked once the
   * duration is known, before the row is written.
   * @throws BadInputError (not audio, empty, corrupt, too long, bad options),
   *   AppError PAYLOAD_TOO_LARGE, AppError QUOTA_EXCEEDED (with `retryAfterSeconds`),
   *   AppError SERVICE_UNAVAILABLE when the queue or Redis is unreachable.
   */
  async createFromUpload(
    em: EntityManager,
    tenantId: string,
    upload: { filename: string; stream: Readable & { truncated?: boolean } },
    optionsInput: JobOptionsInput | null | undefined,
  ): Promise<Job> {
    const { config, storage } = this.deps;
    let options: JobOptions;
    let engine: SttEngine;
    try {
      options = normalizeOptions(optionsInput);
      engine = chooseEngine(this.deps.engines, optionsInput?.engine, options);
    } catch (err) {
      upload.stream.resume(); // drain so the request can finish
      throw err;
    }
    const id = randomUUID();
    let quota: QuotaAdmission | undefined;
    const started = performance.now();
    try {
      const received = await receiveUpload(storage, config, id, upload.stream);
      const { info } = received;
      checkRecordingFits(info, options, engine, config.maxDurationSeconds);
      quota = await this.quotas.admit(em, tenantId, info.durationSeconds);
      const now = new Date();
      const reuseKey = reuseKeyOf(received.contentSha256, engine.info.id, options);
      const source =
        !config.duplicateReuse || optionsInput?.reuse === false
          ? null
          : await findReusable(em, tenantId, reuseKey, now);
      const job = await recordJob(em, received, {
        id,
        tenantId,
        filename: upload.filename,
        options,
        engine,
        reuseKey,
        reusedFrom: source,
        now,
        retentionHours: config.retentionHours,
      });
      await quota.committed();
      this.deps.metrics?.audioSecondsUploaded.inc({ engine: engine.info.id }, info.durationSeconds);
      if (source && (await answerByReuse(this.deps, em, job, source, SOURCE_NAME))) return job;
      await enqueueOrUndo(em, this.deps.queue, this.deps.logger, id);
      await this.storeEstimate(em, job);
      const ms = (from: number, to: number) => Math.round(to - from);
      // Where an upload's time goes (the upload benchmark reads these): receiving and writing the
      // file, the media check, then quota, row and queue.
      this.deps.logger.info(
        {
          jobId: id,
          tenant: tenantId,
          sizeBytes: received.sizeBytes,
          durationSeconds: info.durationSeconds,
          writeMs: ms(started, received.writtenAt),
          probeMs: ms(received.writtenAt, received.probedAt),
          recordMs: ms(received.probedAt, performance.now()),
        },
        'upload accepted',
      );
      return job;
    } catch (err) {
      await quota?.abandon();
      await storage.removeJob(id).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Usage and estimated cost (`./usage/report.ts`) at the configured prices.
   * @throws BadInputError INVALID_RANGE.
   */
  usage(em: EntityManager, query: UsageQuery): Promise<UsageRow[]> {
    return usageReport(em, query, this.deps.config.prices);
  }

  /**
   * When `job` is expected to be COMPLETED: null once it ended; for a running job the estimate its
   * worker wrote at its last progress update; for a queued job, computed now from the queue
   * ahead of it (`./estimate.ts`). Null when there is nothing to go on.
   */
  async estimatedCompletion(job: Job): Promise<Date | null> {
    if (isTerminal(job.status)) return null;
    if (job.status !== JobStatus.QUEUED) return job.estimatedCompletionAt ?? null;
    return (await this.deps.estimator?.forJob(job).catch(() => null)) ?? null;
  }

  /** Saves the upload-time estimate (the first progress event of a queued job shows it). */
  private async storeEstimate(em: EntityManager, job: Job): Promise<void> {
    const at = await this.estimatedCompletion(job);
    if (!at) return;
    job.estimatedCompletionAt = at;
    await em.flush().catch(() => undefined);
  }

  /** @throws NotFoundError unless the job exists and belongs to the tenant. */
  async get(em: EntityManager, tenantId: string, id: string): Promise<Job> {
    const job = await em.findOne(Job, { id, tenant: tenantId });
    if (!job) throw new NotFoundError('Job', id);
    return job;
  }

  /**
   * A completed job's audio for playback: the OGG/Opus file the recognition ran on, so
   * transcript times match it exactly (`audio/ogg`, plays in every current browser).
   * @returns its size in bytes and a reader of the whole file or an inclusive byte range.
   * @throws NotFoundError unless the job exists and belongs to the tenant;
   *   AppError NOT_FOUND (reason AUDIO_NOT_AVAILABLE) until the job is COMPLETED or after expiry;
   *   StorageUnavailableError when the store cannot be reached.
   */
  async playbackAudio(em: EntityManager, tenantId: string, id: string): Promise<PlaybackAudio> {
    const job = await this.get(em, tenantId, id);
    const { storage } = this.deps;
    const info =
      job.status === JobStatus.COMPLETED ? await storage.stat(job.id, TRANSCODED_NAME) : null;
    if (!info) {
      throw new AppError(
        'NOT_FOUND',
        'The audio of this job is not available: it can be played once the job is COMPLETED, until it expires.',
        'AUDIO_NOT_AVAILABLE',
      );
    }
    return {
      sizeBytes: info.size,
      modifiedAt: info.modifiedAt,
      open: (range) => storage.read(job.id, TRANSCODED_NAME, range),
    };
  }

  /** The tenant's jobs among `ids` (any order; unknown and other tenants' ids are left out). */
  async findMany(em: EntityManager, tenantId: string, ids: string[]): Promise<Job[]> {
    return em.find(Job, { id: { $in: ids }, tenant: tenantId });
  }

  /** Returns the job or null (for `Query.job`). */
  async find(em: EntityManager, tenantId: string, id: string): Promise<Job | null> {
    return em.findOne(Job, { id, tenant: tenantId });
  }

  /**
   * Lists jobs newest first with cursor pagination.
   * @param first page size, 1..100 (default 20).
   * @param after an `endCursor` from a previous page.
   */
  async list(
    em: EntityManager,
    tenantId: string,
    args: { first?: number | null; after?: string | null; status?: JobStatus | null },
  ): Promise<JobPage> {
    const first = args.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw new BadInputError(
        `"first" must be between 1 and ${MAX_PAGE_SIZE}.`,
        'INVALID_PAGE_SIZE',
      );
    }
    const base: Record<string, unknown> = { tenant: tenantId };
    if (args.status) base.status = args.status;
    const where: Record<string, unknown> = { ...base };
    if (args.after) {
      const c = decodeCursor(args.after);
      where.$or = [
        { createdAt: { $lt: c.createdAt } },
        { createdAt: c.createdAt, id: { $lt: c.id } },
      ];
    }
    const rows = await em.find(Job, where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: first + 1,
    });
    const totalCount = await em.count(Job, base);
    return { jobs: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
  }

  /** Cursor of a job in {@link list} order. */
  cursorOf(job: Job): string {
    return encodeCursor(job);
  }

  /**
   * Renames a speaker; every export uses the new label from then on. The rename is a revision
   * of the transcript (kind "rename-speaker", `./workbench/rename-speaker.ts`), published to
   * `transcriptChanged` subscribers.
   * @param caller tenant and API key (the key's name is the revision's author).
   * @param label 1..100 characters after trimming; control characters removed.
   * @param expectedVersion the speaker's `version` the caller last saw; when given and stale,
   *   nothing is changed. Without it, only a rename racing this one (same read version) is refused.
   * @returns the speaker as it is now.
   * @throws NotFoundError, BadInputError (empty or too long label), ConflictError CONFLICT
   *   (reason SPEAKER_CHANGED, with `currentVersion`) when another rename got there first.
   */
  async renameSpeaker(
    em: EntityManager,
    caller: Principal,
    speakerId: string,
    label: string,
    expectedVersion?: number,
    reader = new TranscriptReader(em),
  ): Promise<SpeakerRow> {
    const transcriptId = await this.workbench.renameSpeaker(
      em,
      caller,
      speakerId,
      label,
      expectedVersion,
    );
    return reader.speaker(transcriptId, speakerId);
  }

  /**
   * Cancels a job that has not finished: it ends CANCELLED, workers stop (ffmpeg killed, polling
   * abandoned) and its files are removed.
   * @throws NotFoundError; AppError CONFLICT when the job already ended.
   */
  async cancel(em: EntityManager, tenantId: string, id: string): Promise<Job> {
    const job = await this.get(em, tenantId, id);
    if (isTerminal(job.status)) {
      throw new AppError(
        'CONFLICT',
        `The job is already ${job.status}; only unfinished jobs can be cancelled. Use deleteJob to remove it.`,
        'JOB_FINISHED',
      );
    }
    await changeJobStatus(em, job, JobStatus.CANCELLED);
    await this.stopWork(id);
    publishJobState(this.deps.events, job, 'Cancelled');
    return job;
  }

  /** Deletes a job with its transcript and files at once. @throws NotFoundError. */
  async delete(em: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const job = await this.get(em, tenantId, id);
    const wasRunning = !isTerminal(job.status);
    await em.nativeDelete(Job, { id: job.id });
    em.clear();
    if (wasRunning) await this.stopWork(id);
    else await this.deps.storage.removeJob(id);
    return true;
  }

  private async stopWork(id: string): Promise<void> {
    this.deps.events.publishCancel(id);
    await this.deps.queue.removeJob(id).catch(() => undefined);
    await this.deps.storage.removeJob(id);
  }

  /**
   * Loads everything an export needs, through `reader` (lean, batched reads).
   * @throws NotFoundError when the job is not the tenant's; AppError NOT_FOUND (reason
   *   NO_TRANSCRIPT) when it has no transcript yet.
   */
  async exportDocument(
    em: EntityManager,
    tenantId: string,
    jobId: string,
    reader = new TranscriptReader(em),
  ): Promise<ExportDocument> {
    const job = await this.get(em, tenantId, jobId);
    const transcript = await reader.transcriptOfJob(job.id);
    if (!transcript) {
      throw new AppError(
        'NOT_FOUND',
        `Job "${jobId}" has no transcript (status ${job.status}). Exports are available once it is COMPLETED.`,
        'NO_TRANSCRIPT',
      );
    }
    return this.buildExportDocument(reader, job, transcript);
  }

  /** The export document of a job's transcript (see `./export-document.ts`). */
  buildExportDocument(
    reader: TranscriptReader,
    job: Job,
    transcript: TranscriptRow,
  ): Promise<ExportDocument> {
    return buildExportDocument(reader, job, transcript, {
      engineName: this.deps.engines.get(job.engine)?.info.name,
      retentionHours: this.deps.config.retentionHours,
    });
  }

  /**
   * Expires every job past its `expiresAt` and removes orphaned stored jobs (`./retention.ts`).
   * @returns ids of jobs expired in this run.
   */
  expireDue(em: EntityManager, now = new Date()): Promise<string[]> {
    return expireDueJobs(this.deps, em, now);
  }
}
