import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { GraphQLUpload, type FileUpload } from 'graphql-upload-minimal';
import { Job, Transcript } from '../../db/entities/index.js';
import { isTerminal, JobStatus } from '../../domain.js';
import type { JobProgressPayload } from '../../jobs/events.js';
import type { TranscriptRow } from '../../services/transcript-reader.js';
import { NotFoundError } from '../../errors.js';
import type { GraphQLContext } from '../context.js';
import { ProgressFeed } from '../progress-feed.js';
import { JobConnection, JobProgressEvent } from '../types/connection.js';
import { TranscriptionOptionsInput } from '../types/inputs.js';

@Resolver(() => Job)
export class JobResolver {
  @Query(() => Job, { nullable: true, description: 'A job by id, or null if there is none.' })
  job(
    @Arg('id', () => ID, { description: 'The job (`Job.id`).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Job | null> {
    return ctx.jobs.find(ctx.em, ctx.tenantId, id);
  }

  @Query(() => JobConnection, { description: 'Jobs newest first. first: 1..100 (default 20).' })
  async jobs(
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1..100; default 20.' })
    first?: number,
    @Arg('after', () => String, {
      nullable: true,
      description: '`pageInfo.endCursor` of the previous page; omit for the newest jobs.',
    })
    after?: string,
    @Arg('status', () => JobStatus, {
      nullable: true,
      description: 'Only jobs in this status; omit for all.',
    })
    status?: JobStatus,
  ): Promise<JobConnection> {
    const page = await ctx.jobs.list(ctx.em, ctx.tenantId, { first, after, status });
    const edges = page.jobs.map((node) => ({ node, cursor: ctx.jobs.cursorOf(node) }));
    return {
      edges,
      totalCount: page.totalCount,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: Boolean(after),
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  @Mutation(() => Job, {
    description:
      'Uploads a recording (GraphQL multipart request; send the Apollo-Require-Preflight header) and queues it.',
  })
  async uploadAudio(
    @Arg('file', () => GraphQLUpload, {
      description:
        'The recording (wav, mp3, flac, ogg, m4a, webm; limits in `serviceInfo`), as a file part of a GraphQL multipart request.',
    })
    file: Promise<FileUpload>,
    @Ctx() ctx: GraphQLContext,
    @Arg('options', () => TranscriptionOptionsInput, {
      nullable: true,
      description: 'Languages, diarization and engine; defaults when omitted.',
    })
    options?: TranscriptionOptionsInput,
  ): Promise<Job> {
    const upload = await file;
    return ctx.jobs.createFromUpload(
      ctx.em,
      ctx.tenantId,
      { filename: upload.filename, stream: upload.createReadStream() },
      options,
    );
  }

  @Mutation(() => Job, { description: 'Stops an unfinished job and removes its files.' })
  cancelJob(
    @Arg('id', () => ID, { description: 'The job to cancel (`Job.id`).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Job> {
    return ctx.jobs.cancel(ctx.em, ctx.tenantId, id);
  }

  @Mutation(() => Boolean, { description: 'Deletes a job, its transcript and its files at once.' })
  deleteJob(
    @Arg('id', () => ID, { description: 'The job to delete (`Job.id`).' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<boolean> {
    return ctx.jobs.delete(ctx.em, ctx.tenantId, id);
  }

  @Subscription(() => JobProgressEvent, {
    description: 'Progress of a job: first the current state, then live updates until it ends.',
    subscribe: ({ args, context }) => jobProgressStream(context as GraphQLContext, String(args.id)),
  })
  jobProgress(
    @Arg('id', () => ID, { description: 'The job to follow (`Job.id`).' }) _id: string,
    @Root() event: JobProgressPayload,
  ): JobProgressEvent {
    return event;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'Once COMPLETED: a link to the recognised audio (OGG/Opus, HTTP Range supported) for an <audio> element. It carries a signed token (valid 6 h, bound to this job and your API key), so it works without an Authorization header; fetch the job again for a fresh link.',
  })
  async audioUrl(@Root() job: Job, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    if (job.status !== JobStatus.COMPLETED) return null;
    const token = await ctx.signer.sign(job.id, ctx.principal);
    return `/api/v1/jobs/${encodeURIComponent(job.id)}/audio?token=${token}`;
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      'When the job is expected to be COMPLETED: from its place in the queue, the workers’ concurrency and the throughput measured on recent jobs of its engine, per stage (audio seconds per second). Refreshed at every progress event; null once the job has ended, and when there is nothing to go on yet (no recent job of this engine, no worker running).',
  })
  estimatedCompletionAt(@Root() job: Job, @Ctx() ctx: GraphQLContext): Promise<Date | null> {
    return ctx.jobs.estimatedCompletion(job);
  }

  @FieldResolver(() => Transcript, { nullable: true, description: 'Set once COMPLETED.' })
  transcript(@Root() job: Job, @Ctx() ctx: GraphQLContext): Promise<TranscriptRow | null> {
    return ctx.transcripts.transcriptOfJob(job.id);
  }
}

@Resolver(() => JobProgressEvent)
export class JobProgressEventResolver {
  @FieldResolver(() => Job, { description: 'The job as it is now.' })
  job(@Root() event: JobProgressPayload, @Ctx() ctx: GraphQLContext): Promise<Job> {
    return ctx.jobReads.job(ctx.tenantId, event.jobId);
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      'When the job is expected to be COMPLETED, as estimated at this event (see `Job.estimatedCompletionAt`); null once it has ended or when there is nothing to go on.',
  })
  estimatedCompletionAt(@Root() event: JobProgressPayload): Date | null {
    return event.estimatedCompletionAt ? new Date(event.estimatedCompletionAt) : null;
  }
}

/**
 * Progress events of one job: the current state from the database first, then live events from
 * Redis, never going backwards, ending after a terminal status.
 * @throws NotFoundError (before the first event) when the job does not exist for this tenant.
 */
async function jobProgressStream(
  ctx: GraphQLContext,
  jobId: string,
): Promise<AsyncIterable<JobProgressPayload>> {
  const current = await currentState(ctx, jobId, true);
  // Status and progress only: holding an event object would keep what was read for it.
  let last: Pick<JobProgressPayload, 'status' | 'progress'> | null = null;
  let ready = false;
  const buffered: JobProgressPayload[] = [];
  const feed = new ProgressFeed<JobProgressPayload>(() => unsubscribe());
  const deliver = (p: JobProgressPayload) => {
    if (last && p.progress < last.progress && p.status === last.status) return;
    if (last && isTerminal(last.status)) return;
    last = { status: p.status, progress: p.progress };
    feed.push(p);
    if (isTerminal(p.status)) feed.end();
  };
  const unsubscribe = ctx.events.onProgress(jobId, (p) => {
    if (ready) deliver(p);
    else buffered.push(p);
  });
  try {
    // Re-read after subscribing so nothing published in between is missed.
    deliver((await currentState(ctx, jobId, false)) ?? current!);
  } catch (err) {
    feed.end();
    throw err;
  }
  ready = true;
  for (const p of buffered) deliver(p);
  return feed;
}

/**
 * The job's state as a plain payload (batched with other subscriptions' reads, see
 * `../job-reads.ts`).
 * @param required throw NotFoundError when the job is gone (else answer null).
 */
async function currentState(
  ctx: GraphQLContext,
  jobId: string,
  required: boolean,
): Promise<JobProgressPayload | null> {
  const state = await ctx.jobReads.state(ctx.tenantId, jobId);
  if (!state && required) throw new NotFoundError('Job', jobId);
  return state ? { jobId, ...state, message: null } : null;
}
