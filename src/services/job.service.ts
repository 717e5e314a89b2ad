/**
 * Jobs as the API sees them: accept an upload, list and read jobs, rename speakers, cancel,
 * delete, expire, and assemble exports; transcript changes live in `./workbench/`. Every method is scoped to a tenant: another tenant's id
 * answers exactly like an id that does not exist.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EntityManager } from '@mikro-orm/core';
import type BeeQueue from 'bee-queue';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { Job, RecognitionUnit, Transcript } from '../db/entities/index.js';
import type { Principal } from '../auth/principal.js';
import {
  DEFAULT_LANGUAGES,
  Diarization,
  isTerminal,
  JobStatus,
  SUPPORTED_LANGUAGES,
  type JobOptions,
} from '../domain.js';
import { AppError, BadInputError, NotFoundError } from '../errors.js';
import type { ExportDocument } from '../exports/index.js';
import type { JobEvents } from '../jobs/events.js';
import { enqueueTranscription, type TranscriptionQueueData } from '../jobs/queue.js';
import { formatDuration, probeMedia } from '../media/index.js';
import type { ByteRange, Storage } from '../storage/storage.js';
import { sanitizeFilename } from './filename.js';
import { changeJobStatus } from './job-status.js';
import { publishJobState } from './progress.js';
import { TenantQuotas, type QuotaAdmission } from './quota.js';
import type { SttEngine } from '../stt/engine.js';
import type { EngineRegistry } from '../stt/registry.js';
import { checkChannelsFit, chooseEngine } from './engine-choice.js';
import { TRANSCODED_NAME } from './transcription.service.js';
import { buildExportDocument } from './export-document.js';
import { TranscriptReader, type SpeakerRow, type TranscriptRow } from './transcript-reader.js';
import { WorkbenchService } from './workbench/index.js';
import { WebhookService } from '../webhooks/service.js';
import { answerByReuse, findReusable, reuseKeyOf } from './reuse.js';
import type { Metrics } from '../observability/metrics.js';
import type { CompletionEstimator } from './estimate.js';
import { usageReport, type UsageQuery, type UsageRow } from './usage/report.js';

/** Options as a client may send them; missing fields take defaults. */
export interface JobOptionsInput {
  languages?: string[] | null;
  diarization?: Diarization | null;
  profanityFilter?: boolean | null;
  textNormalization?: boolean | null;
  /** `Engine.id`; default the server's default engine. */
  engine?: string | null;
  /** False: transcribe even when an identical recording was transcribed before (default true). */
  reuse?: boolean | null;
}

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

/** Name of the stored upload inside the job directory. */
export const SOURCE_NAME = 'source';

/** Upper bound on `jobs(first:)`. */
export const MAX_PAGE_SIZE = 100;

const CANONICAL_LANGUAGE = new Map<string, string>(
  [...SUPPORTED_LANGUAGES, 'auto'].map((l) => [l.toLowerCase(), l]),
);

/**
 * Applies defaults and validates options.
 * @throws BadInputError naming the offending option and the accepted values.
 */
