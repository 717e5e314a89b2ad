/**
 * Webhook endpoints as a tenant manages them (GraphQL and `npm run admin -- webhook …`): create,
 * list, update, delete, rotate the secret, read the delivery log, redeliver an event. Every
 * method is scoped to a tenant: another tenant's id answers exactly like an id that does not
 * exist (NOT_FOUND).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { WebhooksConfig } from '../config/webhooks.js';
import {
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEvent,
} from '../db/entities/index.js';
import { BadInputError, NotFoundError } from '../errors.js';
import { notifyOutbox } from './outbox.js';
import { generateSecret } from './signing.js';
import { checkUrlForSave } from './ssrf.js';
import { WEBHOOK_EVENT_TYPES, WebhookDeliveryStatus, WebhookEventType } from './types.js';

/** How long the secret before a rotation keeps signing deliveries, ms (24 h). */
export const ROTATION_GRACE_MS = 24 * 3600_000;
/** Longest description, characters. */
export const MAX_DESCRIPTION_LENGTH = 500;
/** Upper bound on `deliveries(first:)`. */
export const MAX_DELIVERIES_PAGE = 100;

/** An endpoint with its secret in clear: only ever returned by create and rotate. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  /** `whsec_…`; shown once. */
  secret: string;
}

/** Fields of an endpoint a tenant sets. */
export interface EndpointInput {
  url?: string | null;
  /** Event types; on create, absent means all. */
  events?: WebhookEventType[] | null;
  description?: string | null;
  /** Update only: false disables, true enables again. */
  enabled?: boolean | null;
}

/** Tenant-scoped endpoint management. */
export class WebhookService {
  constructor(private readonly config: WebhooksConfig) {}

  /** The tenant's endpoints, oldest first. */
  list(em: EntityManager, tenantId: string): Promise<WebhookEndpoint[]> {
    return em.find(
      WebhookEndpoint,
      { tenant: tenantId },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  /** @throws NotFoundError unless the endpoint is the tenant's. */
  async get(em: EntityManager, tenantId: string, id: string): Promise<WebhookEndpoint> {
    const ep = await em.findOne(WebhookEndpoint, { id, tenant: tenantId });
    if (!ep) throw new NotFoundError('Webhook endpoint', id);
    return ep;
  }

  /**
   * Registers an endpoint and returns it with its new secret (shown once).
   * @throws BadInputError: the URL (WEBHOOK_URL_INVALID, WEBHOOK_URL_NOT_HTTPS,
   *   WEBHOOK_ADDRESS_REFUSED), NO_EVENTS, DESCRIPTION_TOO_LONG, TOO_MANY_ENDPOINTS.
   */
  async create(
    em: EntityManager,
    tenantId: string,
    input: EndpointInput,
  ): Promise<EndpointWithSecret> {
    const url = checkUrlForSave(input.url ?? '', this.config).toString();
    const events = checkEvents(input.events ?? [...WEBHOOK_EVENT_TYPES]);
    const description = checkDescription(input.description);
    const count = await em.count(WebhookEndpoint, { tenant: tenantId });
    if (count >= this.config.maxEndpointsPerTenant) {
      throw new BadInputError(
        `A tenant may have at most ${this.config.maxEndpointsPerTenant} webhook endpoints; delete one first (deleteWebhookEndpoint).`,
        'TOO_MANY_ENDPOINTS',
      );
    }
    const secret = generateSecret();
    const endpoint = em.create(WebhookEndpoint, {
      id: randomUUID(),
      tenant: tenantId,
      url,
      events,
      description,
      secret,
    });
    await em.flush();
    return { endpoint, secret };
  }

  /**
   * Changes what is given. Enabling a disabled endpoint clears its `disabledReason`; past
   * events are not resent (use redeliverWebhook).
   * @throws NotFoundError; BadInputError as {@link create}.
   */
  async update(
    em: EntityManager,
    tenantId: string,
    id: string,
    input: EndpointInput,
  ): Promise<WebhookEndpoint> {
    const ep = await this.get(em, tenantId, id);
    if (input.url != null) ep.url = checkUrlForSave(input.url, this.config).toString();
    if (input.events != null) ep.events = checkEvents(input.events);
    if (input.description !== undefined) ep.description = checkDescription(input.description);
    if (input.enabled != null && input.enabled !== ep.enabled) {
      ep.enabled = input.enabled;
      ep.disabledReason = input.enabled ? null : 'disabled by its owner';
    }
    await em.flush();
    return ep;
  }

  /** Deletes an endpoint with its delivery log. @throws NotFoundError. */
  async delete(em: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const ep = await this.get(em, tenantId, id);
    await em.nativeDelete(WebhookEndpoint, { id: ep.id });
    em.clear();
    return true;
  }

  /**
   * Gives the endpoint a new secret (returned once). For {@link ROTATION_GRACE_MS} deliveries
   * carry a signature with the old secret too, so the receiver can switch without losing any.
   * @throws NotFoundError.
   */
  async rotateSecret(
    em: EntityManager,
    tenantId: string,
    id: string,
    now = new Date(),
  ): Promise<EndpointWithSecret> {
    const ep = await this.get(em, tenantId, id);
    const { secret: old } = await em.findOneOrFail(WebhookEndpoint, ep.id, {
      populate: ['secret'],
    });
    const secret = generateSecret();
    ep.previousSecret = old;
    ep.previousSecretExpiresAt = new Date(now.getTime() + ROTATION_GRACE_MS);
    ep.secret = secret;
    await em.flush();
    return { endpoint: ep, secret };
  }

  /**
   * The endpoint's deliveries, newest first.
   * @param first 1..100 (default 20).
   * @throws NotFoundError; BadInputError INVALID_PAGE_SIZE.
   */
  async deliveries(
    em: EntityManager,
    tenantId: string,
    endpointId: string,
    opts: { first?: number | null; status?: WebhookDeliveryStatus | null } = {},
  ): Promise<WebhookDelivery[]> {
    const ep = await this.get(em, tenantId, endpointId);
    const first = opts.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERIES_PAGE) {
      throw new BadInputError(
        `"first" must be between 1 and ${MAX_DELIVERIES_PAGE}.`,
        'INVALID_PAGE_SIZE',
      );
    }
    return em.find(
      WebhookDelivery,
      { endpoint: ep.id, ...(opts.status ? { status: opts.status } : {}) },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first },
    );
  }

