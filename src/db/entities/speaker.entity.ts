import {
  Entity,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/decorators/legacy';
import type { Opt, Rel } from '@mikro-orm/core';
import { Node, NODE_ID_DESCRIPTION } from '../../graphql/types/node.js';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Transcript } from './transcript.entity.js';

/** A voice in a transcript: a stereo channel or a label from speaker labelling. */
@ObjectType({ description: 'A speaker in a transcript.', implements: Node })
@Entity({ tableName: 'speakers' })
@Unique({ properties: ['transcript', 'tag'] })
@Index({ properties: ['transcript'] })
export class Speaker {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @ManyToOne(() => Transcript, { deleteRule: 'cascade' })
  transcript!: Rel<Transcript>;

  @Field({ description: 'Engine tag: the channel or speaker number ("0", "1").' })
  @Property({ type: 'string', length: 16 })
  tag!: string;

  /** 0-based order of first appearance in the recording. */
  @Property({ type: 'integer' })
  ordinal!: number;

  @Field({ description: 'Display name; "Speaker 1", "Speaker 2" until renamed.' })
  @Property({ type: 'string', length: 200 })
  label!: string;

  @Field(() => Float, { description: 'Total speaking time in seconds.' })
  @Property({ type: 'double' })
  speakingSeconds!: number;

  @Field(() => Int, { description: 'Number of segments spoken by this speaker.' })
  @Property({ type: 'integer' })
  segmentCount!: number;

  /** Optimistic-lock version, bumped on every rename. */
  @Field(() => Int, {
    description:
      'Bumped on every rename. Pass it to renameSpeaker as expectedVersion to be told (CONFLICT) when someone renamed the speaker since you read it.',
  })
  @Property({ type: 'integer', version: true })
  version: number & Opt = 1;
}
