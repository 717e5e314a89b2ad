/**
 * The write side of the transcript model: replaces a job's transcript with one built from
 * recognised utterances. Rows go in as plain multi-row inserts (no unit of work, no entity per
 * word), so a 4-hour recording — about 3,000 segments and 33,000 words — is written in a fraction
 * of a second with memory proportional to one batch, not to the whole transcript graph.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import {
  Job,
  Segment,
  Speaker,
  Transcript,
  TranscriptRevision,
  Word,
} from '../db/entities/index.js';
import type { Utterance } from '../stt/types.js';
import { buildTranscript } from './transcript-builder.js';
import { TranscriptReader } from './transcript-reader.js';

/**
 * Rows per insert statement. Words have 5 bound columns, so 500 rows stay far below SQLite's
 * 32,766 and PostgreSQL's 65,535 bound-parameter limits.
 */
const INSERT_BATCH_ROWS = 500;

/** Longest word text stored (the `words.text` column is 200 characters). */
const MAX_WORD_CHARS = 200;

/**
 * Replaces the job's transcript with one built from `utterances`, in one transaction: the old
 * transcript (if a previous attempt left one) is deleted first, so the write starts with a write
 * and SQLite writers queue on the busy timeout instead of failing (see `src/db/orm.ts`).
 * Records revision 1 (kind "recognised", no author): the state every later revision of the
 * workbench starts from (`./workbench/`).
 * @returns the new transcript's id.
 */
export async function persistTranscript(
  em: EntityManager,
  job: Pick<Job, 'id' | 'options'>,
  utterances: Utterance[],
): Promise<string> {
  const single = job.options.languages.length === 1 && job.options.languages[0] !== 'auto';
  const built = buildTranscript(utterances, single ? job.options.languages[0] : null);
  const transcriptId = randomUUID();
  await em.transactional(async (tx) => {
    await tx.nativeDelete(Transcript, { job: job.id });
    await tx.insert(Transcript, {
      id: transcriptId,
      job: job.id,
      text: built.text,
      languages: built.languages,
      version: 1,
      createdAt: new Date(),
    });
    await tx.insert(TranscriptRevision, {
      id: randomUUID(),
      transcript: transcriptId,
      number: 1,
      kind: 'recognised',
      author: null,
      summary: `Recognised: ${built.segments.length} segments, ${built.speakers.length} speakers`,
      change: {},
      createdAt: new Date(),
    });
    const speakerIds = new Map(built.speakers.map((s) => [s.tag, randomUUID()]));
    await insertInBatches(
      tx,
      Speaker,
      built.speakers.map((s, ordinal) => ({
        id: speakerIds.get(s.tag)!,
        transcript: transcriptId,
        tag: s.tag,
        ordinal,
        label: s.label,
        speakingSeconds: s.speakingSeconds,
        segmentCount: s.segmentCount,
        version: 1,
      })),
    );
    const segmentIds = built.segments.map(() => randomUUID());
    await insertInBatches(
      tx,
      Segment,
      built.segments.map((s, i) => ({
        id: segmentIds[i],
        transcript: transcriptId,
        index: s.index,
        speaker: speakerIds.get(s.speakerTag)!,
        start: s.start,
        end: s.end,
        text: s.text,
        language: s.language,
        confidence: s.confidence,
        version: 1,
        edited: false,
      })),
    );
    await insertInBatches(
      tx,
      Word,
      built.segments.flatMap((s, i) =>
        s.words.map((w, index) => ({
          segment: segmentIds[i],
          index,
          text: w.text.slice(0, MAX_WORD_CHARS),
          start: w.start,
          end: w.end,
        })),
      ),
    );
  });
  return transcriptId;
}

async function insertInBatches<T extends object>(
  tx: EntityManager,
  entity: new () => T,
  rows: object[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_BATCH_ROWS) {
    await tx.insertMany(entity, rows.slice(i, i + INSERT_BATCH_ROWS) as never[]);
  }
}

/**
 * Copies the transcript of `fromJobId` as it stands now (speakers with their names, segments,
 * words) to `toJobId`, in one transaction, with new ids throughout: editing either copy never
 * touches the other. The copy starts its own history: revision 1 (kind "recognised", summary
 * naming the source job), every version 1, nothing marked edited. Reads go through
 * {@link TranscriptReader} (plain rows, one statement per kind), writes are multi-row inserts.
 * @returns the new transcript's id, or null when the source job has no transcript (any more).
 */
export async function copyTranscript(
  em: EntityManager,
  fromJobId: string,
  toJobId: string,
): Promise<string | null> {
  const reader = new TranscriptReader(em);
  const source = await reader.transcriptOfJob(fromJobId);
  if (!source) return null;
  const [text, speakers, segments] = await Promise.all([
    reader.text(source.id),
    reader.speakersOf(source.id),
    reader.segmentsOf(source.id),
  ]);
  const words = await Promise.all(segments.map((s) => reader.wordsOf(s)));
  const transcriptId = randomUUID();
  await em.transactional(async (tx) => {
    await tx.nativeDelete(Transcript, { job: toJobId });
    await tx.insert(Transcript, {
      id: transcriptId,
      job: toJobId,
      text,
      languages: source.languages,
      version: 1,
      createdAt: new Date(),
    });
    await tx.insert(TranscriptRevision, {
      id: randomUUID(),
      transcript: transcriptId,
      number: 1,
      kind: 'recognised',
      author: null,
      summary: `Reused from job ${fromJobId} (identical recording): ${segments.length} segments, ${speakers.length} speakers`,
      change: {},
      createdAt: new Date(),
    });
    const speakerIds = new Map(speakers.map((s) => [s.id, randomUUID()]));
    await insertInBatches(
      tx,
      Speaker,
      speakers.map((s) => ({
        id: speakerIds.get(s.id)!,
        transcript: transcriptId,
        tag: s.tag,
        ordinal: s.ordinal,
        label: s.label,
        speakingSeconds: s.speakingSeconds,
        segmentCount: s.segmentCount,
        version: 1,
      })),
    );
    const segmentIds = segments.map(() => randomUUID());
    await insertInBatches(
      tx,
      Segment,
      segments.map((s, i) => ({
        id: segmentIds[i],
        transcript: transcriptId,
        index: s.index,
        speaker: speakerIds.get(s.speakerId)!,
        start: s.start,
        end: s.end,
        text: s.text,
        language: s.language,
        confidence: s.confidence,
        version: 1,
        edited: false,
      })),
    );
    await insertInBatches(
      tx,
      Word,
      words.flatMap((list, i) =>
        list.map((w, index) => ({
          segment: segmentIds[i],
          index,
          text: w.text,
          start: w.start,
          end: w.end,
        })),
      ),
    );
  });
  return transcriptId;
}
