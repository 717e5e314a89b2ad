/**
 * `kazru usage --from --to [--group-by day|month]`: your usage and estimated cost per engine and
 * UTC day or month of upload (the `usage` query).
 */
import { enumValue, type CommandContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import type { CliUsageQuery, CliUsageQueryVariables, UsageGroupBy } from '../generated/graphql.js';
import { USAGE } from '../operations.js';
import { printJson, table } from '../output.js';

/** Flags of `usage`. */
export interface UsageFlags {
  from?: string;
  to?: string;
  groupBy?: string;
}

/**
 * A `--from`/`--to` value as ISO 8601: a date (YYYY-MM-DD, UTC midnight) or a full timestamp.
 * @throws CliError (exit 2)
 */
export function parseInstant(flag: string, value: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime())) {
    throw new CliError(
      EXIT.USAGE,
      `${flag} "${value}" is not a date (YYYY-MM-DD or ISO 8601).`,
      'USAGE',
    );
  }
  return d.toISOString();
}

/** Runs `usage`; `now` is the clock (default: the first of this month to now). */
export async function usage(
  ctx: CommandContext,
  flags: UsageFlags,
  now = new Date(),
): Promise<ExitCode> {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const vars: CliUsageQueryVariables = {
    from: flags.from ? parseInstant('--from', flags.from) : monthStart.toISOString(),
    to: flags.to ? parseInstant('--to', flags.to) : now.toISOString(),
    groupBy: flags.groupBy
      ? enumValue<UsageGroupBy>('--group-by', flags.groupBy, ['DAY', 'MONTH'])
      : 'DAY',
  };
  const { usage: rows } = await ctx.api.request<CliUsageQuery, CliUsageQueryVariables>(USAGE, vars);
  if (ctx.out.json) {
    printJson(ctx.out, { from: vars.from, to: vars.to, groupBy: vars.groupBy, usage: rows });
    return EXIT.OK;
  }
  const minutes = (s: number) => (s / 60).toFixed(1);
  ctx.out.write(
    table(
      [
        'PERIOD',
        'ENGINE',
        'JOBS',
        'DONE',
        'FAILED',
        'REUSED',
        'UPLOADED MIN',
        'BILLED MIN',
        'COST',
      ],
      rows.map((r) => [
        r.period,
        r.engine,
        r.jobs.total,
        r.jobs.completed,
        r.jobs.failed,
        r.jobs.reused,
        minutes(r.audioSecondsUploaded),
        minutes(r.audioSecondsBilled),
        r.estimatedCost == null ? null : `${r.estimatedCost.toFixed(2)} ${r.currency ?? ''}`.trim(),
      ]),
    ),
  );
  if (!rows.length) ctx.out.write(`No uploads from ${vars.from} to ${vars.to}.\n`);
  return EXIT.OK;
}
