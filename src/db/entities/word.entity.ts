import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import type { Rel } from '@mikro-orm/core';
import { Field, Float, ObjectType } from 'type-graphql';
import { Segment } from './segment.entity.js';

/** A recognised word with its timing in seconds. */
@ObjectType({ description: 'A word with its timing in seconds.' })
@Entity({ tableName: 'words' })
@Index({ properties: ['segment', 'index'] })
export class Word {
  @PrimaryKey({ type: 'integer', autoincrement: true })
  id!: number;

  @ManyToOne(() => Segment, { deleteRule: 'cascade' })
  segment!: Rel<Segment>;

  @Property({ type: 'integer' })
  index!: number;

  @Field({ description: 'The word as recognised (or as an edit retimed it).' })
  @Property({ type: 'string', length: 200 })
  text!: string;

  @Field(() => Float, { description: 'Start in seconds from the start of the recording.' })
  @Property({ type: 'double' })
  start!: number;

  @Field(() => Float, { description: 'End in seconds from the start of the recording.' })
  @Property({ type: 'double' })
  end!: number;
}