  /** The attempts of a delivery the caller already holds (scoped by it), in order. */
  attempts(em: EntityManager, deliveryId: string): Promise<WebhookAttempt[]> {
    return em.find(WebhookAttempt, { delivery: deliveryId }, { orderBy: { number: 'asc' } });
  }

  /**
   * Sends an event again, with the same `webhook-id`, to `endpointId` or to every enabled
   * endpoint subscribed to its type: the delivery is PENDING and due now (a new one where the
   * endpoint had none). It is one more attempt; failing, it retries while the schedule lasts.
   * @throws NotFoundError (event or endpoint not the tenant's); BadInputError ENDPOINT_DISABLED,
   *   EVENT_NOT_SUBSCRIBED (the named endpoint does not take this event type).
   */
  async redeliver(
    em: EntityManager,
    tenantId: string,
    eventId: string,
    endpointId?: string | null,
    now = new Date(),
  ): Promise<WebhookDelivery[]> {
    const event = await em.findOne(WebhookEvent, { id: eventId, tenant: tenantId });
    if (!event) throw new NotFoundError('Webhook event', eventId);
    const type = event.type as WebhookEventType;
    let targets: WebhookEndpoint[];
    if (endpointId) {
      const ep = await this.get(em, tenantId, endpointId);
      if (!ep.enabled) {
        throw new BadInputError(
          'The endpoint is disabled: enable it first (updateWebhookEndpoint).',
          'ENDPOINT_DISABLED',
        );
      }
      if (!ep.events.includes(type)) {
        throw new BadInputError(
          `The endpoint does not subscribe to ${type}.`,
          'EVENT_NOT_SUBSCRIBED',
        );
      }
      targets = [ep];
    } else {
      targets = (await this.list(em, tenantId)).filter((e) => e.enabled && e.events.includes(type));
    }
    const existing = await em.find(WebhookDelivery, {
      event: event.id,
      endpoint: { $in: targets.map((t) => t.id) },
    });
    const byEndpoint = new Map(existing.map((d) => [d.endpoint.id, d]));
    const out: WebhookDelivery[] = [];
    for (const ep of targets) {
      const d =
        byEndpoint.get(ep.id) ??
        em.create(WebhookDelivery, {
          id: randomUUID(),
          event,
          endpoint: ep,
          eventType: type,
          createdAt: now,
        });
      d.status = WebhookDeliveryStatus.PENDING;
      d.nextAttemptAt = now;
      d.lockedUntil = null;
      d.deliveredAt = null;
      out.push(d);
    }
    event.dispatchedAt ??= now;
    await em.flush();
    notifyOutbox();
    return out;
  }
}

function checkEvents(events: WebhookEventType[]): WebhookEventType[] {
  const unique = [...new Set(events)];
  if (unique.length === 0) {
    throw new BadInputError(
      `Name at least one event type: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
      'NO_EVENTS',
    );
  }
  const unknown = unique.filter((e) => !WEBHOOK_EVENT_TYPES.includes(e));
  if (unknown.length > 0) {
    throw new BadInputError(
      `Unknown event type ${unknown.join(', ')}; use ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
      'UNKNOWN_EVENT',
    );
  }
  return WEBHOOK_EVENT_TYPES.filter((e) => unique.includes(e));
}

function checkDescription(d: string | null | undefined): string | null {
  const text = d?.replace(/[\p{Cc}]/gu, ' ').trim() ?? '';
  if (text.length > MAX_DESCRIPTION_LENGTH) {
    throw new BadInputError(
      `The description is longer than ${MAX_DESCRIPTION_LENGTH} characters.`,
      'DESCRIPTION_TOO_LONG',
    );
  }
  return text === '' ? null : text;
}
