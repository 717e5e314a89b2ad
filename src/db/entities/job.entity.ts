import {
  Entity,
  Enum,
  Index,
  ManyToOne,
  OneToOne,
  PrimaryKey,
  Property,
} from '@mikro-orm/decorators/legacy';
import { OptionalProps, type Rel } from '@mikro-orm/core';
import { Node, NODE_ID_DESCRIPTION } from '../../graphql/types/node.js';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Diarization, JobStatus, type JobOptions } from '../../domain.js';
import type { JobErrorCode } from '../../errors.js';
import { JobErrorCodeEnum } from '../../graphql/types/enums.js';
import { Tenant } from './tenant.entity.js';
import { Transcript } from './transcript.entity.js';

/**
 * One uploaded recording and the work done on it. The row is the source of truth for status,
 * progress, attempts and errors; the queue carries only its id.
 */
@ObjectType({
  description: 'An uploaded recording and its transcription progress.',
  implements: Node,
})
@Entity({ tableName: 'jobs' })
@Index({ properties: ['tenant', 'createdAt'] })
@Index({ properties: ['status', 'expiresAt'] })
@Index({ properties: ['tenant', 'reuseKey'] })
export class Job {
  /** Properties with defaults, optional in `em.create`. */
  [OptionalProps]?: 'status' | 'progress' | 'attempts' | 'createdAt' | 'updatedAt' | 'engine';

  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @ManyToOne(() => Tenant, { deleteRule: 'cascade' })
  tenant!: Rel<Tenant>;

  @Field({ description: 'Original file name, display text only.' })
  @Property({ type: 'string', length: 512 })
  filename!: string;

  @Field(() => Float, { description: 'Size of the upload in bytes.' })
  @Property({ type: 'bigint', runtimeType: 'number' })
  sizeBytes!: number;

  @Field(() => JobStatus, {
    description:
      'Where the job is in its lifecycle; COMPLETED, FAILED, CANCELLED and EXPIRED are final.',
  })
  @Enum({ items: () => JobStatus, type: 'string', length: 16 })
  status: JobStatus = JobStatus.QUEUED;

  @Field(() => Int, { description: 'Percent done, 0..100; never decreases.' })
  @Property({ type: 'integer' })
  progress = 0;

  @Field(() => Float, { nullable: true, description: 'Duration in seconds, from ffprobe.' })
  @Property({ type: 'double', nullable: true })
  durationSeconds?: number | null;

  @Field(() => Int, { nullable: true, description: 'Audio channels in the upload, from ffprobe.' })
  @Property({ type: 'integer', nullable: true })
  channels?: number | null;

  @Field(() => String, { nullable: true, description: 'Container format name, from ffprobe.' })
  @Property({ type: 'string', nullable: true })
  format?: string | null;

  @Field(() => Int, { nullable: true, description: 'Sample rate of the upload in Hz.' })
  @Property({ type: 'integer', nullable: true })
  sampleRate?: number | null;

  /**
   * Options with defaults applied. Lazy: read only where asked for (`populate: ['options']`, the
   * pipeline), not by every job lookup of the API.
   */
  @Property({ type: 'json', lazy: true })
  options!: JobOptions;

  /** Diarization actually used (AUTO resolved), set when transcoding starts. */
  @Field(() => Diarization, {
    nullable: true,
    description: 'Diarization actually applied (AUTO resolved).',
  })
  @Enum({ items: () => Diarization, type: 'string', length: 24, nullable: true })
  diarizationApplied?: Diarization | null;

  @Field(() => JobErrorCodeEnum, {
    nullable: true,
    description: 'Why the job FAILED (see the enum for each meaning); null in every other status.',
  })
  @Property({ type: 'string', nullable: true })
  errorCode?: JobErrorCode | null;

  @Field(() => String, {
    nullable: true,
    description:
      'What went wrong and what to do, for people (English); null unless the job FAILED.',
  })
  @Property({ type: 'text', nullable: true })
  errorMessage?: string | null;

  /** How many times a worker has started this job. */
  @Property({ type: 'integer' })
  attempts = 0;

  /** The speech engine that runs (ran) this job: `speechkit`, `openai` or `demo`. */
  @Field(() => ID, { description: 'The speech engine that transcribes this job (`Engine.id`).' })
  @Property({ type: 'string', length: 32, default: 'speechkit' })
  engine: string = 'speechkit';

  /** Operation id of an operation engine (SpeechKit), saved right after submission so a retry never resubmits. */
  @Property({ type: 'string', nullable: true })
  sttOperationId?: string | null;

  /** File name of the upload inside the job's storage directory. */
  @Property({ type: 'string' })
  storedName!: string;

  @Field(() => Date, { description: 'When the upload was accepted (ISO 8601, UTC).' })
  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Field(() => Date, {
    nullable: true,
    description: 'When a worker first started on the job; null while QUEUED.',
  })
  @Property({ type: 'datetime', nullable: true })
  startedAt?: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the job reached COMPLETED, FAILED or CANCELLED; null before.',
  })
  @Property({ type: 'datetime', nullable: true })
  completedAt?: Date | null;

  @Field(() => Date, { description: 'When the recording and transcript are deleted.' })
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  /** SHA-256 of the uploaded bytes (hex), computed while the upload was written. */
  @Property({ type: 'string', length: 64, nullable: true })
  contentSha256?: string | null;

  /**
   * What makes two uploads the same work: SHA-256 (hex) of the content hash, the engine and the
   * options (`src/services/reuse.ts`). Null when the upload asked for `reuse: false`.
   */
  @Property({ type: 'string', length: 64, nullable: true })
  reuseKey?: string | null;

  @Field(() => ID, {
    nullable: true,
    description:
      "Set when this job was answered at once with a copy of the transcript of an earlier COMPLETED job of yours with the same recording (same SHA-256) and options: that job's id. No engine was called and nothing was billed. The copy is independent: editing one never changes the other. Send `options.reuse: false` to have a recording transcribed again.",
  })
  @Property({ type: 'string', length: 36, nullable: true })
  reusedFromJobId?: string | null;

  /**
   * When the job is expected to be COMPLETED, as last estimated by its worker (every progress
   * write) or at upload (`src/services/estimate.ts`); null when there was nothing to go on.
   */
  @Property({ type: 'datetime', nullable: true })
  estimatedCompletionAt?: Date | null;

  /** Wall seconds of the transcode stage in the run that completed the job (throughput statistics). */
  @Property({ type: 'double', nullable: true })
  transcodeSeconds?: number | null;

  /** Wall seconds of the recognition stage in the run that completed the job. */
  @Property({ type: 'double', nullable: true })
  recognitionSeconds?: number | null;

  /** Wall seconds of the persist stage in the run that completed the job. */
  @Property({ type: 'double', nullable: true })
  persistSeconds?: number | null;

  @OneToOne(() => Transcript, (t) => t.job, { nullable: true })
  transcript?: Rel<Transcript> | null;
}
