/**
 * Administration from the command line: `npm run admin -- <command>` (runs
 * `node dist/src/admin.js`). Reads the same configuration as the service (DATABASE_URL, DATA_DIR,
 * REDIS_URL) and works on the same database.
 *
 *   tenant create --name "Acme Call Centre" [--id acme] [--audio-hours-per-day 10] [--max-concurrent-jobs 5]
 *   tenant list
 *   tenant update <id> [--audio-hours-per-day N|default] [--max-concurrent-jobs N|default]
 *   key create --tenant acme --name crm-prod [--expires-in 90d | --expires-at 2027-01-31]
 *   key list [--tenant acme]
 *   key revoke <key id or prefix>
 *   quota show --tenant acme
 *   quota reset --tenant acme
 *   webhook create|list|update|delete|rotate|deliveries|redeliver … --tenant acme (see WEBHOOK_USAGE)
 *   usage --from 2026-12-01 --to 2027-01-01 [--group-by day|month] [--tenant acme]
 *
 * Add `--json` for machine-readable output. Exit status: 0 done, 1 refused (the message says
 * why), 2 usage error.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/core';
import { Redis } from 'ioredis';
import { loadConfig, loadConfigOrExit, type Config } from './config/config.js';
import { initOrm } from './db/orm.js';
import { Tenant, type ApiKey } from './db/entities/index.js';
import { AppError } from './errors.js';
import { createApiKey, createTenant, listApiKeys, listTenants, revokeApiKey } from './auth/keys.js';
import { resetTenantUsage, tenantUsage } from './services/quota.js';
import type { WebhooksConfig } from './config/webhooks.js';
import { runWebhookCommand, WEBHOOK_USAGE } from './webhooks/admin.js';
import { usageReport } from './services/usage/report.js';
import { USAGE_COLUMNS, usageCells } from './services/usage/table.js';

const USAGE = `Usage: npm run admin -- <command> [options] [--json]
  tenant create --name <name> [--id <id>] [--audio-hours-per-day <h>] [--max-concurrent-jobs <n>]
  tenant list
  tenant update <id> [--audio-hours-per-day <h>|default] [--max-concurrent-jobs <n>|default]
  key create --tenant <id> --name <name> [--expires-in <n>d|<n>h | --expires-at <ISO date>]
  key list [--tenant <id>]
  key revoke <key id or prefix>
  quota show --tenant <id>      (audio used today, unfinished jobs, limits)
  quota reset --tenant <id>     (forget the audio counted in the current day)
  usage --from <date> --to <date> [--group-by day|month] [--tenant <id>]
                                (jobs, audio uploaded and billed, estimated cost; all tenants)
${WEBHOOK_USAGE}`;

/** A command-line mistake: printed with the usage text, exit status 2. */
class UsageError extends Error {}

/** Where the CLI writes. Tests pass collectors. */
export interface AdminOutput {
  out(line: string): void;
  err(line: string): void;
}

