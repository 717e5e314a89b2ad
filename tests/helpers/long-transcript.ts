/**
 * Long transcripts for tests and benchmarks: the fixture dialogue's real Kazakh and Russian
 * utterances (`tests/fixtures/audio/dialogue-mono.json`), looped to any length, stored through the
 * pipeline's own write path (`persistTranscript`) under a COMPLETED job. A 4-hour recording gives
 * about 2,800 segments and 26,000 words, the shape a real long call has (one turn every ~5 s).
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Job } from '../../src/db/entities/index.js';
import { DEFAULT_LANGUAGES, DEFAULT_TENANT_ID, Diarization, JobStatus } from '../../src/domain.js';
import { persistTranscript } from '../../src/services/transcript-store.js';
import type { Utterance } from '../../src/stt/types.js';
import { manifest } from './harness.js';

/**
 * Utterances covering `durationSeconds` of a two-speaker mono call: the fixture's utterances
 * repeated back to back, each with word timings spread over its span by word length.
 */
export function loopedUtterances(durationSeconds: number): Utterance[] {
  const m = manifest('dialogue-mono.ogg');
  const periodMs = Math.round(m.durationSeconds * 1000);
  const out: Utterance[] = [];
  const finalIndex = new Map<string, number>();
  for (let offset = 0; offset < durationSeconds * 1000; offset += periodMs) {
    for (const u of m.utterances) {
      const startMs = offset + u.startMs;
      const endMs = offset + u.endMs;
      if (endMs > durationSeconds * 1000) return out;
      const channelTag = String(u.speaker);
      const idx = finalIndex.get(channelTag) ?? 0;
      finalIndex.set(channelTag, idx + 1);
      out.push({
        channelTag,
        finalIndex: idx,
        startMs,
        endMs,
        text: u.text,
        language: u.language,
        words: spreadWords(u.text, startMs, endMs),
      });
    }
  }
  return out;
}

function spreadWords(text: string, startMs: number, endMs: number) {
  const words = text.split(/\s+/).filter(Boolean);
  const total = words.reduce((n, w) => n + w.length, 0);
  let at = startMs;
  return words.map((w) => {
    const len = ((endMs - startMs) * w.length) / total;
    const word = { text: w, startMs: Math.round(at), endMs: Math.round(at + len) };
    at += len;
    return word;
  });
}

/** What {@link seedCompletedJob} made. */
export interface SeededJob {
  jobId: string;
  transcriptId: string;
  segments: number;
  words: number;
}

/**
 * Stores a COMPLETED job of `durationSeconds` with a looped transcript, as the pipeline would
 * have left it (no audio file: only the database rows).
 */
export async function seedCompletedJob(
  em: EntityManager,
  durationSeconds: number,
  opts: { tenantId?: string; filename?: string; retentionHours?: number } = {},
): Promise<SeededJob> {
  const now = new Date();
  const id = randomUUID();
  const options = {
    languages: [...DEFAULT_LANGUAGES],
    diarization: Diarization.AUTO,
    profanityFilter: false,
    textNormalization: true,
  };
  await em.insert(Job, {
    id,
    tenant: opts.tenantId ?? DEFAULT_TENANT_ID,
    filename: opts.filename ?? `call-${Math.round(durationSeconds / 60)}min.ogg`,
    sizeBytes: Math.round(durationSeconds * 4000),
    durationSeconds,
    channels: 1,
    format: 'ogg',
    sampleRate: 16000,
    options,
    diarizationApplied: Diarization.SPEAKER_LABELING,
    status: JobStatus.COMPLETED,
    progress: 100,
    attempts: 1,
    storedName: 'source',
    createdAt: now,
    startedAt: now,
    completedAt: now,
    updatedAt: now,
    expiresAt: new Date(now.getTime() + (opts.retentionHours ?? 24) * 3600_000),
  });
  const utterances = loopedUtterances(durationSeconds);
  const transcriptId = await persistTranscript(em, { id, options }, utterances);
  return {
    jobId: id,
    transcriptId,
    segments: utterances.length,
    words: utterances.reduce((n, u) => n + u.words.length, 0),
  };
}

/**
 * Sets a job's status and progress (percent) directly in its row, e.g. to make a seeded job look
 * like one being transcribed.
 */
export async function setJobState(
  em: EntityManager,
  jobId: string,
  status: JobStatus,
  progress: number,
): Promise<void> {
  await em
    .getConnection()
    .execute(`update jobs set status = ?, progress = ? where id = ?`, [status, progress, jobId]);
}
