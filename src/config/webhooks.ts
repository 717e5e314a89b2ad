/**
 * Configuration of outgoing webhooks (Standard Webhooks, `src/webhooks/`). Part of
 * {@link loadConfig} (`src/config/config.ts`), split out like the engines' settings. Every
 * variable is documented in README.md ("Webhooks").
 */
import net from 'node:net';
import { z } from 'zod';

/**
 * Delays between attempts, in seconds, after the first (immediate) one: the example schedule of
 * the Standard Webhooks spec (standard-webhooks/standard-webhooks@spec/standard-webhooks.md,
 * "Retry schedule"): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h — about 75.5 h in all.
 */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [
  5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400,
];

const bool = (def: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def)
    .transform((v) => v === 'true' || v === '1');

/** A host name as it appears in a URL (lower case), or an IP literal. */
const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** The environment variables of webhooks, merged into the main schema. */
export const WEBHOOK_ENV = {
  /** `true` lets endpoints use http:// (default: https only). */
  WEBHOOK_ALLOW_HTTP: bool('false'),
  /**
   * Comma list of hosts (as written in the endpoint URL; `*.example.internal` for sub-domains)
   * whose private, loopback or link-local addresses may be called anyway.
   */
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const hosts = v
        .split(',')
        .map((h) =>
          h
            .trim()
            .toLowerCase()
            .replace(/^\[|\]$/g, ''),
        )
        .filter(Boolean);
      const bad = hosts.filter((h) => net.isIP(h) === 0 && !HOST.test(h));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `not a host name or IP address: ${bad.join(', ')}`,
        });
        return z.NEVER;
      }
      return hosts;
    }),
  /** Milliseconds one delivery attempt may take (connect, send, answer) before it counts as failed. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  /** Comma list of seconds between attempts after the first; see {@link DEFAULT_RETRY_SCHEDULE_SECONDS}. */
  WEBHOOK_RETRY_SCHEDULE_SECONDS: z
    .string()
    .default(DEFAULT_RETRY_SCHEDULE_SECONDS.join(','))
    .transform((v, ctx) => {
      const parts = v.split(',').map((s) => s.trim());
      const nums = parts.map(Number);
      if (parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n) || n < 0)) {
        ctx.addIssue({ code: 'custom', message: 'a comma list of seconds, e.g. 5,300,1800' });
        return z.NEVER;
      }
      return nums;
    }),
  /** Each delay is multiplied by a random factor in [1 - j, 1 + j] (0..0.5). */
  WEBHOOK_RETRY_JITTER: z.coerce.number().min(0).max(0.5).default(0.2),
  /** `false`: this worker process does not deliver webhooks (another one does). */
  WEBHOOK_DISPATCH: bool('true'),
  /** Milliseconds between two looks for undelivered events (a worker's own events go at once). */
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  /** Endpoints one tenant may register. */
  WEBHOOK_MAX_ENDPOINTS_PER_TENANT: z.coerce.number().int().min(1).default(10),
  /** Days events and their delivery log are kept. */
  WEBHOOK_LOG_RETENTION_DAYS: z.coerce.number().positive().default(30),
};

/** Parsed values of {@link WEBHOOK_ENV}. */
export type WebhookEnv = z.infer<z.ZodObject<typeof WEBHOOK_ENV>>;

/** Validated webhook settings (`Config.webhooks`). */
export interface WebhooksConfig {
  /** http:// endpoints allowed (`WEBHOOK_ALLOW_HTTP`); https only otherwise. */
  allowHttp: boolean;
  /** Lower-case hosts exempt from the private-address refusal; `*.x` matches sub-domains of x. */
  allowedHosts: string[];
  /** Per-attempt timeout, ms (default 15,000: the spec asks for 15–30 s). */
  timeoutMs: number;
  /** Seconds before attempt 2, 3, …; attempts in all = length + 1. */
  retryScheduleSeconds: number[];
  /** Relative jitter applied to every delay (0.2 = ±20 %). */
  retryJitter: number;
  /** Whether this process's worker role delivers webhooks. */
  dispatch: boolean;
  /** Poll interval of the dispatcher, ms. */
  pollIntervalMs: number;
  maxEndpointsPerTenant: number;
  /** Events, deliveries and attempts older than this are deleted. */
  logRetentionDays: number;
}

/** Maps the parsed variables to {@link WebhooksConfig}. */
export function webhooksConfig(e: WebhookEnv): WebhooksConfig {
  return {
    allowHttp: e.WEBHOOK_ALLOW_HTTP,
    allowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
    timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    retryScheduleSeconds: e.WEBHOOK_RETRY_SCHEDULE_SECONDS,
    retryJitter: e.WEBHOOK_RETRY_JITTER,
    dispatch: e.WEBHOOK_DISPATCH,
    pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
    maxEndpointsPerTenant: e.WEBHOOK_MAX_ENDPOINTS_PER_TENANT,
    logRetentionDays: e.WEBHOOK_LOG_RETENTION_DAYS,
  };
}
