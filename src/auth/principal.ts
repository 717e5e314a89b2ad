/**
 * Who is calling: the tenant every read and write is scoped to, and the API key used (if any).
 * Set once per HTTP request (`res.locals.principal`, by the auth middleware in
 * `src/auth/middleware.ts`) and once per WebSocket connection.
 */
import type { Response } from 'express';
import { DEFAULT_TENANT_ID } from '../domain.js';

/** The authenticated caller. */
export interface Principal {
  /** Tenant id; every job, transcript, speaker and file lookup is filtered by it. */
  tenantId: string;
  /** Id of the API key used (`AUTH_MODE=api-key`); null in `AUTH_MODE=open`. */
  keyId: string | null;
}

/** The principal of `AUTH_MODE=open`: everything belongs to the default tenant. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({
  tenantId: DEFAULT_TENANT_ID,
  keyId: null,
});

/**
 * The principal the auth middleware attached to this response, or the open principal when the
 * route is outside authentication (static files, health).
 */
export function principalOf(res: Response): Principal {
  return (res.locals.principal as Principal | undefined) ?? OPEN_PRINCIPAL;
}
