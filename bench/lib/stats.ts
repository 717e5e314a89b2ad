/**
 * Small statistics and reporting helpers for the benchmark suite: percentiles over repeated
 * runs, and the table `npm run bench` prints.
 */

/** Summary of repeated measurements of one quantity (same unit as the samples). */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  max: number;
}

/** The p-th percentile (0..100) of `samples` by nearest rank. @throws on an empty list. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Min, median and max of `samples`. */
export function summarize(samples: number[]): Summary {
  return {
    n: samples.length,
    min: Math.min(...samples),
    p50: percentile(samples, 50),
    max: Math.max(...samples),
  };
}

/** Runs `fn` `times` times in a row and returns each run's result. */
export async function repeat<T>(times: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < times; i++) out.push(await fn(i));
  return out;
}

/** Milliseconds `fn` took, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

/**
 * One line of the benchmark report: a measure, its figure, the baseline it is judged against
 * (when it has one), and the target it must meet.
 */
export interface Row {
  suite: string;
  measure: string;
  /** The figure as printed, e.g. "412 ms (380–450)". */
  value: string;
  baseline?: string;
  /** value / baseline where both are numbers of the same unit. */
  ratio?: number;
  /** The target in words, e.g. "≤ 5× raw SQL and ≤ 500 ms". */
  target?: string;
  /** Whether the target is met; undefined when the row is informational. */
  pass?: boolean;
}

/** "412 ms (380–450)" for a summary in milliseconds. */
export function fmtMs(s: Summary): string {
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return s.n > 1 ? `${f(s.p50)} ms (${f(s.min)}–${f(s.max)})` : `${f(s.p50)} ms`;
}

/** Bytes as MB with one decimal (10^6 bytes). */
export function fmtMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The report as a Markdown table (the README's Performance section is pasted from it). */
export function renderTable(rows: Row[]): string {
  const head = ['Suite', 'Measure', 'Value', 'Baseline', 'Ratio', 'Target', 'Met'];
  const lines = rows.map((r) => [
    r.suite,
    r.measure,
    r.value,
    r.baseline ?? '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'yes' : '**NO**',
  ]);
  const all = [head, ...lines];
  const widths = head.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const fmt = (l: string[]) => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join(
    '\n',
  );
}
