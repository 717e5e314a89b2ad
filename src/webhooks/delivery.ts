/**
 * One attempt of one delivery, from any worker: claim the delivery row (a conditional UPDATE,
 * so two dispatchers never send the same attempt), sign with the endpoint's secret(s), send,
 * and record the attempt and the delivery's new state in one transaction.
 *
 * The claim lasts the attempt's timeout plus {@link LOCK_MARGIN_MS}: a dispatcher that dies
 * mid-attempt leaves the delivery to the next one once the claim lapses. The receiver may then
 * see the same `webhook-id` twice (at least once), never a different one.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { WebhooksConfig } from '../config/webhooks.js';
import {
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEvent,
} from '../db/entities/index.js';
import type { Metrics } from '../observability/metrics.js';
import { nextDelayMs } from './schedule.js';
import { sendAttempt, type AttemptResult } from './sender.js';
import { signAttempt } from './signing.js';
import { WebhookAttemptOutcome, WebhookDeliveryStatus } from './types.js';

/** Claim time beyond the attempt's timeout, ms. */
export const LOCK_MARGIN_MS = 5_000;

/** What an attempt needs. */
export interface DeliveryDeps {
  config: WebhooksConfig;
  logger: Logger;
  metrics?: Metrics;
  /** Current time (injected in tests). */
  clock: () => Date;
  /** Uniform random in [0, 1) for the jitter. */
  random?: () => number;
}

/**
 * Runs the due attempt of a delivery, if it is still due and nobody else holds it.
 * @returns when the next attempt is due (PENDING), or null when the delivery is final or was
 *   not ours to run.
 * @throws database errors (the claim then lapses and another run retries).
 */
export async function attemptDelivery(
  em: EntityManager,
  deliveryId: string,
  deps: DeliveryDeps,
): Promise<Date | null> {
  const now = deps.clock();
  const claimed = await em.nativeUpdate(
    WebhookDelivery,
    {
      id: deliveryId,
      status: WebhookDeliveryStatus.PENDING,
      nextAttemptAt: { $lte: now },
      $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }],
    },
    { lockedUntil: new Date(now.getTime() + deps.config.timeoutMs + LOCK_MARGIN_MS) },
  );
  if (claimed === 0) return null;
  const delivery = await em.findOneOrFail(WebhookDelivery, deliveryId);
  const event = await em.findOneOrFail(WebhookEvent, delivery.event.id);
  const endpoint = await em.findOneOrFail(WebhookEndpoint, delivery.endpoint.id, {
    populate: ['secret', 'previousSecret'],
  });
  if (!endpoint.enabled) {
    finish(
      delivery,
      WebhookDeliveryStatus.FAILED,
      `endpoint disabled: ${endpoint.disabledReason ?? 'by its owner'}`,
    );
    await em.flush();
    return null;
  }
  const at = deps.clock();
  const secrets = [endpoint.secret];
  if (
    endpoint.previousSecret &&
    (endpoint.previousSecretExpiresAt?.getTime() ?? 0) > at.getTime()
  ) {
    secrets.push(endpoint.previousSecret);
  }
  const headers = signAttempt(event.id, event.payload, secrets, at);
  const result = await sendAttempt(endpoint.url, event.payload, { ...headers }, deps.config);
  deps.metrics?.webhookAttempts.inc({ event: event.type, outcome: result.outcome });
  deps.metrics?.webhookAttemptSeconds.observe({ outcome: result.outcome }, result.latencyMs / 1000);
  return record(em, { delivery, event, endpoint }, result, at, deps);
}

/** Writes the attempt and the delivery's new state (one flush: one transaction). */
async function record(
  em: EntityManager,
  rows: { delivery: WebhookDelivery; event: WebhookEvent; endpoint: WebhookEndpoint },
  result: AttemptResult,
  at: Date,
  deps: DeliveryDeps,
): Promise<Date | null> {
  const { delivery, event, endpoint } = rows;
  delivery.attempts += 1;
  em.create(WebhookAttempt, {
    id: randomUUID(),
    delivery,
    number: delivery.attempts,
    startedAt: at,
    outcome: result.outcome,
    statusCode: result.statusCode ?? null,
    latencyMs: result.latencyMs,
    error: result.error ?? null,
  });
  delivery.lastOutcome = result.outcome;
  delivery.lastStatusCode = result.statusCode ?? null;
  delivery.lastLatencyMs = result.latencyMs;
  delivery.lastError = result.error ?? null;
  delivery.lockedUntil = null;
  const log = deps.logger.child({
    webhookId: event.id,
    endpointId: endpoint.id,
    attempt: delivery.attempts,
    outcome: result.outcome,
    statusCode: result.statusCode,
  });
  let next: Date | null = null;
  if (result.outcome === WebhookAttemptOutcome.SUCCESS) {
    finish(delivery, WebhookDeliveryStatus.DELIVERED);
    delivery.deliveredAt = deps.clock();
    const seconds = (delivery.deliveredAt.getTime() - event.createdAt.getTime()) / 1000;
    deps.metrics?.webhookCallbackSeconds.observe({ event: event.type }, Math.max(0, seconds));
    log.info({ latencyMs: result.latencyMs }, 'webhook delivered');
  } else if (result.outcome === WebhookAttemptOutcome.GONE) {
    finish(delivery, WebhookDeliveryStatus.FAILED, 'the endpoint answered 410 Gone: disabled');
    endpoint.enabled = false;
    endpoint.disabledReason = `answered 410 Gone at ${at.toISOString()}`;
    log.warn('webhook endpoint answered 410 Gone: disabled');
  } else {
    const delay = nextDelayMs({
      attemptsMade: delivery.attempts,
      scheduleSeconds: deps.config.retryScheduleSeconds,
      jitter: deps.config.retryJitter,
      retryAfterSeconds: result.retryAfterSeconds,
      random: deps.random,
    });
    if (delay === undefined) {
      finish(delivery, WebhookDeliveryStatus.FAILED);
      log.warn({ error: result.error }, 'webhook given up: retry schedule used up');
    } else {
      next = new Date(at.getTime() + result.latencyMs + delay);
      delivery.nextAttemptAt = next;
      log.warn({ error: result.error, nextAttemptAt: next }, 'webhook attempt failed; will retry');
    }
  }
  await em.flush();
  if (!endpoint.enabled) await failPendingOf(em, endpoint.id);
  return next;
}

function finish(delivery: WebhookDelivery, status: WebhookDeliveryStatus, error?: string) {
  delivery.status = status;
  delivery.nextAttemptAt = null;
  delivery.lockedUntil = null;
  if (error) delivery.lastError = error;
}

/** Ends every other pending delivery of a disabled endpoint. */
async function failPendingOf(em: EntityManager, endpointId: string): Promise<void> {
  await em.nativeUpdate(
    WebhookDelivery,
    { endpoint: endpointId, status: WebhookDeliveryStatus.PENDING },
    {
      status: WebhookDeliveryStatus.FAILED,
      nextAttemptAt: null,
      lastError: 'endpoint disabled',
    },
  );
}
