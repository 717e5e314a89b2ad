/**
 * Short-lived signed URLs for resources a browser loads without headers: `<audio src>` cannot
 * send `Authorization`, so `Job.audioUrl` carries a token bound to one job, one tenant and the key
 * that asked for it (HS256 JWT via `jose`). The api checks the token and, for a key, that the key
 * is still usable: revoking a key also ends its links.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { jwtVerify, SignJWT } from 'jose';
import type { Principal } from './principal.js';

/** Lifetime of a signed URL, in seconds. Long enough to listen to a 4-hour recording. */
export const SIGNED_URL_TTL_SECONDS = 6 * 3600;
/** Redis key of the shared signing secret (created by the first api process). */
const SECRET_KEY = 'kazru:url-signing-secret';
const AUDIENCE = 'kazru:job-audio';

/** What a valid token grants. */
export interface SignedGrant extends Principal {
  jobId: string;
}

/** Signs and verifies job-bound tokens with one secret shared by every api process. */
export class UrlSigner {
  private constructor(private readonly secret: Uint8Array) {}

  /**
   * Loads the signing secret from Redis, creating it (32 random bytes) if absent, so that every
   * api replica accepts the others' links. If Redis loses its data, old links stop working and
   * clients fetch new ones (`Job.audioUrl`).
   * @throws when Redis is unreachable.
   */
  static async fromRedis(redis: Redis): Promise<UrlSigner> {
    await redis.set(SECRET_KEY, randomBytes(32).toString('base64'), 'NX');
    const stored = await redis.get(SECRET_KEY);
    if (!stored) throw new Error('URL signing secret missing from Redis');
    return new UrlSigner(Buffer.from(stored, 'base64'));
  }

  /** A token for one job's audio, valid {@link SIGNED_URL_TTL_SECONDS}. */
  async sign(jobId: string, principal: Principal): Promise<string> {
    return new SignJWT({ tid: principal.tenantId, kid: principal.keyId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(jobId)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${SIGNED_URL_TTL_SECONDS}s`)
      .sign(this.secret);
  }

  /**
   * Verifies a token for a job.
   * @returns the grant, or null when the token is malformed, forged, expired or for another job.
   */
  async verify(token: string, jobId: string): Promise<SignedGrant | null> {
    try {
      const { payload } = await jwtVerify(token, this.secret, {
        audience: AUDIENCE,
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
