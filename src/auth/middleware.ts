/**
 * Authentication of HTTP requests and WebSocket connections.
 *
 * - `AUTH_MODE=open`: every caller is the default tenant.
 * - `AUTH_MODE=api-key`: `/graphql` and `/api/v1/*` (except `/api/v1/health/*`) need
 *   `Authorization: Bearer <key>`; `GET /api/v1/jobs/:id/audio` also accepts the signed `token`
 *   of `Job.audioUrl`, `GET /api/v1/jobs/:id/export/:format` the one of `Transcript.exportUrl`. A graphql-ws connection sends the key in its `connection_init` payload as
 *   `{ "authorization": "Bearer <key>" }`.
 *
 * Refusals: HTTP 401 with `WWW-Authenticate: Bearer` and code UNAUTHENTICATED (GraphQL-shaped body
 * on `/graphql`, `{ error }` on `/api/v1`); WebSocket close 4401 (no key) or 4403 (bad key).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
import type { Config } from '../config/config.js';
import { sendError } from '../http/routes.js';
import { authenticateApiKey, authenticateKeyId, keyMissing, UnauthenticatedError } from './keys.js';
import { OPEN_PRINCIPAL, type Principal } from './principal.js';
import type { SignedPurpose, UrlSigner } from './signed-url.js';

/** What authentication needs. */
export interface AuthDeps {
  mode: Config['authMode'];
  orm: MikroORM;
  signer: UrlSigner;
}

/** Paths a signed `?token=` opens, by purpose (`Job.audioUrl`, `Transcript.exportUrl`). */
const SIGNED_PATHS: readonly [RegExp, SignedPurpose][] = [
  [/^\/jobs\/([^/]+)\/audio$/, 'audio'],
  [/^\/jobs\/([^/]+)\/export\/[^/]+$/, 'export'],
];

/** Reads the key out of an `Authorization: Bearer <key>` value; undefined when absent. */
function bearer(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value.trim());
  if (!m) {
    throw new UnauthenticatedError(
      'KEY_INVALID',
      'The Authorization header must be "Bearer <key>".',
    );
  }
  return m[1];
}

/**
 * Express middleware for `/graphql` and `/api/v1`: sets `res.locals.principal` or answers 401.
 * Mount it at both paths, before body parsing, so refused requests are not read.
 */
export function authMiddleware(deps: AuthDeps): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (deps.mode === 'open' || (req.baseUrl === '/api/v1' && req.path.startsWith('/health'))) {
      res.locals.principal = OPEN_PRINCIPAL;
      next();
      return;
    }
    authenticateRequest(deps, req).then(
      (principal) => {
        res.locals.principal = principal;
        req.log = req.log?.child({ tenant: principal.tenantId });
        next();
      },
      (err: unknown) => refuse(req, res, next, err),
    );
  };
}

async function authenticateRequest(deps: AuthDeps, req: Request): Promise<Principal> {
  const em = deps.orm.em.fork();
  const key = bearer(req.headers.authorization);
  if (key) return authenticateApiKey(em, key);
  const token = typeof req.query.token === 'string' ? req.query.token : undefined;
  if (token && req.baseUrl === '/api/v1') {
    for (const [pattern, purpose] of SIGNED_PATHS) {
      const m = pattern.exec(req.path);
      if (m) return authenticateSignedUrl(deps, em, token, decodeURIComponent(m[1]!), purpose);
    }
  }
  throw keyMissing('send it as "Authorization: Bearer <key>"');
}

async function authenticateSignedUrl(
  deps: AuthDeps,
  em: EntityManager,
  token: string,
  jobId: string,
  purpose: SignedPurpose,
): Promise<Principal> {
  const grant = await deps.signer.verify(token, jobId, purpose);
  if (!grant) {
    throw new UnauthenticatedError(
      'KEY_INVALID',
      `This ${purpose} link is invalid or has expired. Reload the job to get a fresh link.`,
    );
  }
  if (!grant.keyId) return grant;
  const key = await authenticateKeyId(em, grant.keyId);
  if (key.tenantId !== grant.tenantId) {
    throw new UnauthenticatedError('KEY_INVALID', 'This audio link is invalid.');
  }
  return key;
}

function refuse(req: Request, res: Response, next: NextFunction, err: unknown): void {
  if (!(err instanceof UnauthenticatedError)) {
    next(err);
    return;
  }
  res.setHeader('WWW-Authenticate', 'Bearer realm="kazru-stt"');
  if (req.baseUrl === '/graphql') {
    res.status(401).json({
      errors: [{ message: err.message, extensions: { code: err.code, reason: err.reason } }],
    });
    return;
  }
  sendError(res, err);
}

/** WebSocket close codes for refused connections (graphql-ws reserves 4400-4499 for such). */
export const WS_CLOSE_UNAUTHORIZED = 4401;
export const WS_CLOSE_FORBIDDEN = 4403;

/**
 * Authenticates a graphql-ws connection from its `connection_init` payload
 * (`{ authorization: "Bearer <key>" }`).
 * @throws UnauthenticatedError (KEY_MISSING → close 4401; otherwise 4403).
 */
export async function authenticateConnection(
  deps: Pick<AuthDeps, 'mode' | 'orm'>,
  params: Readonly<Record<string, unknown>> | undefined,
): Promise<Principal> {
  if (deps.mode === 'open') return OPEN_PRINCIPAL;
  const raw = params?.authorization ?? params?.Authorization;
  const key = bearer(raw);
  if (!key) {
    throw keyMissing('send {"authorization": "Bearer <key>"} as the connection_init payload');
  }
  return authenticateApiKey(deps.orm.em.fork(), key);
}

/**
 * Re-checks, for each graphql-ws operation, that the connection's key is still usable (a key
 * revoked or expired after `connection_init` stops working at once).
 * @returns null when allowed; else the errors to answer the operation with (UNAUTHENTICATED).
 */
export async function keyStillValid(
  deps: Pick<AuthDeps, 'orm'>,
  principal: Principal,
): Promise<readonly GraphQLError[] | null> {
  if (!principal.keyId) return null;
  try {
    await authenticateKeyId(deps.orm.em.fork(), principal.keyId);
    return null;
  } catch (err) {
    if (!(err instanceof UnauthenticatedError)) throw err;
    return [new GraphQLError(err.message, { extensions: { code: err.code, reason: err.reason } })];
  }
}

/** The close code for a refused connection. */
export function closeCodeFor(err: UnauthenticatedError): number {
  return err.failure === 'KEY_MISSING' ? WS_CLOSE_UNAUTHORIZED : WS_CLOSE_FORBIDDEN;
}
