/**
 * The workbench's database side, inside a revision's transaction: segment snapshots in and out,
 * dense `index` values, speaker totals and `Transcript.text`/`languages`. Column-explicit SQL
 * that runs on SQLite and PostgreSQL alike; rows are written through the ORM's multi-row inserts
 * (it converts booleans and dates per dialect). Times in seconds.
 */
import type { EntityManager } from '@mikro-orm/core';
import { Segment, Transcript, Word } from '../../db/entities/index.js';
import type { SegmentSnapshot, SpeakerSnapshot } from './revision-change.js';

/** Bound parameters per statement: far below SQLite's and PostgreSQL's limits. */
const BATCH = 500;
/** Longest word text stored (the `words.text` column is 200 characters). */
const MAX_WORD_CHARS = 200;

type Raw = Record<string, unknown>;

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

/** Raw SQL in the transaction of `em` (or outside one when `em` has none). */
export class TxSql {
  constructor(readonly em: EntityManager) {}

  /** Rows of a query. */
  all(sql: string, params: readonly unknown[] = []): Promise<Raw[]> {
    return this.em
      .getConnection()
      .execute<Raw[]>(sql, [...params], 'all', this.em.getTransactionContext());
  }

  /** Runs a statement; @returns the number of rows it changed. */
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const res = await this.em
      .getConnection()
      .execute<{ affectedRows?: number }>(sql, [...params], 'run', this.em.getTransactionContext());
    return Number(res.affectedRows ?? 0);
  }
}

const SEGMENT_COLUMNS = `s.id, s.speaker_id, s.start, s."end", s.text, s.language, s.confidence, s.edited`;

/** Segments of `transcriptId` with these ids (unknown ids left out), in time order, with words. */
export async function loadSnapshots(
  sql: TxSql,
  transcriptId: string,
  ids: readonly string[],
): Promise<SegmentSnapshot[]> {
  const out: SegmentSnapshot[] = [];
  for (const part of chunks([...new Set(ids)])) {
    const rows = await sql.all(
      `select ${SEGMENT_COLUMNS}, s."index" from segments s
       where s.transcript_id = ? and s.id in (${placeholders(part.length)}) order by s."index"`,
      [transcriptId, ...part],
    );
    const words = await sql.all(
      `select segment_id, text, start, "end" from words
       where segment_id in (${placeholders(part.length)}) order by segment_id, "index"`,
      part,
    );
    const bySegment = new Map<string, SegmentSnapshot['words']>();
    for (const w of words) {
      const id = String(w.segment_id);
      let list = bySegment.get(id);
      if (!list) bySegment.set(id, (list = []));
      list.push({ text: String(w.text), start: Number(w.start), end: Number(w.end) });
    }
    for (const r of rows) out.push(toSnapshot(r, bySegment.get(String(r.id)) ?? []));
  }
  return out;
}

function toSnapshot(r: Raw, words: SegmentSnapshot['words']): SegmentSnapshot {
  return {
    id: String(r.id),
    speakerId: String(r.speaker_id),
    start: Number(r.start),
    end: Number(r.end),
    text: String(r.text),
    language: typeof r.language === 'string' ? r.language : null,
    confidence: r.confidence == null ? null : Number(r.confidence),
    edited: r.edited === true || Number(r.edited) === 1,
    words,
  };
}

/**
 * Replaces the segments of `before` by those of `after` (same ids where a segment lives on),
 * stamped with `version`. A segment that lives on keeps its position; new ones get -1 until
 * {@link reindex}.
 */
export async function writeSegments(
  em: EntityManager,
  transcriptId: string,
  version: number,
  before: readonly SegmentSnapshot[],
  after: readonly SegmentSnapshot[],
): Promise<void> {
  const sql = new TxSql(em);
  const positions = new Map<string, number>();
  for (const part of chunks(before.map((s) => s.id))) {
    const rows = await sql.all(
      `select id, "index" from segments where id in (${placeholders(part.length)})`,
      part,
    );
    for (const r of rows) positions.set(String(r.id), Number(r.index));
  }
  for (const part of chunks(before.map((s) => s.id))) {
    // Words go with their segment (foreign key on delete cascade).
    await em.nativeDelete(Segment, { id: { $in: part } });
  }
  for (const part of chunks(after)) {
    await em.insertMany(
      Segment,
      part.map((s) => ({
        id: s.id,
        transcript: transcriptId,
        index: positions.get(s.id) ?? -1,
        speaker: s.speakerId,
        start: s.start,
        end: s.end,
        text: s.text,
        language: s.language,
        confidence: s.confidence,
        version,
        edited: s.edited,
      })) as never[],
    );
  }
  const words = after.flatMap((s) =>
    s.words.map((w, index) => ({
      segment: s.id,
      index,
      text: w.text.slice(0, MAX_WORD_CHARS),
      start: w.start,
      end: w.end,
    })),
  );
  for (const part of chunks(words)) await em.insertMany(Word, part as never[]);
}

