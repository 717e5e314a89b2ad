/**
 * Standard Webhooks signing with the `standardwebhooks` package (the spec's own JavaScript
 * library, so any receiver can verify with the spec's libraries): HMAC-SHA256 over
 * `webhook-id.webhook-timestamp.body`, header `webhook-signature: v1,<base64>`; secrets are
 * `whsec_` + base64 of 24–64 random bytes (standard-webhooks/standard-webhooks@spec/standard-webhooks.md,
 * "Symmetric"). During a rotation both secrets sign: the header then holds two space-separated
 * `v1,` signatures, and a receiver holding either secret verifies.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Prefix of every signing secret (the spec's and the library's `Webhook.prefix`). */
export const SECRET_PREFIX = 'whsec_';

/** Random bytes in a new secret (the spec allows 24–64). */
const SECRET_BYTES = 32;

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The three Standard Webhooks headers of one attempt. */
export interface SignatureHeaders {
  'webhook-id': string;
  /** Integer Unix seconds of the attempt. */
  'webhook-timestamp': string;
  /** `v1,<base64>`, one per secret, space separated. */
  'webhook-signature': string;
}

/**
 * Signs one attempt.
 * @param eventId the `webhook-id` (the same on every retry).
 * @param body the exact bytes sent.
 * @param secrets current secret first, then any still-valid previous one.
 * @param at time of the attempt (`webhook-timestamp`, whole seconds).
 */
export function signAttempt(
  eventId: string,
  body: string,
  secrets: readonly string[],
  at: Date,
): SignatureHeaders {
  const seconds = Math.floor(at.getTime() / 1000);
  const when = new Date(seconds * 1000);
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(seconds),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(eventId, when, body)).join(' '),
  };
}