export function normalizeOptions(input: JobOptionsInput | null | undefined): JobOptions {
  const requested = input?.languages ?? DEFAULT_LANGUAGES;
  if (requested.length === 0) {
    throw new BadInputError(
      'languages must not be empty: use ["kk-KZ","ru-RU"], one of them, or ["auto"].',
      'INVALID_LANGUAGE',
    );
  }
  const languages = [
    ...new Set(requested.map((l) => CANONICAL_LANGUAGE.get(l.trim().toLowerCase()) ?? l)),
  ];
  const unknown = languages.filter((l) => !CANONICAL_LANGUAGE.has(l.toLowerCase()));
  if (unknown.length > 0) {
    throw new BadInputError(
      `Unsupported language ${unknown.map((l) => `"${l}"`).join(', ')}. Use BCP-47 tags such as "kk-KZ" and "ru-RU", or "auto". Supported: ${SUPPORTED_LANGUAGES.join(', ')}.`,
      'INVALID_LANGUAGE',
    );
  }
  if (languages.includes('auto') && languages.length > 1) {
    throw new BadInputError(
      '"auto" cannot be combined with other languages: send ["auto"] alone.',
      'INVALID_LANGUAGE',
    );
  }
  return {
    languages,
    diarization: input?.diarization ?? Diarization.AUTO,
    profanityFilter: input?.profanityFilter ?? false,
    textNormalization: input?.textNormalization ?? true,
  };
}

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
      const hash = createHash('sha256');
      let written = 0;
      // ffprobe needs a local file: on a remote store the upload is also kept in scratch.
      const { sizeBytes, info } = await storage.withScratch(id, async (scratch) => {
        const bytes = await storage.writeStream(
          id,
          SOURCE_NAME,
          upload.stream,
          config.maxUploadBytes,
          hash,
          scratch,
        );
        written = performance.now();
        const probe = await probeMedia(await scratch.input(SOURCE_NAME), {
          maxDurationSeconds: config.maxDurationSeconds,
        });
        return { sizeBytes: bytes, info: probe };
      });
      const contentSha256 = hash.digest('hex');
      const probed = performance.now();
      if (info.durationSeconds > config.maxDurationSeconds) {
        throw new BadInputError(
          `The recording is ${formatDuration(info.durationSeconds)} long; the limit is ${formatDuration(config.maxDurationSeconds)}. Split it into shorter parts.`,
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
      quota = await this.quotas.admit(em, tenantId, info.durationSeconds);
      const now = new Date();
      const reuseKey = reuseKeyOf(contentSha256, engine.info.id, options);
      const source =
        !config.duplicateReuse || optionsInput?.reuse === false
          ? null
          : await findReusable(em, tenantId, reuseKey, now);
      const job = em.create(Job, {
        id,
        tenant: tenantId,
        filename: sanitizeFilename(upload.filename),
        sizeBytes,
        durationSeconds: info.durationSeconds,
        channels: info.channels,
        format: info.formatName,
        sampleRate: info.sampleRate,
        options,
        engine: engine.info.id,
        storedName: SOURCE_NAME,
        contentSha256,
        reuseKey,
        reusedFromJobId: source?.id ?? null,
        diarizationApplied: source?.diarizationApplied ?? null,
        createdAt: now,
        expiresAt: new Date(now.getTime() + config.retentionHours * 3600_000),
      });
      await em.flush();
      await quota.committed();
      this.deps.metrics?.audioSecondsUploaded.inc({ engine: engine.info.id }, info.durationSeconds);
      if (source && (await answerByReuse(this.deps, em, job, source, SOURCE_NAME))) return job;
      try {
        await enqueueTranscription(this.deps.queue, id);
      } catch (err) {
        this.deps.logger.error({ err, jobId: id }, 'could not enqueue job');
        await em.nativeDelete(Job, { id });
        em.clear();
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'The job queue is unavailable right now; nothing was stored. Try again in a minute.',
        );
      }
      await this.storeEstimate(em, job);
      const ms = (from: number, to: number) => Math.round(to - from);
      const done = performance.now();
      // Where an upload's time goes (the upload benchmark reads these): receiving and writing the
      // file, the media check, then quota, row and queue.
      this.deps.logger.info(
        {
          jobId: id,
          tenant: tenantId,
          sizeBytes,
          durationSeconds: info.durationSeconds,
          writeMs: ms(started, written),
          probeMs: ms(written, probed),
          recordMs: ms(probed, done),
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
   * Expires every job older than its `expiresAt` that is not EXPIRED yet, whatever its status:
   * deletes its files, transcript and saved engine answers, and marks it EXPIRED. Safe to run concurrently and repeatedly.
   * Also removes job directories that have no job row (left by a crash mid-upload) after 1 h.
   * @returns ids of jobs expired in this run.
   */
  async expireDue(em: EntityManager, now = new Date()): Promise<string[]> {
    const due = await em.find(
      Job,
      { expiresAt: { $lte: now }, status: { $ne: JobStatus.EXPIRED } },
      { limit: 500 },
    );
    const expired: string[] = [];
    for (const job of due) {
      const wasRunning = !isTerminal(job.status);
      await this.deps.storage.removeJob(job.id);
      await em.nativeDelete(Transcript, { job: job.id });
      // The engine's saved answers hold the transcript's words too; the rows stay, with what
      // each call billed, for usage reports.
      await em.nativeUpdate(RecognitionUnit, { job: job.id }, { rawResult: null });
      job.sttOperationId = null;
      await changeJobStatus(em, job, JobStatus.EXPIRED);
      if (wasRunning) {
        this.deps.events.publishCancel(job.id);
        await this.deps.queue.removeJob(job.id).catch(() => undefined);
      }
      publishJobState(this.deps.events, job, 'Expired: files and transcript deleted');
      expired.push(job.id);
    }
    await this.removeOrphanDirs(em, now);
    return expired;
  }

  private async removeOrphanDirs(em: EntityManager, now: Date): Promise<void> {
    const stored = await this.deps.storage.listJobs();
    if (stored.length === 0) return;
    const ids = stored.map((s) => s.jobId);
    const known = new Set(
      (await em.find(Job, { id: { $in: ids } }, { fields: ['id'] })).map((j) => j.id),
    );
    for (const { jobId, modifiedAt } of stored) {
      if (known.has(jobId) || now.getTime() - modifiedAt.getTime() <= 3600_000) continue;
      await this.deps.storage.removeJob(jobId).catch(() => undefined);
    }
  }
}
