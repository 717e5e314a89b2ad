/**
 * The read side of the transcript model: lean, batched reads of transcripts, speakers, segments
 * and words as plain rows, for GraphQL and exports.
 *
 * Why not the ORM's collection loading: MikroORM's populate joins the parent row into every child
 * row (`select s0.*, t1.text … from segments s0 join transcripts t1`), so a 4-hour transcript
 * copied its whole text (~200 k characters) into each of its ~3,000 segment rows — quadratic in
 * the recording's length, 10 s of blocked event loop per read. Here every statement names the
 * columns it needs, big columns (`transcripts.text`) are read only when asked for, and each kind
 * of row is one statement per request whatever the number of transcripts or segments
 * (DataLoader batches them). Rows are not entities: nothing enters the identity map, so a read's
 * memory is proportional to its result.
 *
 * One reader per request (or per subscription event); it caches what it read.
 */
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/core';
import { Pacer } from './pacer.js';

/**
 * Segments whose word lists are handed back per event-loop turn: ~200 segments are ~2,000
 * words, a few milliseconds of GraphQL completion.
 */
const WORD_LISTS_PER_TURN = 200;

/** A transcript without its text. */
export interface TranscriptRow {
  id: string;
  jobId: string;
  /** BCP-47 tags heard, most speaking time first. */
  languages: string[];
  createdAt: Date;
  /** Latest revision number (bumped by every change). */
  version: number;
}

/** A speaker of a transcript. Times in seconds. */
export interface SpeakerRow {
  id: string;
  transcriptId: string;
  tag: string;
  ordinal: number;
  label: string;
  speakingSeconds: number;
  segmentCount: number;
  version: number;
}

/** A window of a transcript's segments by position: `offset` first, at most `limit` (null: all). */
export interface SegmentWindow {
  offset: number;
  limit: number | null;
}

/** A segment (utterance) of a transcript. Times in seconds from the start of the recording. */
export interface SegmentRow {
  id: string;
  transcriptId: string;
  /** 0-based position in time order. */
  index: number;
  speakerId: string;
  start: number;
  end: number;
  text: string;
  language: string | null;
  /** 0–1 when the engine reported it. */
  confidence: number | null;
  /** Transcript version at which it last changed. */
  version: number;
  /** Changed by a person after recognition. */
  edited: boolean;
  /** The window it was read in; its words are read for the whole window at once. */
  window: SegmentWindow;
}

/** A revision as listed (never its change payload). */
export interface RevisionRow {
  id: string;
  number: number;
  createdAt: Date;
  author: string | null;
  kind: string;
  summary: string;
}

/** A page of revisions, newest first. */
export interface RevisionPage {
  revisions: RevisionRow[];
  hasNextPage: boolean;
  totalCount: number;
}

/** A word with its timing in seconds. */
export interface WordRow {
  text: string;
  start: number;
  end: number;
}

/** Whole transcript: every segment. */
export const ALL_SEGMENTS: SegmentWindow = Object.freeze({ offset: 0, limit: null });

/** The "window" of segments read by id: their words are read by segment id. */
const BY_ID: SegmentWindow = Object.freeze({ offset: -1, limit: 0 });

type Raw = Record<string, unknown>;

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** JSON columns come back parsed from PostgreSQL and as text from SQLite. */
function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

/** Dates come back as Date from PostgreSQL and as epoch milliseconds or text from SQLite. */
function date(v: unknown): Date {
  return v instanceof Date
    ? v
    : new Date(typeof v === 'string' && /^\d+$/.test(v) ? +v : (v as string));
}

/** Groups `rows` by `key`, keeping order, and answers `keys` in order (DataLoader's contract). */
function groupFor<T>(keys: readonly string[], rows: T[], key: (r: T) => string): T[][] {
  const by = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) by.get(key(r))?.push(r);
  return keys.map((k) => by.get(k)!);
}

const windowKey = (w: SegmentWindow) => `${w.offset}:${w.limit ?? ''}`;

