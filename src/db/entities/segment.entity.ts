import {
  Entity,
  Index,
  ManyToOne,
  OneToMany,
  PrimaryKey,
  Property,
} from '@mikro-orm/decorators/legacy';
import { Collection, type Opt, type Rel } from '@mikro-orm/core';
import { Node, NODE_ID_DESCRIPTION } from '../../graphql/types/node.js';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Transcript } from './transcript.entity.js';
import { Speaker } from './speaker.entity.js';
import { Word } from './word.entity.js';

/** One utterance of one speaker, with start and end in seconds from the start of the audio. */
@ObjectType({ description: 'An utterance by one speaker. Times in seconds.', implements: Node })
@Entity({ tableName: 'segments' })
@Index({ properties: ['transcript', 'index'] })
export class Segment {
  @Field(() => ID, { description: NODE_ID_DESCRIPTION })
  @PrimaryKey({ type: 'string', length: 36 })
  id!: string;

  @ManyToOne(() => Transcript, { deleteRule: 'cascade' })
  transcript!: Rel<Transcript>;

  @Field(() => Int, { description: '0-based position in time order.' })
  @Property({ type: 'integer' })
  index!: number;

  @ManyToOne(() => Speaker, { deleteRule: 'cascade' })
  speaker!: Rel<Speaker>;

  @Field(() => Float, { description: 'Start in seconds.' })
  @Property({ type: 'double' })
  start!: number;

  @Field(() => Float, { description: 'End in seconds.' })
  @Property({ type: 'double' })
  end!: number;

  @Field({
    description:
      'What was said, as recognised or as last corrected (UTF-8, Cyrillic for kk-KZ and ru-RU).',
  })
  @Property({ type: 'text' })
  text!: string;

  @Field(() => String, { nullable: true, description: 'BCP-47 tag when the engine reported one.' })
  @Property({ type: 'string', length: 16, nullable: true })
  language?: string | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'How sure the engine was of this text, 0 (guess) to 1 (certain), where it reports it (Whisper servers: exp(avg_logprob)); null otherwise.',
  })
  @Property({ type: 'double', nullable: true })
  confidence?: number | null;

  /** Transcript version at which this segment last changed (set by every revision touching it). */
  @Field(() => Int, {
    description:
      'Transcript version at which this segment last changed (so it only ever grows, also across reverts). Pass it as expectedVersion to editSegment, splitSegment or deleteSegment.',
  })
  @Property({ type: 'integer', default: 1 })
  version: number & Opt = 1;

  /** True once a person changed the text, speaker or times after recognition. */
  @Field(() => Boolean, {
    description:
      "True when a person changed this segment's text, speaker or times after recognition.",
  })
  @Property({ type: 'boolean', default: false })
  edited: boolean & Opt = false;

  @OneToMany(() => Word, (w) => w.segment, { orderBy: { index: 'asc' } })
  words = new Collection<Word>(this);
}
