/**
 * Tenants and partner API keys: creation (from the admin command line, `src/admin.ts`), listing,
 * revocation and authentication of a presented key.
 *
 * A key is `kzr_` followed by 43 base64url characters (32 random bytes). It is shown once, when
 * created; the database keeps only its SHA-256 hash and a short prefix for listings.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { ApiKey, Tenant } from '../db/entities/index.js';
import { AppError, BadInputError } from '../errors.js';
import type { Principal } from './principal.js';

/** Every key starts with this, so leaked keys are easy to recognise (e.g. by secret scanners). */
export const API_KEY_PREFIX = 'kzr_';
/** Characters of the key kept in clear for listings (`kzr_` + 8). */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;
/** `lastUsedAt` is written at most this often per key, in milliseconds. */
const LAST_USED_RESOLUTION_MS = 60_000;
const TENANT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** Returns a new random API key (256 bits of entropy). */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** Lower-case hex SHA-256 of a key, as stored in `api_keys.hash`. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Why a key was refused; sent as `extensions.reason` with code UNAUTHENTICATED. */
export type AuthFailure = 'KEY_MISSING' | 'KEY_INVALID' | 'KEY_EXPIRED' | 'KEY_REVOKED';

/** The caller has no usable key. HTTP 401, GraphQL UNAUTHENTICATED, WebSocket close 4401/4403. */
export class UnauthenticatedError extends AppError {
  constructor(
    readonly failure: AuthFailure,
    message: string,
  ) {
    super('UNAUTHENTICATED', message, failure);
  }
}

/** The error for a request that carries no key at all. */
export function keyMissing(where: string): UnauthenticatedError {
  return new UnauthenticatedError(
    'KEY_MISSING',
    `This server requires an API key: ${where}. Ask the administrator for one (npm run admin -- key create).`,
  );
}

/**
 * Checks a presented key.
 * @param key the whole key as the caller sent it.
 * @returns the tenant and key id it authenticates.
 * @throws UnauthenticatedError KEY_INVALID (unknown or malformed), KEY_REVOKED, KEY_EXPIRED.
 */
export async function authenticateApiKey(
  em: EntityManager,
  key: string,
  now = new Date(),
): Promise<Principal> {
  const record =
    key.startsWith(API_KEY_PREFIX) && key.length < 200
      ? await em.findOne(ApiKey, { hash: hashApiKey(key) })
      : null;
  if (!record) {
    throw new UnauthenticatedError(
      'KEY_INVALID',
      'The API key is not valid. Check that it was copied whole; keys start with "kzr_".',
    );
  }
  return checkUsable(em, record, now);
}

/**
 * Checks that a key, found by id, is still usable (used for signed URLs, which name the key).
 * @throws UnauthenticatedError KEY_INVALID (deleted), KEY_REVOKED, KEY_EXPIRED.
 */
export async function authenticateKeyId(
  em: EntityManager,
  keyId: string,
  now = new Date(),
): Promise<Principal> {
  const record = await em.findOne(ApiKey, { id: keyId });
  if (!record) {
    throw new UnauthenticatedError('KEY_INVALID', 'The API key of this link no longer exists.');
  }
  return checkUsable(em, record, now);
}

async function checkUsable(em: EntityManager, record: ApiKey, now: Date): Promise<Principal> {
  if (record.revokedAt) {
    throw new UnauthenticatedError(
      'KEY_REVOKED',
      `The API key ${record.prefix}… was revoked on ${record.revokedAt.toISOString()}. Ask the administrator for a new key.`,
    );
  }
  if (record.expiresAt && record.expiresAt.getTime() <= now.getTime()) {
    throw new UnauthenticatedError(
      'KEY_EXPIRED',
      `The API key ${record.prefix}… expired on ${record.expiresAt.toISOString()}. Ask the administrator for a new key.`,
    );
  }
  const tenantId = typeof record.tenant === 'string' ? record.tenant : record.tenant.id;
  if (!record.lastUsedAt || now.getTime() - record.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    // Best effort, at most once a minute per key: a busy database must not refuse the request.
    await em.nativeUpdate(ApiKey, { id: record.id }, { lastUsedAt: now }).catch(() => undefined);
  }
  return { tenantId, keyId: record.id };
}