/** Word reads of one segment window: which transcript each requested segment belongs to. */
interface WordBatch {
  transcriptOf: Map<string, string>;
  loader: DataLoader<string, WordRow[]>;
}

/**
 * Batched, column-explicit reads of transcripts for one request. Scoping to a tenant is the
 * caller's job (it reads transcripts of jobs it has already checked).
 */
export class TranscriptReader {
  private readonly byJob: DataLoader<string, TranscriptRow | null>;
  private readonly byId: DataLoader<string, TranscriptRow | null>;
  private readonly segmentsById: DataLoader<string, SegmentRow | null>;
  private readonly wordsById: DataLoader<string, WordRow[]>;
  private readonly texts: DataLoader<string, string>;
  private readonly speakers: DataLoader<string, SpeakerRow[]>;
  private readonly segmentCounts: DataLoader<string, number>;
  private readonly segmentLoaders = new Map<string, DataLoader<string, SegmentRow[]>>();
  private readonly wordBatches = new Map<string, WordBatch>();
  private readonly pacer = new Pacer(WORD_LISTS_PER_TURN);

  constructor(private readonly em: EntityManager) {
    this.byJob = new DataLoader(async (jobIds) => {
      const rows = await this.query(
        `select ${TRANSCRIPT_COLUMNS} from transcripts where job_id in (${placeholders(jobIds.length)})`,
        jobIds,
      );
      const byJob = new Map(rows.map((r) => [String(r.job_id), toTranscript(r)]));
      return jobIds.map((id) => byJob.get(id) ?? null);
    });
    this.byId = new DataLoader(async (ids) => {
      const rows = await this.query(
        `select ${TRANSCRIPT_COLUMNS} from transcripts where id in (${placeholders(ids.length)})`,
        ids,
      );
      const byId = new Map(rows.map((r) => [String(r.id), toTranscript(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    this.segmentsById = new DataLoader(async (ids) => {
      const rows = await this.query(
        `select ${SEGMENT_COLUMNS} from segments s where s.id in (${placeholders(ids.length)})`,
        ids,
      );
      const byId = new Map(rows.map((r) => [String(r.id), toSegment(r, BY_ID)]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    this.wordsById = new DataLoader(async (ids) => {
      const rows = await this.query(
        `select segment_id, text, start, "end" from words
         where segment_id in (${placeholders(ids.length)}) order by segment_id, "index"`,
        ids,
      );
      return groupFor(ids, rows, (r) => String(r.segment_id)).map((list) =>
        list.map((r) => ({ text: String(r.text), start: Number(r.start), end: Number(r.end) })),
      );
    });
    this.texts = new DataLoader(async (ids) => {
      const rows = await this.query(
        `select id, text from transcripts where id in (${placeholders(ids.length)})`,
        ids,
      );
      const byId = new Map(rows.map((r) => [String(r.id), String(r.text)]));
      return ids.map((id) => byId.get(id) ?? '');
    });
    this.speakers = new DataLoader(async (ids) => {
      const rows = await this.query(
        `select id, transcript_id, tag, ordinal, label, speaking_seconds, segment_count, version
         from speakers where transcript_id in (${placeholders(ids.length)}) order by ordinal`,
        ids,
      );
      return groupFor(ids, rows.map(toSpeaker), (s) => s.transcriptId);
    });
    this.segmentCounts = new DataLoader(async (ids) => {
      const rows = await this.query(
        `select transcript_id, count(*) as n from segments
         where transcript_id in (${placeholders(ids.length)}) group by transcript_id`,
        ids,
      );
      const byId = new Map(rows.map((r) => [String(r.transcript_id), Number(r.n)]));
      return ids.map((id) => byId.get(id) ?? 0);
    });
  }

  /** The transcript of a job (without its text), or null while there is none. */
  transcriptOfJob(jobId: string): Promise<TranscriptRow | null> {
    return this.byJob.load(jobId);
  }

  /** A transcript (without its text) by id, or null. Not tenant-scoped: check first. */
  transcript(transcriptId: string): Promise<TranscriptRow | null> {
    return this.byId.load(transcriptId);
  }

  /**
   * Segments by id in time order (ids not found are left out): what a change touched. Their
   * words are read by segment id, one statement for all.
   */
  async segmentsWithIds(ids: readonly string[]): Promise<SegmentRow[]> {
    const rows = await this.segmentsById.loadMany(ids);
    return rows
      .filter((r): r is SegmentRow => r !== null && !(r instanceof Error))
      .sort((a, b) => a.index - b.index);
  }

  /**
   * Revisions of a transcript, newest first: `first` of them before revision number `before`
   * (null: from the newest). Two statements; the change payload is never read.
   */
  async revisionsOf(
    transcriptId: string,
    first: number,
    before: number | null,
  ): Promise<RevisionPage> {
    const rows = await this.query(
      `select id, number, created_at, author, kind, summary from transcript_revisions
       where transcript_id = ?${before === null ? '' : ' and number < ?'}
       order by number desc limit ?`,
      before === null ? [transcriptId, first + 1] : [transcriptId, before, first + 1],
    );
    const [count] = await this.query(
      `select count(*) as n from transcript_revisions where transcript_id = ?`,
      [transcriptId],
    );
    return {
      revisions: rows.slice(0, first).map(toRevision),
      hasNextPage: rows.length > first,
      totalCount: Number(count?.n ?? 0),
    };
  }

  /** The whole text of a transcript (segments joined in time order). */
  text(transcriptId: string): Promise<string> {
    return this.texts.load(transcriptId);
  }

  /** Speakers in order of first appearance. */
  speakersOf(transcriptId: string): Promise<SpeakerRow[]> {
    return this.speakers.load(transcriptId);
  }

  /** A speaker of a transcript by id. @throws Error when the transcript has no such speaker. */
  async speaker(transcriptId: string, speakerId: string): Promise<SpeakerRow> {
    const found = (await this.speakersOf(transcriptId)).find((s) => s.id === speakerId);
    if (!found) throw new Error(`speaker ${speakerId} not in transcript ${transcriptId}`);
    return found;
  }

  /** How many segments the transcript has. */
  segmentCount(transcriptId: string): Promise<number> {
    return this.segmentCounts.load(transcriptId);
  }

  /**
   * Segments in time order, the whole transcript or a window of it by position. A window is one
   * indexed range read (`segments(transcript_id, index)`), not a scan; it relies on `index`
   * being dense (0..n-1), which every writer of segments keeps.
   */
  segmentsOf(transcriptId: string, window: SegmentWindow = ALL_SEGMENTS): Promise<SegmentRow[]> {
    const key = windowKey(window);
    let loader = this.segmentLoaders.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const { sql, params } = windowed(
          `select ${SEGMENT_COLUMNS} from segments s where s.transcript_id in (${placeholders(ids.length)})`,
          ids,
          window,
        );
        const rows = await this.query(`${sql} order by s.transcript_id, s."index"`, params);
        return groupFor(
          ids,
          rows.map((r) => toSegment(r, window)),
          (s) => s.transcriptId,
        );
      });
      this.segmentLoaders.set(key, loader);
    }
    return loader.load(transcriptId);
  }

  /**
   * Words of a segment in order. Words of every segment read in the same window are fetched by
   * one statement (joined on the window, so no list of thousands of ids is sent).
   */
  async wordsOf(segment: Pick<SegmentRow, 'id' | 'transcriptId' | 'window'>): Promise<WordRow[]> {
    if (segment.window === BY_ID) return this.wordsById.load(segment.id);
    const key = windowKey(segment.window);
    let batch = this.wordBatches.get(key);
    if (!batch) {
      batch = this.wordBatch(segment.window);
      this.wordBatches.set(key, batch);
    }
    batch.transcriptOf.set(segment.id, segment.transcriptId);
    const words = await batch.loader.load(segment.id);
    // The words of every segment arrive together; their callers (GraphQL completing ~10 words
    // per segment) resume a slice at a time so a long transcript never blocks the event loop.
    await this.pacer.turn();
    return words;
  }

  private wordBatch(window: SegmentWindow): WordBatch {
    const transcriptOf = new Map<string, string>();
    const loader = new DataLoader<string, WordRow[]>(async (segmentIds) => {
      const ids = [...new Set(segmentIds.map((id) => transcriptOf.get(id)!))];
      const { sql, params } = windowed(
        `select w.segment_id, w.text, w.start, w."end" from segments s
         join words w on w.segment_id = s.id
         where s.transcript_id in (${placeholders(ids.length)})`,
        ids,
        window,
      );
      const rows = await this.query(
        `${sql} order by s.transcript_id, s."index", w."index"`,
        params,
      );
      const bySegment = new Map<string, WordRow[]>();
      for (const r of rows) {
        const id = String(r.segment_id);
        let list = bySegment.get(id);
        if (!list) bySegment.set(id, (list = []));
        list.push({ text: String(r.text), start: Number(r.start), end: Number(r.end) });
      }
      return segmentIds.map((id) => bySegment.get(id) ?? []);
    });
    return { transcriptOf, loader };
  }

  private async query(sql: string, params: readonly unknown[]): Promise<Raw[]> {
    const rows: Raw[] = await this.em.getConnection().execute<Raw[]>(sql, [...params], 'all');
    return rows;
  }
}

const TRANSCRIPT_COLUMNS = 'id, job_id, languages, created_at, version';
const SEGMENT_COLUMNS = `s.id, s.transcript_id, s."index", s.speaker_id, s.start, s."end", s.text,
  s.language, s.confidence, s.version, s.edited`;

function windowed(sql: string, ids: readonly string[], window: SegmentWindow) {
  const params: unknown[] = [...ids];
  let out = sql;
  if (window.offset > 0) {
    out += ` and s."index" >= ?`;
    params.push(window.offset);
  }
  if (window.limit !== null) {
    out += ` and s."index" < ?`;
    params.push(window.offset + window.limit);
  }
  return { sql: out, params };
}

function toTranscript(r: Raw): TranscriptRow {
  return {
    id: String(r.id),
    jobId: String(r.job_id),
    languages: json<string[]>(r.languages),
    createdAt: date(r.created_at),
    version: Number(r.version),
  };
}

function toRevision(r: Raw): RevisionRow {
  return {
    id: String(r.id),
    number: Number(r.number),
    createdAt: date(r.created_at),
    author: typeof r.author === 'string' ? r.author : null,
    kind: String(r.kind),
    summary: String(r.summary),
  };
}

function toSpeaker(r: Raw): SpeakerRow {
  return {
    id: String(r.id),
    transcriptId: String(r.transcript_id),
    tag: String(r.tag),
    ordinal: Number(r.ordinal),
    label: String(r.label),
    speakingSeconds: Number(r.speaking_seconds),
    segmentCount: Number(r.segment_count),
    version: Number(r.version),
  };
}

/**
 * A segment row from a `segments` row as the drivers return it (snake_case columns; SQLite gives
 * `edited` as 0/1, PostgreSQL as a boolean), read in `window`.
 */
export function toSegment(r: Raw, window: SegmentWindow): SegmentRow {
  return {
    id: String(r.id),
    transcriptId: String(r.transcript_id),
    index: Number(r.index),
    speakerId: String(r.speaker_id),
    start: Number(r.start),
    end: Number(r.end),
    text: String(r.text),
    language: typeof r.language === 'string' ? r.language : null,
    confidence: r.confidence == null ? null : Number(r.confidence),
    version: Number(r.version),
    edited: r.edited === true || Number(r.edited) === 1,
    window,
  };
}
