/**
 * The `webhook …` commands of `npm run admin` (`src/admin.ts`): the same operations as the
 * GraphQL API, for an operator acting for a tenant (`--tenant`).
 */
import type { EntityManager } from '@mikro-orm/core';
import type { WebhooksConfig } from '../config/webhooks.js';
import type { WebhookDelivery, WebhookEndpoint } from '../db/entities/index.js';
import { BadInputError } from '../errors.js';
import { WebhookService } from './service.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './types.js';

/** Usage lines of the webhook commands. */
export const WEBHOOK_USAGE = `  webhook create --tenant <id> --url <https://…> [--events job.completed,job.failed,…] [--description <text>]
  webhook list --tenant <id>
  webhook update <endpoint id> --tenant <id> [--url <url>] [--events <list>] [--description <text>] [--enable | --disable]
  webhook delete <endpoint id> --tenant <id>
  webhook rotate <endpoint id> --tenant <id>       (new secret, shown once; the old one signs for 24 h more)
  webhook deliveries <endpoint id> --tenant <id> [--first <n>]
  webhook redeliver <event id (msg_…)> --tenant <id> [--endpoint <endpoint id>]`;

/** Flags the webhook commands read. */
export interface WebhookFlags {
  tenant: string;
  url?: string;
  events?: string;
  description?: string;
  endpoint?: string;
  first?: string;
  enable?: boolean;
  disable?: boolean;
}

/** What a command printed: JSON for `--json`, else text or a table. */
export interface CommandOutput {
  json: unknown;
  text?: string;
  table?: { header: string[]; rows: string[][] };
}

/**
 * Runs `webhook <command> [target]`.
 * @throws BadInputError / NotFoundError (printed as "error: …", exit 1); Error with
 *   `usage: true` for an unknown command or a missing target.
 */
export async function runWebhookCommand(
  command: string | undefined,
  target: string | undefined,
  flags: WebhookFlags,
  em: EntityManager,
  config: WebhooksConfig,
): Promise<CommandOutput> {
  const svc = new WebhookService(config);
  const t = flags.tenant;
  const need = (v: string | undefined, what: string) => {
    if (!v) throw Object.assign(new Error(`${what} is required.`), { usage: true });
    return v;
  };
  switch (command) {
    case 'create': {
      const { endpoint, secret } = await svc.create(em, t, {
        url: need(flags.url, '--url'),
        events: events(flags.events),
        description: flags.description,
      });
      return {
        json: { ...endpointJson(endpoint), secret },
        text: [
          `Created webhook endpoint ${endpoint.id} for tenant ${t}: ${endpoint.url} (${endpoint.events.join(', ')}).`,
          '',
          `    ${secret}`,
          '',
          'Copy the signing secret now: it is shown only once. Verify every delivery with it',
          '(Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature).',
        ].join('\n'),
      };
    }
    case 'list': {
      const eps = await svc.list(em, t);
      return {
        json: eps.map(endpointJson),
        table: {
          header: ['ID', 'URL', 'EVENTS', 'STATUS', 'DESCRIPTION'],
          rows: eps.map((e) => [
            e.id,
            e.url,
            e.events.join(','),
            e.enabled ? 'enabled' : `disabled (${e.disabledReason ?? ''})`,
            e.description ?? '',
          ]),
        },
      };
    }
    case 'update': {
      if (flags.enable && flags.disable) {
        throw new BadInputError('Use --enable or --disable, not both.');
      }
      const ep = await svc.update(em, t, need(target, '<endpoint id>'), {
        url: flags.url,
        events: flags.events === undefined ? undefined : events(flags.events),
        description: flags.description,
        enabled: flags.enable ? true : flags.disable ? false : undefined,
      });
      return { json: endpointJson(ep), text: `Updated webhook endpoint ${ep.id}.` };
    }
    case 'delete': {
      const id = need(target, '<endpoint id>');
      await svc.delete(em, t, id);
      return {
        json: { id, deleted: true },
        text: `Deleted webhook endpoint ${id} and its delivery log.`,
      };
    }
    case 'rotate': {
      const { endpoint, secret } = await svc.rotateSecret(em, t, need(target, '<endpoint id>'));
      return {
        json: { ...endpointJson(endpoint), secret },
        text: `New signing secret for ${endpoint.id} (the old one also signs until ${endpoint.previousSecretExpiresAt?.toISOString()}):\n\n    ${secret}\n`,
      };
    }
    case 'deliveries': {
      const first = flags.first === undefined ? undefined : Number(flags.first);
      const ds = await svc.deliveries(em, t, need(target, '<endpoint id>'), { first });
      return {
        json: ds.map(deliveryJson),
        table: {
          header: ['EVENT', 'TYPE', 'STATUS', 'ATTEMPTS', 'LAST', 'LATENCY', 'NEXT RETRY', 'ERROR'],
          rows: ds.map((d) => [
            d.event.id,
            d.eventType,
            d.status,
            String(d.attempts),
            d.lastOutcome
              ? `${d.lastOutcome}${d.lastStatusCode ? ` ${d.lastStatusCode}` : ''}`
              : '-',
            d.lastLatencyMs == null ? '-' : `${d.lastLatencyMs} ms`,
            d.nextAttemptAt?.toISOString() ?? '-',
            d.lastError ?? '',
          ]),
        },
      };
    }
    case 'redeliver': {
      const ds = await svc.redeliver(em, t, need(target, '<event id>'), flags.endpoint);
      return {
        json: ds.map(deliveryJson),
        text: `Redelivery of ${target} queued to ${ds.length} endpoint(s).`,
      };
    }
    default:
      throw Object.assign(new Error(`Unknown command "webhook ${command ?? ''}".`), {
        usage: true,
      });
  }
}

/** `job.completed,job.failed` → event types. @throws BadInputError naming an unknown one. */
function events(list: string | undefined): WebhookEventType[] | undefined {
  if (list === undefined) return undefined;
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !WEBHOOK_EVENT_TYPES.includes(n as WebhookEventType));
  if (bad.length > 0) {
    throw new BadInputError(
      `Unknown event ${bad.join(', ')}; use ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
    );
  }
  return names as WebhookEventType[];
}

function endpointJson(e: WebhookEndpoint) {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    description: e.description ?? null,
    enabled: e.enabled,
    disabledReason: e.disabledReason ?? null,
    createdAt: e.createdAt.toISOString(),
  };
}

function deliveryJson(d: WebhookDelivery) {
  return {
    id: d.id,
    eventId: d.event.id,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastOutcome: d.lastOutcome ?? null,
    lastStatusCode: d.lastStatusCode ?? null,
    lastLatencyMs: d.lastLatencyMs ?? null,
    lastError: d.lastError ?? null,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}
