import {
  Entity,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/decorators/legacy';
import type { Opt, Rel } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Transcript } from './transcript.entity.js';
import type { RevisionChange } from '../../services/workbench/revision-change.js';

/**
 * One change of a transcript (issue 12): who, when, what. Revision 1 is the recognised
 * transcript; every workbench mutation adds the next number in the same transaction as the
 * change. Deleted with the transcript (job expiry, deleteJob).
 */
@ObjectType('Revision', { description: 'One change of a transcript: who made it, when and what.' })
@Entity({ tableName: 'transcript_revisions' })
@Unique({ properties: ['transcript', 'number'] })
@Index({ properties: ['transcript', 'number'] })
export class TranscriptRevision {
  @Field(() => ID, { description: 'Identifies the revision.' })
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @ManyToOne(() => Transcript, { deleteRule: 'cascade' })
  transcript!: Rel<Transcript>;

  @Field(() => Int, {
    description: 'Revision number, from 1 (as recognised); equals Transcript.version after it.',
  })
  @Property({ type: 'integer' })
  number!: number;

  @Field(() => Date, { description: 'When the change was committed.' })
  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Field(() => String, {
    nullable: true,
    description:
      'Who made it: the API key\'s name, or "web" when no key was used; null for the recognised transcript.',
  })
  @Property({ type: 'string', length: 200, nullable: true })
  author?: string | null;

  @Field({
    description:
      'What kind of change: recognised, edit, split, merge, delete, replace, revert or rename-speaker.',
  })
  @Property({ type: 'string', length: 32 })
  kind!: string;

  @Field({ description: 'One line saying what changed, e.g. "Split segment at 01:23.400".' })
  @Property({ type: 'string', length: 500 })
  summary!: string;

  /**
   * What changed: the touched segments (with words) and speakers before and after. Lazy and
   * never read by the revisions list: a replace over a 4-hour call holds megabytes.
   */
  @Property({ type: 'json', lazy: true })
  change!: RevisionChange;
}
