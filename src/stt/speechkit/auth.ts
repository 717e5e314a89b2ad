/**
 * SpeechKit credentials: API key, static IAM token, or a service-account authorized key that is
 * exchanged for short-lived IAM tokens.
 *
 * Sources: "SpeechKit v3 REST: Authentication" (§1.1 mechanisms, §1.3 exchanging a service-account
 * key for an IAM token: PS256 JWT → `POST iam/v1/tokens` → `{ iamToken, expiresAt }`).
 */
import { readFile } from 'node:fs/promises';
import { importPKCS8, SignJWT } from 'jose';
import type { Config, SpeechKitAuth } from '../../config/config.js';
import { JobError } from '../../errors.js';
import type { AuthorizationSource, HttpClient, HttpLogger } from '../http/index.js';

/** Message of the STT_AUTH_FAILED error thrown by every call when no credentials are configured. */
export const CREDENTIALS_NOT_CONFIGURED =
  'SpeechKit credentials are not configured: set YANDEX_API_KEY, YANDEX_IAM_TOKEN or YANDEX_SA_KEY_FILE';

/** JWT lifetime in seconds (`exp - iat`); IAM accepts at most 3600. */
export const JWT_LIFETIME_SECONDS = 3600;
/** Refresh the IAM token when less than this many milliseconds remain before `expiresAt` (10 min). */
export const IAM_REFRESH_MARGIN_MS = 10 * 60 * 1000;
/** Refresh the IAM token at the latest this many milliseconds after obtaining it (1 h). */
export const IAM_MAX_TOKEN_AGE_MS = 60 * 60 * 1000;

/** Authorized-key JSON of a service account (`yc iam key create` output). Only these fields are used. */
export interface ServiceAccountKey {
  /** Key id, sent as the JWT header `kid`. */
  id: string;
  /** Service account id, sent as the JWT claim `iss`. */
  service_account_id: string;
  /** PKCS#8 PEM private key (RSA), possibly preceded by a "PLEASE DO NOT REMOVE THIS LINE!" line. */
  private_key: string;
}

/** An IAM token with its lifetime, times in epoch milliseconds. */
export interface CachedIamToken {
  token: string;
  obtainedAtMs: number;
  expiresAtMs: number;
}

/** Produces `Authorization` header values; see {@link createAuthorizer}. */
export interface SpeechKitAuthorizer extends AuthorizationSource {
  readonly kind: SpeechKitAuth['kind'];
}

/**
 * Removes anything before the `-----BEGIN` line of a PEM, e.g. the
 * `PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <…>` line of Yandex authorized keys.
 */
export function stripPemPreamble(pem: string): string {
  const i = pem.indexOf('-----BEGIN');
  return (i >= 0 ? pem.slice(i) : pem).trim() + '\n';
}

/**
 * Reads and validates a service-account authorized key file.
 * @throws JobError STT_AUTH_FAILED when the file is missing, not JSON, or lacks
 *   `id` / `service_account_id` / `private_key`.
 */
export async function readServiceAccountKey(file: string): Promise<ServiceAccountKey> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    throw new JobError(
      'STT_AUTH_FAILED',
      `Cannot read the service-account key file YANDEX_SA_KEY_FILE=${file}: ${(err as Error).message}`,
      false,
      { cause: err },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new JobError(
      'STT_AUTH_FAILED',
      `The service-account key file ${file} is not valid JSON`,
      false,
      { cause: err },
    );
  }
  const o = (parsed ?? {}) as Record<string, unknown>;
  const missing = ['id', 'service_account_id', 'private_key'].filter(
    (k) => typeof o[k] !== 'string' || o[k] === '',
  );
  if (missing.length > 0) {
    throw new JobError(
      'STT_AUTH_FAILED',
      `The service-account key file ${file} lacks ${missing.join(', ')} (expected the authorized-key JSON from "yc iam key create")`,
    );
  }
  return {
    id: o.id as string,
    service_account_id: o.service_account_id as string,
    private_key: o.private_key as string,
  };
}

/**
 * Signs the JWT that IAM exchanges for a token: header `{typ:'JWT', alg:'PS256', kid: key.id}`,
 * claims `iss = service_account_id`, `aud = audience` (the IAM token URL), `iat = nowSeconds`,
 * `exp = iat + 3600` (seconds).
 * @throws JobError STT_AUTH_FAILED when the private key cannot be imported.
 */
export async function signServiceAccountJwt(
  key: ServiceAccountKey,
  audience: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  let privateKey: Awaited<ReturnType<typeof importPKCS8>>;
  try {
    privateKey = await importPKCS8(stripPemPreamble(key.private_key), 'PS256');
  } catch (err) {
    throw new JobError(
      'STT_AUTH_FAILED',
      `The service-account private key (key id ${key.id}) is not a PKCS#8 RSA PEM: ${(err as Error).message}`,
      false,
      { cause: err },
    );
  }
  return new SignJWT({})
    .setProtectedHeader({ typ: 'JWT', alg: 'PS256', kid: key.id })
    .setIssuer(key.service_account_id)
    .setAudience(audience)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + JWT_LIFETIME_SECONDS)
    .sign(privateKey);
}