const OPTIONS = {
  name: { type: 'string' },
  id: { type: 'string' },
  tenant: { type: 'string' },
  'audio-hours-per-day': { type: 'string' },
  'max-concurrent-jobs': { type: 'string' },
  'expires-in': { type: 'string' },
  'expires-at': { type: 'string' },
  url: { type: 'string' },
  events: { type: 'string' },
  description: { type: 'string' },
  endpoint: { type: 'string' },
  first: { type: 'string' },
  enable: { type: 'boolean' },
  disable: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string' },
  'group-by': { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** What the `quota` commands need besides the database. */
export interface AdminQuotaDeps {
  /** Opens a client on the service's Redis, connected (only `quota` commands connect). */
  redis: () => Promise<Redis>;
  /** `config.tenantQuotas`: the defaults for tenants without their own. */
  defaults: Config['tenantQuotas'];
}

/** What commands need besides the database; each part only by the commands that use it. */
export interface AdminDeps {
  /** Redis access for `quota show|reset`; without it those commands are refused. */
  quota?: AdminQuotaDeps;
  /** The clock for key expiry (default: now). */
  now?: Date;
  /** URL rules for `webhook …` (`config.webhooks`; default: https only). */
  webhooks?: WebhooksConfig;
  /** Configured prices for `usage` (`config.prices`; default: none, so no cost column). */
  prices?: Config['prices'];
}

/**
 * Runs one admin command against an open database.
 * @param argv arguments after the script name, e.g. `['key', 'create', '--tenant', 'acme', ...]`.
 * @returns the process exit status (0 ok, 1 refused, 2 usage error).
 */
export async function runAdmin(
  argv: string[],
  em: EntityManager,
  io: AdminOutput,
  deps: AdminDeps = {},
): Promise<number> {
  const { quota: quotaDeps, now = new Date(), webhooks: webhookConfig, prices = {} } = deps;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values: v, positionals } = parsed;
  const [group, command, target] = positionals;
  if (v.help || !group) {
    io.out(USAGE);
    return v.help ? 0 : 2;
  }
  const print = (json: unknown, text: string) =>
    io.out(v.json ? JSON.stringify(json, null, 2) : text);
  try {
    if (group === 'webhook') {
      const r = await runWebhookCommand(
        command,
        target,
        { ...v, tenant: required(v.tenant, '--tenant') },
        em,
        webhookConfig ?? loadConfig({}).webhooks,
      );
      print(r.json, r.table ? table(r.table.header, r.table.rows) : (r.text ?? ''));
      return 0;
    }
    switch (`${group} ${command ?? ''}`) {
      case 'tenant create': {
        const tenant = await createTenant(em, {
          id: v.id,
          name: required(v.name, '--name'),
          audioHoursPerDay: quota(v['audio-hours-per-day'], '--audio-hours-per-day'),
          maxConcurrentJobs: quota(v['max-concurrent-jobs'], '--max-concurrent-jobs'),
        });
        print(tenantJson(tenant), `Created tenant ${tenant.id} ("${tenant.name}").`);
        return 0;
      }
      case 'tenant list': {
        const tenants = await listTenants(em);
        print(
          tenants.map(tenantJson),
          table(
            ['ID', 'NAME', 'AUDIO H/DAY', 'CONCURRENT JOBS', 'CREATED'],
            tenants.map((t) => [
              t.id,
              t.name,
              t.audioHoursPerDay == null ? 'default' : String(t.audioHoursPerDay),
              t.maxConcurrentJobs == null ? 'default' : String(t.maxConcurrentJobs),
              t.createdAt.toISOString(),
            ]),
          ),
        );
        return 0;
      }
      case 'tenant update': {
        const tenant = await em.findOne(Tenant, required(target, '<id>'));
        if (!tenant) throw new AppError('NOT_FOUND', `Tenant "${target}" does not exist.`);
        const hours = quota(v['audio-hours-per-day'], '--audio-hours-per-day');
        const jobs = quota(v['max-concurrent-jobs'], '--max-concurrent-jobs');
        if (hours !== undefined) tenant.audioHoursPerDay = hours;
        if (jobs !== undefined) tenant.maxConcurrentJobs = jobs;
        await em.flush();
        print(tenantJson(tenant), `Updated tenant ${tenant.id}.`);
        return 0;
      }
      case 'key create': {
        const { key, record } = await createApiKey(em, {
          tenantId: required(v.tenant, '--tenant'),
          name: required(v.name, '--name'),
          expiresAt: expiry(v['expires-in'], v['expires-at'], now),
        });
        print(
          { ...keyJson(record), key },
          [
            `Created key ${record.id} for tenant ${v.tenant}${record.expiresAt ? `, expires ${record.expiresAt.toISOString()}` : ''}.`,
            '',
            `    ${key}`,
            '',
            'Copy it now: it is shown only once and cannot be recovered. Send it as',
            '"Authorization: Bearer <key>".',
          ].join('\n'),
        );
        return 0;
      }
      case 'key list': {
        const keys = await listApiKeys(em, v.tenant);
        print(
          keys.map(keyJson),
          table(
            ['ID', 'PREFIX', 'TENANT', 'NAME', 'STATUS', 'EXPIRES', 'LAST USED'],
            keys.map((k) => [
              k.id,
              `${k.prefix}…`,
              tenantIdOf(k),
              k.name,
              keyStatus(k, now),
              k.expiresAt?.toISOString() ?? 'never',
              k.lastUsedAt?.toISOString() ?? 'never',
            ]),
          ),
        );
        return 0;
      }
      case 'key revoke': {
        const record = await revokeApiKey(em, required(target, '<key id or prefix>'));
        print(
          keyJson(record),
          `Revoked key ${record.id} (${record.prefix}…); it is refused from now on.`,
        );
        return 0;
      }
      case 'quota show':
      case 'quota reset': {
        const tenantId = required(v.tenant, '--tenant');
        if (!quotaDeps) throw new UsageError('quota commands need the service Redis (REDIS_URL).');
        if (!(await em.findOne(Tenant, tenantId))) {
          throw new AppError('NOT_FOUND', `Tenant "${tenantId}" does not exist.`);
        }
        const redis = await quotaDeps.redis();
        try {
          if (command === 'reset') {
            await resetTenantUsage(redis, tenantId);
            print({ tenant: tenantId, reset: true }, `Audio used today by ${tenantId} reset to 0.`);
            return 0;
          }
          const u = await tenantUsage(em, redis, quotaDeps.defaults, tenantId);
          const h = (sec: number) => `${(sec / 3600).toFixed(2)} h`;
          print(
            u,
            [
              `Tenant ${tenantId}`,
              `  audio today:     ${h(u.audio.usedSeconds)} of ${h(u.audio.limitSeconds)}${u.audio.resetsInSeconds !== null ? ` (window resets in ${Math.ceil(u.audio.resetsInSeconds / 60)} min)` : ''}`,
              `  unfinished jobs: ${u.concurrentJobs.unfinished} of ${u.concurrentJobs.limit}`,
            ].join('\n'),
          );
          return 0;
        } finally {
          redis.disconnect();
        }
      }
      case 'usage ': {
        const groupBy = (v['group-by'] ?? 'day').toUpperCase();
        if (groupBy !== 'DAY' && groupBy !== 'MONTH') {
          throw new UsageError('--group-by takes day or month.');
        }
        const rows = await usageReport(
          em,
          {
            tenantId: v.tenant,
            from: isoDate(required(v.from, '--from'), '--from'),
            to: isoDate(required(v.to, '--to'), '--to'),
            groupBy,
          },
          prices,
        );
        print(rows, table([...USAGE_COLUMNS], rows.map(usageCells)));
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${positionals.join(' ')}".`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { usage?: boolean }).usage) {
      io.err(`${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof AppError) {
      io.err(`error: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} is required.`);
  return value;
}

/** `default` → null (service default), a positive number → it, absent → undefined (unchanged). */
function quota(value: string | undefined, flag: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive number or "default".`);
  }
  return n;
}

function expiry(
  inText: string | undefined,
  atText: string | undefined,
  now: Date,
): Date | undefined {
  if (inText && atText) throw new UsageError('Use --expires-in or --expires-at, not both.');
  if (inText) {
    const m = /^(\d+)\s*([dh])$/.exec(inText.trim());
    if (!m) throw new UsageError('--expires-in takes days or hours, e.g. 90d or 12h.');
    const ms = Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000);
    return new Date(now.getTime() + ms);
  }
  if (atText) {
    const at = new Date(atText);
    if (Number.isNaN(at.getTime())) {
      throw new UsageError('--expires-at takes an ISO date, e.g. 2027-01-31.');
    }
    return at;
  }
  return undefined;
}

function isoDate(text: string, flag: string): Date {
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) {
    throw new UsageError(`${flag} takes an ISO date or date-time, e.g. 2026-12-01.`);
  }
  return at;
}