/** Sets speakers' labels (each rename bumps the speaker's version). */
export async function writeSpeakerLabels(
  sql: TxSql,
  after: readonly SpeakerSnapshot[],
): Promise<void> {
  for (const s of after) {
    await sql.run(`update speakers set label = ?, version = version + 1 where id = ?`, [
      s.label,
      s.id,
    ]);
  }
}

/**
 * Makes `index` dense (0..n-1) in time order — start, then speaker tag, then id — with one
 * UPDATE that touches only rows whose position changed.
 */
export async function reindex(sql: TxSql, transcriptId: string): Promise<void> {
  await sql.run(
    `update segments set "index" = r.position
     from (select s.id, row_number() over (order by s.start, sp.tag, s.id) - 1 as position
           from segments s join speakers sp on sp.id = s.speaker_id
           where s.transcript_id = ?) r
     where segments.id = r.id and segments."index" <> r.position`,
    [transcriptId],
  );
}

/**
 * Recomputes what is derived from the segments exactly as `buildTranscript` does for a new
 * transcript (same order, same rounding, so a reverted transcript exports byte for byte as
 * before): each speaker's speakingSeconds and segmentCount, `Transcript.text` (segments joined
 * by newlines) and `languages` (most speaking time first).
 */
export async function recomputeDerived(sql: TxSql, em: EntityManager, transcriptId: string) {
  const segments = await sql.all(
    `select speaker_id, start, "end", text, language from segments
     where transcript_id = ? order by "index"`,
    [transcriptId],
  );
  const speakers = await sql.all(
    `select id, speaking_seconds, segment_count from speakers where transcript_id = ?`,
    [transcriptId],
  );
  const totals = new Map<string, { seconds: number; count: number }>(
    speakers.map((s) => [String(s.id), { seconds: 0, count: 0 }]),
  );
  const languageTime = new Map<string, number>();
  const texts: string[] = [];
  for (const r of segments) {
    const start = Number(r.start);
    const end = Number(r.end);
    const t = totals.get(String(r.speaker_id))!;
    t.seconds = Math.round((t.seconds + (end - start)) * 1000) / 1000;
    t.count += 1;
    if (typeof r.language === 'string' && r.language) {
      languageTime.set(r.language, (languageTime.get(r.language) ?? 0) + end - start);
    }
    texts.push(String(r.text));
  }
  for (const s of speakers) {
    const t = totals.get(String(s.id))!;
    if (Number(s.speaking_seconds) !== t.seconds || Number(s.segment_count) !== t.count) {
      await sql.run(`update speakers set speaking_seconds = ?, segment_count = ? where id = ?`, [
        t.seconds,
        t.count,
        s.id,
      ]);
    }
  }
  const languages = [...languageTime.entries()].sort((a, b) => b[1] - a[1]).map(([l]) => l);
  await em.nativeUpdate(Transcript, { id: transcriptId }, { text: texts.join('\n'), languages });
}

/**
 * A segment of `speakerId` other than `exclude` whose time overlaps [start, end] (touching is
 * not overlapping), or null.
 */
export async function overlappingSegment(
  sql: TxSql,
  transcriptId: string,
  speakerId: string,
  span: { start: number; end: number },
  exclude: readonly string[],
): Promise<{ start: number; end: number; text: string } | null> {
  const rows = await sql.all(
    `select id, start, "end", text from segments
     where transcript_id = ? and speaker_id = ? and start < ? and "end" > ?
     order by "index" limit ${exclude.length + 1}`,
    [transcriptId, speakerId, span.end, span.start],
  );
  const hit = rows.find((r) => !exclude.includes(String(r.id)));
  return hit ? { start: Number(hit.start), end: Number(hit.end), text: String(hit.text) } : null;
}
