import { Entity, OneToMany, OneToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Collection, type Opt, type Rel } from '@mikro-orm/core';
import { Node, NODE_ID_DESCRIPTION } from '../../graphql/types/node.js';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Job } from './job.entity.js';
import { Speaker } from './speaker.entity.js';
import { Segment } from './segment.entity.js';

/** The recognised text of one job, split into speakers and time-stamped segments. */
@ObjectType({ description: 'A transcript split by speaker, with timestamps.', implements: Node })
@Entity({ tableName: 'transcripts' })
export class Transcript {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @OneToOne(() => Job, (j) => j.transcript, { owner: true, unique: true, deleteRule: 'cascade' })
  job!: Rel<Job>;

  /**
   * Whole text, segments joined in time order. Lazy: ~200 k characters for a 4-hour call, read
   * only when asked for (`TranscriptResolver.text`), never joined into other rows.
   */
  @Property({ type: 'text', lazy: true })
  text!: string;

  @Field(() => [String], { description: 'BCP-47 tags of the languages heard, most used first.' })
  @Property({ type: 'json' })
  languages!: string[];

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  /**
   * Number of the latest revision: 1 as recognised, bumped by one in the same transaction as
   * every change (`src/services/workbench/`); transcript-level mutations check it.
   */
  @Field(() => Int, {
    description:
      'Bumped by every revision; revision 1 is the recognised transcript. Pass it as expectedVersion to mergeSegments, replaceInTranscript or revertTranscript to be told (CONFLICT) when someone changed the transcript since you read it.',
  })
  @Property({ type: 'integer', default: 1 })
  version: number & Opt = 1;

  @OneToMany(() => Speaker, (s) => s.transcript, { orderBy: { ordinal: 'asc' } })
  speakers = new Collection<Speaker>(this);

  @OneToMany(() => Segment, (s) => s.transcript, { orderBy: { index: 'asc' } })
  segments = new Collection<Segment>(this);
}