const tenantIdOf = (k: ApiKey) => (typeof k.tenant === 'string' ? k.tenant : k.tenant.id);

function keyStatus(k: ApiKey, now: Date): string {
  if (k.revokedAt) return 'revoked';
  if (k.expiresAt && k.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

function tenantJson(t: Tenant) {
  return {
    id: t.id,
    name: t.name,
    audioHoursPerDay: t.audioHoursPerDay ?? null,
    maxConcurrentJobs: t.maxConcurrentJobs ?? null,
    createdAt: t.createdAt.toISOString(),
  };
}

function keyJson(k: ApiKey) {
  return {
    id: k.id,
    prefix: k.prefix,
    tenant: tenantIdOf(k),
    name: k.name,
    status: keyStatus(k, new Date()),
    createdAt: k.createdAt.toISOString(),
    expiresAt: k.expiresAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  };
}

function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const config = loadConfigOrExit(2);
  const orm = await initOrm(config);
  const code = await runAdmin(
    process.argv.slice(2),
    orm.em.fork(),
    { out: (l) => console.log(l), err: (l) => console.error(l) },
    {
      quota: {
        redis: async () => {
          const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
          await redis.ping(); // rate-limiter-flexible refuses a client that is not ready yet
          return redis;
        },
        defaults: config.tenantQuotas,
      },
      webhooks: config.webhooks,
      prices: config.prices,
    },
  );
  await orm.close();
  process.exit(code);
}
