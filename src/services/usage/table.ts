/**
 * The usage report as a text table, for the admin command line (`npm run admin -- usage …`):
 * one line per tenant × period × engine, the same figures as `Query.usage`.
 */
import type { UsageRow } from './report.js';

/** Column titles, in order. */
export const USAGE_COLUMNS = [
  'TENANT',
  'PERIOD',
  'ENGINE',
  'JOBS',
  'DONE',
  'FAILED',
  'CANCELLED',
  'EXPIRED',
  'OPEN',
  'REUSED',
  'UPLOADED S',
  'BILLED S',
  'REQUESTS',
  'ERRORS',
  'EST. COST',
] as const;

/** The cells of one row (strings, as printed). */
export function usageCells(r: UsageRow): string[] {
  return [
    r.tenantId,
    r.period,
    r.engine,
    String(r.jobs.total),
    String(r.jobs.completed),
    String(r.jobs.failed),
    String(r.jobs.cancelled),
    String(r.jobs.expired),
    String(r.jobs.unfinished),
    String(r.jobs.reused),
    r.audioSecondsUploaded.toFixed(1),
    r.audioSecondsBilled.toFixed(1),
    String(r.engineRequests),
    r.errors.map((e) => `${e.code}×${e.jobs}`).join(',') || '-',
    r.estimatedCost === null ? '-' : `${r.estimatedCost.toFixed(4)} ${r.currency}`,
  ];
}