/** What `tenant create` accepts. Quotas left undefined take the service defaults. */
export interface NewTenant {
  /** Lower-case letters, digits and dashes, 2..63 characters; derived from the name if absent. */
  id?: string;
  name: string;
  audioHoursPerDay?: number | null;
  maxConcurrentJobs?: number | null;
}

/**
 * Creates a tenant.
 * @throws BadInputError for an invalid id, name or quota; AppError CONFLICT when the id exists.
 */
export async function createTenant(em: EntityManager, input: NewTenant): Promise<Tenant> {
  const name = input.name.trim();
  if (!name || name.length > 200) {
    throw new BadInputError('A tenant name must be 1 to 200 characters.');
  }
  const id =
    input.id ??
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63);
  if (!TENANT_ID.test(id)) {
    throw new BadInputError(
      `Tenant id "${id}" is not valid: use 2-63 lower-case Latin letters, digits and dashes (pass --id).`,
    );
  }
  for (const [what, v] of [
    ['audio hours per day', input.audioHoursPerDay],
    ['concurrent jobs', input.maxConcurrentJobs],
  ] as const) {
    if (v !== undefined && v !== null && !(Number.isFinite(v) && v > 0)) {
      throw new BadInputError(`The quota for ${what} must be a positive number.`);
    }
  }
  if (await em.findOne(Tenant, id)) {
    throw new AppError('CONFLICT', `Tenant "${id}" already exists.`, 'TENANT_EXISTS');
  }
  const tenant = em.create(Tenant, {
    id,
    name,
    audioHoursPerDay: input.audioHoursPerDay ?? null,
    maxConcurrentJobs: input.maxConcurrentJobs ?? null,
  });
  await em.flush();
  return tenant;
}

/** Every tenant, oldest first. */
export function listTenants(em: EntityManager): Promise<Tenant[]> {
  return em.find(Tenant, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

/**
 * Creates an API key for a tenant.
 * @param expiresAt when the key stops working; undefined = never.
 * @returns the key in clear (shown once, never stored) and its record.
 * @throws NOT_FOUND for an unknown tenant; BadInputError for an empty name or a past expiry.
 */
export async function createApiKey(
  em: EntityManager,
  input: { tenantId: string; name: string; expiresAt?: Date },
): Promise<{ key: string; record: ApiKey }> {
  const tenant = await em.findOne(Tenant, input.tenantId);
  if (!tenant) {
    throw new AppError(
      'NOT_FOUND',
      `Tenant "${input.tenantId}" does not exist (npm run admin -- tenant list).`,
    );
  }
  const name = input.name.trim();
  if (!name || name.length > 200) {
    throw new BadInputError('A key name must be 1 to 200 characters.');
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new BadInputError('The expiry must be in the future.');
  }
  const key = generateApiKey();
  const record = em.create(ApiKey, {
    id: randomUUID(),
    tenant,
    name,
    prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
    hash: hashApiKey(key),
    expiresAt: input.expiresAt ?? null,
  });
  await em.flush();
  return { key, record };
}

/** Keys, newest first, of one tenant or of all. Never includes the keys themselves. */
export function listApiKeys(em: EntityManager, tenantId?: string): Promise<ApiKey[]> {
  return em.find(ApiKey, tenantId ? { tenant: tenantId } : {}, {
    orderBy: { createdAt: 'desc', id: 'asc' },
  });
}

/**
 * Revokes a key at once (by id or by its displayed prefix). Revoking twice is harmless.
 * @throws NOT_FOUND when no key matches; BadInputError when a prefix matches several keys.
 */
export async function revokeApiKey(em: EntityManager, idOrPrefix: string): Promise<ApiKey> {
  const matches = await em.find(ApiKey, {
    $or: [{ id: idOrPrefix }, { prefix: idOrPrefix.replace(/…$/, '') }],
  });
  if (matches.length === 0) throw new AppError('NOT_FOUND', `No API key "${idOrPrefix}".`);
  if (matches.length > 1) {
    throw new BadInputError(`"${idOrPrefix}" matches ${matches.length} keys; pass the key id.`);
  }
  const record = matches[0];
  record.revokedAt ??= new Date();
  await em.flush();
  return record;
}
