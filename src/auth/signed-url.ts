/**
 * Short-lived signed URLs for resources a browser loads without headers: `<audio src>` cannot
 * send `Authorization`, so `Job.audioUrl` carries a token bound to one job, one tenant and the key
 * that asked for it (HS256 JWT via `jose`). The api checks the token and, for a key, that the key
 * is still usable: revoking a key also ends its links.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { jwtVerify, SignJWT } from 'jose';
import { AppError } from '../errors.js';
import type { Principal } from './principal.js';

/** Lifetime of a signed URL, in seconds. Long enough to listen to a 4-hour recording. */
export const SIGNED_URL_TTL_SECONDS = 6 * 3600;
/** Redis key of the shared signing secret (created by the first api process). */
const SECRET_KEY = 'kazru:url-signing-secret';
/** What a link opens: a job's audio (`Job.audioUrl`) or its exports (`Transcript.exportUrl`). */
export type SignedPurpose = 'audio' | 'export';
const AUDIENCES: Record<SignedPurpose, string> = {
  audio: 'kazru:job-audio',
  export: 'kazru:job-export',
};

/** What a valid token grants. */
export interface SignedGrant extends Principal {
  jobId: string;
}

/**
 * Signs and verifies job-bound tokens with one secret shared by every api process. The secret
 * lives in Redis (created, 32 random bytes, by whichever process needs it first), so every api
 * replica accepts the others' links; it is loaded on first use, so the api starts even while
 * Redis is still connecting. If Redis loses its data, old links stop working and clients fetch
 * new ones (`Job.audioUrl`).
 */
export class UrlSigner {
  private secret?: Promise<Uint8Array>;

  constructor(private readonly redis: Redis) {}

  /** @throws AppError SERVICE_UNAVAILABLE when Redis cannot be reached (retried on next use). */
  private key(): Promise<Uint8Array> {
    this.secret ??= (async () => {
      await this.redis.set(SECRET_KEY, randomBytes(32).toString('base64'), 'NX');
      const stored = await this.redis.get(SECRET_KEY);
      if (!stored) throw new Error('URL signing secret missing from Redis');
      return new Uint8Array(Buffer.from(stored, 'base64'));
    })().catch((err: unknown) => {
      this.secret = undefined;
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'Audio links cannot be made or checked right now (Redis is unavailable). Try again in a minute.',
        'SIGNING_UNAVAILABLE',
        60,
        { cause: err },
      );
    });
    return this.secret;
  }

  /**
   * A token for one job's audio (or, with `purpose` `export`, its export downloads), valid
   * {@link SIGNED_URL_TTL_SECONDS}. A token of one purpose is refused for the other.
   * @throws AppError SERVICE_UNAVAILABLE when Redis cannot be reached.
   */
  async sign(
    jobId: string,
    principal: Principal,
    purpose: SignedPurpose = 'audio',
  ): Promise<string> {
    const secret = await this.key();
    return new SignJWT({ tid: principal.tenantId, kid: principal.keyId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(jobId)
      .setAudience(AUDIENCES[purpose])
      .setIssuedAt()
      .setExpirationTime(`${SIGNED_URL_TTL_SECONDS}s`)
      .sign(secret);
  }

  /**
   * Verifies a token for a job and purpose.
   * @returns the grant, or null when the token is malformed, forged, expired or for another job.
   * @throws AppError SERVICE_UNAVAILABLE when Redis cannot be reached.
   */
  async verify(
    token: string,
    jobId: string,
    purpose: SignedPurpose = 'audio',
  ): Promise<SignedGrant | null> {
    const secret = await this.key();
    try {
      const { payload } = await jwtVerify(token, secret, {
        audience: AUDIENCES[purpose],
        algorithms: ['HS256'],
        subject: jobId,
      });
      if (typeof payload.tid !== 'string') return null;
      return {
        jobId,
        tenantId: payload.tid,
        keyId: typeof payload.kid === 'string' ? payload.kid : null,
      };
    } catch {
      return null;
    }
  }
}
