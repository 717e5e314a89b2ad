/**
 * `kazru jobs` (a page of jobs, newest first), `show ID`, `cancel ID`, `delete ID`.
 */
import { enumValue, positiveInt, type CommandContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import type {
  CliCancelJobMutation,
  CliCancelJobMutationVariables,
  CliDeleteJobMutation,
  CliDeleteJobMutationVariables,
  CliJobsQuery,
  CliJobsQueryVariables,
  CliShowJobQuery,
  CliShowJobQueryVariables,
  JobStatus,
} from '../generated/graphql.js';
import { CANCEL_JOB, DELETE_JOB, JOBS, SHOW_JOB } from '../operations.js';
import { details, duration, megabytes, printJson, table, when } from '../output.js';

const STATUSES: readonly JobStatus[] = [
  'QUEUED',
  'TRANSCODING',
  'TRANSCRIBING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'EXPIRED',
];

/** Flags of `jobs`. */
export interface JobsFlags {
  first?: string;
  after?: string;
  status?: string;
}

/** `jobs`: one page; the footer says how to get the next one. */
export async function listJobs(ctx: CommandContext, flags: JobsFlags): Promise<ExitCode> {
  const vars: CliJobsQueryVariables = {
    first: flags.first ? positiveInt('--first', flags.first) : 20,
    after: flags.after ?? null,
    status: flags.status ? enumValue('--status', flags.status, STATUSES) : null,
  };
  const { jobs } = await ctx.api.request<CliJobsQuery, CliJobsQueryVariables>(JOBS, vars);
  if (ctx.out.json) {
    printJson(ctx.out, {
      totalCount: jobs.totalCount,
      pageInfo: jobs.pageInfo,
      jobs: jobs.edges.map((e) => e.node),
    });
    return EXIT.OK;
  }
  ctx.out.write(
    table(
      ['ID', 'STATUS', 'PROGRESS', 'DURATION', 'SIZE', 'CREATED', 'FILE'],
      jobs.edges.map(({ node: j }) => [
        j.id,
        j.errorCode ? `${j.status} (${j.errorCode})` : j.status,
        `${j.progress}%`,
        duration(j.durationSeconds),
        megabytes(j.sizeBytes),
        when(j.createdAt),
        j.filename,
      ]),
    ),
  );
  const shown = jobs.edges.length;
  ctx.out.write(`${shown} of ${jobs.totalCount} job(s).`);
  if (jobs.pageInfo.hasNextPage && jobs.pageInfo.endCursor) {
    ctx.out.write(` Next page: kazru jobs --after ${jobs.pageInfo.endCursor}`);
  }
  ctx.out.write('\n');
  return EXIT.OK;
}

/** `show ID`: a job's details and its speakers. */
export async function showJob(ctx: CommandContext, id: string): Promise<ExitCode> {
  const { job } = await ctx.api.request<CliShowJobQuery, CliShowJobQueryVariables>(SHOW_JOB, {
    id,
  });
  if (!job) throw new CliError(EXIT.NOT_FOUND, `No job with id ${id}.`, 'NOT_FOUND');
  if (ctx.out.json) {
    printJson(ctx.out, { job });
    return EXIT.OK;
  }
  const t = job.transcript;
  ctx.out.write(
    details([
      ['Job', job.id],
      ['File', job.filename],
      ['Status', job.status],
      ['Progress', `${job.progress}%`],
      ['Error', job.errorCode ? `${job.errorCode}: ${job.errorMessage ?? ''}` : null],
      ['Engine', job.engine],
      ['Size', megabytes(job.sizeBytes)],
      ['Duration', duration(job.durationSeconds)],
      ['Format', job.format],
      ['Channels', job.channels],
      ['Sample rate', job.sampleRate],
      ['Diarization', job.diarizationApplied],
      ['Created', when(job.createdAt)],
      ['Completed', when(job.completedAt)],
      ['Ready about', when(job.estimatedCompletionAt)],
      ['Expires', when(job.expiresAt)],
      ['Reused from', job.reusedFromJobId],
      ['Languages', t ? t.languages.join(', ') : null],
      ['Segments', t?.segmentCount],
    ]),
  );
  if (t && t.speakers.length) {
    ctx.out.write('\n');
    ctx.out.write(
      table(
        ['SPEAKER', 'TAG', 'SEGMENTS', 'SPEAKING'],
        t.speakers.map((s) => [s.label, s.tag, s.segmentCount, duration(s.speakingSeconds)]),
      ),
    );
  }
  return EXIT.OK;
}

/** `cancel ID`: stops an unfinished job. */
export async function cancelJob(ctx: CommandContext, id: string): Promise<ExitCode> {
  const { cancelJob: job } = await ctx.api.request<
    CliCancelJobMutation,
    CliCancelJobMutationVariables
  >(CANCEL_JOB, { id });
  if (ctx.out.json) printJson(ctx.out, { job });
  else ctx.out.write(`Job ${job.id}: ${job.status}\n`);
  return EXIT.OK;
}

/** `delete ID`: deletes a job, its transcript and files. */
export async function deleteJob(ctx: CommandContext, id: string): Promise<ExitCode> {
  const { deleteJob: deleted } = await ctx.api.request<
    CliDeleteJobMutation,
    CliDeleteJobMutationVariables
  >(DELETE_JOB, { id });
  if (!deleted) throw new CliError(EXIT.NOT_FOUND, `No job with id ${id}.`, 'NOT_FOUND');
  if (ctx.out.json) printJson(ctx.out, { deleted: true, id });
  else ctx.out.write(`Job ${id} deleted.\n`);
  return EXIT.OK;
}
