import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Job } from '../../db/entities/index.js';
import { JobStatus } from '../../domain.js';

@ObjectType()
export class JobEdge {
  @Field()
  cursor!: string;

  @Field(() => Job)
  node!: Job;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** Relay-style connection of jobs, newest first. */
@ObjectType({ description: 'Jobs, newest first (Relay cursor connection).' })
export class JobConnection {
  @Field(() => [JobEdge])
  edges!: JobEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

/** One progress update of a job. */
@ObjectType({ description: 'A progress update; the first one is the current state.' })
export class JobProgressEvent {
  @Field(() => ID)
  jobId!: string;

  @Field(() => JobStatus)
  status!: JobStatus;

  @Field(() => Int)
  progress!: number;

  @Field(() => String, { nullable: true })
  message?: string | null;
}
