/**
 * Jobs with given transcript text for search tests and the search benchmark: one COMPLETED job
 * per call, its segments written by the pipeline's own write path (`persistTranscript`), so the
 * search index is filled by its database triggers exactly as in production.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Job, Tenant } from '../../src/db/entities/index.js';
import { DEFAULT_TENANT_ID, Diarization, JobStatus } from '../../src/domain.js';
import { persistTranscript } from '../../src/services/transcript-store.js';
import type { Utterance } from '../../src/stt/types.js';

/** A segment to store: its text and BCP-47 language (default kk-KZ), 4 s each in order. */
export type SeedSegment = string | { text: string; language: string };

/** Makes sure a tenant row exists. */
export async function ensureTenant(em: EntityManager, tenantId: string): Promise<void> {
  if (await em.fork().findOne(Tenant, tenantId)) return;
  await em.insert(Tenant, { id: tenantId, name: `Tenant ${tenantId}`, createdAt: new Date() });
}

/**
 * Stores a COMPLETED job whose transcript has `segments` in order (speakers alternating), with
 * word timings spread over each segment unless `words` is false.
 * @returns the job and transcript ids.
 */
export async function seedTranscript(
  em: EntityManager,
  segments: SeedSegment[],
  opts: { tenantId?: string; filename?: string; words?: boolean } = {},
): Promise<{ jobId: string; transcriptId: string }> {
  const tenantId = opts.tenantId ?? DEFAULT_TENANT_ID;
  await ensureTenant(em, tenantId);
  const now = new Date();
  const jobId = randomUUID();
  const options = {
    languages: ['kk-KZ', 'ru-RU'],
    diarization: Diarization.AUTO,
    profanityFilter: false,
    textNormalization: true,
  };
  await em.insert(Job, {
    id: jobId,
    tenant: tenantId,
    filename: opts.filename ?? 'call.ogg',
    sizeBytes: 1000,
    durationSeconds: segments.length * 4,
    channels: 1,
    format: 'ogg',
    sampleRate: 16000,
    options,
    status: JobStatus.COMPLETED,
    progress: 100,
    attempts: 1,
    storedName: 'source',
    createdAt: now,
    completedAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + 24 * 3600_000),
  });
  const finals = new Map<string, number>();
  const utterances = segments.map((s, i): Utterance => {
    const { text, language } = typeof s === 'string' ? { text: s, language: 'kk-KZ' } : s;
    const channelTag = String(i % 2);
    const finalIndex = finals.get(channelTag) ?? 0;
    finals.set(channelTag, finalIndex + 1);
    const startMs = i * 4000;
    const words = opts.words === false ? [] : text.split(/\s+/).filter(Boolean);
    return {
      channelTag,
      finalIndex,
      startMs,
      endMs: startMs + 3500,
      text,
      language,
      words: words.map((w, k) => ({
        text: w,
        startMs: startMs + Math.round((k * 3500) / words.length),
        endMs: startMs + Math.round(((k + 1) * 3500) / words.length),
      })),
    };
  });
  const transcriptId = await persistTranscript(em, { id: jobId, options }, utterances);
  return { jobId, transcriptId };
}
