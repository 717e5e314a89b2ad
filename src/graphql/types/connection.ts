import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Job } from '../../db/entities/index.js';
import { JobStatus } from '../../domain.js';

/** One job of a {@link JobConnection} page with its cursor. */
@ObjectType({ description: 'A job in a page of jobs, with its cursor.' })
export class JobEdge {
  @Field({ description: 'Opaque cursor of this job: pass it as `after` to continue after it.' })
  cursor!: string;

  @Field(() => Job, { description: 'The job.' })
  node!: Job;
}

/** Relay page information. */
@ObjectType({ description: 'Where a page sits in the whole list (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'True when more jobs follow `endCursor`.' })
  hasNextPage!: boolean;

  @Field({ description: 'True when this page was asked for with `after` (jobs precede it).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first job; null if empty.' })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last job, for the next page; null if empty.',
  })
  endCursor!: string | null;
}

/** Relay-style connection of jobs, newest first. */
@ObjectType({ description: 'Jobs, newest first (Relay cursor connection).' })
export class JobConnection {
  @Field(() => [JobEdge], { description: 'The jobs of this page, newest first.' })
  edges!: JobEdge[];

  @Field(() => PageInfo, { description: 'Cursors to continue from.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Jobs matching the filter in all pages.' })
  totalCount!: number;
}

/** One progress update of a job. */
@ObjectType({ description: 'A progress update; the first one is the current state.' })
export class JobProgressEvent {
  @Field(() => ID, { description: 'The job this event is about.' })
  jobId!: string;

  @Field(() => JobStatus, {
    description: 'Status now; after a final status (COMPLETED, FAILED, CANCELLED) the stream ends.',
  })
  status!: JobStatus;

  @Field(() => Int, { description: 'Percent done, 0..100; never decreases within a status.' })
  progress!: number;

  @Field(() => String, {
    nullable: true,
    description:
      'What is happening, for people (English), e.g. "Transcoding audio", "Transcript ready".',
  })
  message?: string | null;
}