/**
 * Whether a cached IAM token must be replaced: less than {@link IAM_REFRESH_MARGIN_MS} before
 * `expiresAt`, or older than {@link IAM_MAX_TOKEN_AGE_MS}, whichever comes first. For tokens
 * issued with a lifetime under 20 min the margin shrinks to half the lifetime, so a fresh
 * short-lived token is used at least once instead of being exchanged again at once.
 */
export function tokenNeedsRefresh(token: CachedIamToken | undefined, nowMs: number): boolean {
  if (!token) return true;
  const lifetime = token.expiresAtMs - token.obtainedAtMs;
  const margin = Math.min(IAM_REFRESH_MARGIN_MS, Math.max(0, lifetime / 2));
  return nowMs >= token.expiresAtMs - margin || nowMs >= token.obtainedAtMs + IAM_MAX_TOKEN_AGE_MS;
}

/** Dependencies of {@link createAuthorizer}. `now` returns epoch milliseconds (tests). */
export interface AuthorizerDeps {
  http: HttpClient;
  logger?: HttpLogger;
  now?: () => number;
}

/**
 * Creates the credential source for `cfg.auth`:
 * - `api-key` → `Api-Key <key>` (not refreshable);
 * - `iam-token` → `Bearer <token>` (static, not refreshable);
 * - `sa-key-file` → `Bearer <iamToken>` obtained by POSTing `{ jwt }` to `cfg.iamUrl`, cached and
 *   refreshed per {@link tokenNeedsRefresh}; concurrent callers share one exchange; refreshable;
 * - `none` → every call throws JobError STT_AUTH_FAILED {@link CREDENTIALS_NOT_CONFIGURED}.
 *
 * IAM exchange failures: 400/401/403/404 → STT_AUTH_FAILED; 429/5xx/network beyond retries →
 * STT_UNAVAILABLE; a 2xx without `iamToken` → STT_AUTH_FAILED.
 */
export function createAuthorizer(cfg: Config['stt'], deps: AuthorizerDeps): SpeechKitAuthorizer {
  const auth = cfg.auth;
  const now = deps.now ?? Date.now;
  switch (auth.kind) {
    case 'api-key':
      return {
        kind: auth.kind,
        refreshable: false,
        authorization: async () => `Api-Key ${auth.apiKey}`,
      };
    case 'iam-token':
      return {
        kind: auth.kind,
        refreshable: false,
        authorization: async () => `Bearer ${auth.iamToken}`,
      };
    case 'none':
      return {
        kind: auth.kind,
        refreshable: false,
        authorization: async () => {
          throw new JobError('STT_AUTH_FAILED', CREDENTIALS_NOT_CONFIGURED);
        },
      };
    case 'sa-key-file': {
      let cached: CachedIamToken | undefined;
      let inflight: Promise<CachedIamToken> | undefined;
      let keyPromise: Promise<ServiceAccountKey> | undefined;

      const exchange = async (signal?: AbortSignal): Promise<CachedIamToken> => {
        keyPromise ??= readServiceAccountKey(auth.keyFile);
        let key: ServiceAccountKey;
        try {
          key = await keyPromise;
        } catch (err) {
          keyPromise = undefined; // re-read next time (the file may be fixed)
          throw err;
        }
        const obtainedAtMs = now();
        const jwt = await signServiceAccountJwt(key, cfg.iamUrl, Math.floor(obtainedAtMs / 1000));
        const res = await deps.http.send({
          method: 'POST',
          url: cfg.iamUrl,
          what: 'IAM token exchange',
          body: JSON.stringify({ jwt }),
          notFoundCode: 'STT_AUTH_FAILED',
          clientErrorCode: 'STT_AUTH_FAILED',
          signal,
        });
        let body: { iamToken?: unknown; expiresAt?: unknown };
        try {
          body = JSON.parse(res.text) as typeof body;
        } catch {
          body = {};
        }
        if (typeof body.iamToken !== 'string' || body.iamToken === '') {
          throw new JobError(
            'STT_AUTH_FAILED',
            `IAM token exchange at ${cfg.iamUrl} answered without an iamToken`,
          );
        }
        const exp = typeof body.expiresAt === 'string' ? Date.parse(body.expiresAt) : NaN;
        const token: CachedIamToken = {
          token: body.iamToken,
          obtainedAtMs,
          expiresAtMs: Number.isNaN(exp) ? obtainedAtMs + IAM_MAX_TOKEN_AGE_MS : exp,
        };
        deps.logger?.info(
          { serviceAccountId: key.service_account_id, expiresAt: new Date(token.expiresAtMs) },
          'Obtained a SpeechKit IAM token for the service account',
        );
        return token;
      };

      return {
        kind: auth.kind,
        refreshable: true,
        async authorization(opts) {
          if (opts?.forceRefresh || tokenNeedsRefresh(cached, now())) {
            if (opts?.forceRefresh && inflight === undefined) cached = undefined;
            inflight ??= exchange(opts?.signal).finally(() => {
              inflight = undefined;
            });
            cached = await inflight;
          }
          return `Bearer ${cached!.token}`;
        },
      };
    }
  }
}
