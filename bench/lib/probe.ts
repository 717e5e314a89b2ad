/**
 * Probes of a running service process from outside: resident memory (now and peak, from
 * `/proc/<pid>/status`, Linux) and the longest event-loop stall since the last look (the api's
 * own `perf_hooks.monitorEventLoopDelay` histogram, read through prom-client's
 * `kazru_nodejs_eventloop_lag_max_seconds`, which resets on every scrape).
 */
import fs from 'node:fs';

/** Resident set size of `pid` in bytes: `current` (VmRSS) and `peak` (VmHWM). */
export function rss(pid: number): { current: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { current: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}

/**
 * Resets the peak RSS of `pid` to its current RSS (`echo 5 > /proc/<pid>/clear_refs`), so the
 * next {@link rss} `peak` is the peak since now. Needs the same user or root.
 */
export function resetPeakRss(pid: number): void {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Longest event-loop delay, in milliseconds, that the api at `baseUrl` saw since the previous
 * call (each scrape resets the histogram). Resolution: prom-client's default 10 ms.
 * @throws when /metrics does not answer or lacks the gauge.
 */
export async function eventLoopMaxMs(baseUrl: string): Promise<number> {
  const res = await fetch(`${baseUrl}/metrics`);
  const text = await res.text();
  const m = /^kazru_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(text);
  if (!m) throw new Error('no kazru_nodejs_eventloop_lag_max_seconds in /metrics');
  return Number(m[1]) * 1000;
}

/**
 * Resident memory of `pid` split by kind, bytes (`/proc/<pid>/status`): `anon` (RssAnon: heap,
 * stacks, buffers — what the program allocates) and `file` (RssFile: mapped executable and
 * libraries, which varies with the page cache, e.g. after caches were dropped).
 */
export function rssParts(pid: number): { anon: number; file: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { anon: kb('RssAnon') * 1024, file: (kb('RssFile') + kb('RssShmem')) * 1024 };
}

/**
 * The highest VmRSS a {@link sampleRss} sampler saw, in bytes, with its parts ({@link rssParts})
 * and its label at that moment.
 */
export interface RssSample {
  current: number;
  anon: number;
  file: number;
  label: string;
}

/** A running RSS sampler; read `max` after {@link RssSampler.stop}. */
export interface RssSampler {
  readonly max: RssSample;
  stop(): void;
}

/**
 * Samples VmRSS of `pid` every `everyMs` milliseconds and keeps the highest sample, labelled with
 * what `label()` returned then (e.g. the job's status), to tell where a peak happened. Samples of
 * a process that is gone are skipped. VmHWM ({@link rss} `peak`) is the exact peak; this says when.
 */
export function sampleRss(pid: number, everyMs: number, label: () => string): RssSampler {
  const max: RssSample = { current: 0, anon: 0, file: 0, label: '' };
  const take = () => {
    try {
      const { current } = rss(pid);
      if (current > max.current) Object.assign(max, { current, ...rssParts(pid), label: label() });
    } catch {
      // the process exited
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    max,
    stop: () => {
      clearInterval(timer);
      take();
    },
  };
}

/**
 * Sum of `kazru_pipeline_stage_duration_seconds` per stage from a worker's `/metrics` on `port`,
 * in seconds by stage name (`transcode`, `recognition`, `persist`).
 */
export async function stageSeconds(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  const re =
    /^kazru_pipeline_stage_duration_seconds_sum\{[^}]*stage="([^"]+)"[^}]*\} ([0-9.e+-]+)$/gm;
  for (const m of text.matchAll(re)) out[m[1]] = Number(m[2]);
  return out;
}
