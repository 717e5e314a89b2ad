import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { OptionalProps, type Rel } from '@mikro-orm/core';
import { Job } from './job.entity.js';

/**
 * One unit of recognition work of a job on a synchronous engine: a piece of one channel of the
 * recording, cut at pauses (`src/media/chunk-plan.ts`). The job's plan is written once, before
 * the first unit is sent; each unit's raw engine answer is saved here as soon as it arrives and
 * before it is parsed, so after a crash, a cancel or a restart only units without `rawResult`
 * are sent again, and a finished unit is never paid for twice.
 */
@Entity({ tableName: 'recognition_units' })
@Index({ properties: ['job', 'index'] })
export class RecognitionUnit {
  [OptionalProps]?: 'attempts' | 'createdAt' | 'billedSeconds';

  /** `<job id>:<index>`. */
  @PrimaryKey({ type: 'string', length: 48 })
  id!: string;

  @ManyToOne(() => Job, { deleteRule: 'cascade' })
  job!: Rel<Job>;

  /** Position in the plan, from 0, in order of channel then start time. */
  @Property({ type: 'integer' })
  index!: number;

  /** Channel carried (0 left, 1 right); 0 for a mono mix. */
  @Property({ type: 'integer' })
  channel!: number;

  /** Start on the recording, seconds. */
  @Property({ type: 'double' })
  startSeconds!: number;

  /** End on the recording, seconds. */
  @Property({ type: 'double' })
  endSeconds!: number;

  /** Engine that answered (`openai`, `demo`). */
  @Property({ type: 'string', length: 32 })
  engine!: string;

  /** The engine's answer as received; null until the unit is done. Lazy: can be large. */
  @Property({ type: 'text', nullable: true, lazy: true })
  rawResult?: string | null;

  /** Seconds of audio sent to the engine for this unit, counting every request (retries in another language too). */
  @Property({ type: 'double' })
  billedSeconds = 0;

  /** Requests sent for this unit. */
  @Property({ type: 'integer' })
  attempts = 0;

  @Property({ type: 'datetime', nullable: true })
  completedAt?: Date | null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
