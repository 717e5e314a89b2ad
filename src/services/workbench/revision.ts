/**
 * How every workbench change is committed: one transaction that starts with a write (the
 * transcript's version bump — SQLite writers then queue on the busy timeout instead of failing,
 * and on PostgreSQL the row lock orders concurrent changes of one transcript), checks versions,
 * computes the change, writes it, keeps `index` dense, recomputes the derived totals and text,
 * and records the revision and its `transcript.edited` webhook event (the outbox). After the commit the change is published for `transcriptChanged`.
 * A change that changes nothing is rolled back and makes no revision.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { TranscriptRevision } from '../../db/entities/index.js';
import type { Principal } from '../../auth/principal.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { JobEvents, RevisionPayload } from '../../jobs/events.js';
import { isEmptyChange, type RevisionChange, type SegmentSnapshot } from './revision-change.js';
import { insertEvent, notifyOutbox } from '../../webhooks/outbox.js';
import { WebhookEventType } from '../../webhooks/types.js';
import { recomputeDerived, reindex, TxSql, writeSegments, writeSpeakerLabels } from './store.js';

/** Revision kinds (`Revision.kind`). */
export type RevisionKind =
  'recognised' | 'edit' | 'split' | 'merge' | 'delete' | 'replace' | 'revert' | 'rename-speaker';

/** Who is changing which transcript. */
export interface RevisionScope {
  tenantId: string;
  transcriptId: string;
  /** The API key's name, or "web". */
  author: string;
}

/** What a use case hands back to be committed. */
export interface PlannedRevision {
  kind: RevisionKind;
  summary: string;
  change: RevisionChange;
  /** Segments created or changed (for the change event). */
  segmentIds: string[];
  /** Segments removed (for the change event). */
  removedSegmentIds: string[];
}

/** The transaction a use case plans its change in. */
export interface RevisionWork {
  tx: EntityManager;
  sql: TxSql;
  /** The transcript's version before this change. */
  previousVersion: number;
  /** The version this change will have (previousVersion + 1). */
  version: number;
}

/** What the services the workbench talks to. */
export interface WorkbenchDeps {
  events: JobEvents;
}

/** A plan that changes nothing: rolled back, no revision is made. */
export function noChange(): PlannedRevision {
  return { kind: 'edit', summary: '', change: {}, segmentIds: [], removedSegmentIds: [] };
}

/** Thrown inside the transaction when the change is empty: rolled back, no revision. */
class NoChange extends Error {}

/**
 * Commits one revision (see the module comment).
 * @param expectedVersion the transcript version the caller based its change on; when given
 *   and stale, CONFLICT (ConflictError with the current version) and nothing changes.
 * @param plan computes the change from the current state, inside the transaction; it may
 *   throw BadInputError/ConflictError (everything is rolled back).
 * @returns the committed revision, or null when the change changed nothing.
 */
export async function commitRevision(
  deps: WorkbenchDeps,
  em: EntityManager,
  scope: RevisionScope,
  expectedVersion: number | undefined,
  plan: (work: RevisionWork) => Promise<PlannedRevision>,
): Promise<RevisionPayload | null> {
  let committed: { revision: RevisionPayload; planned: PlannedRevision } | undefined;
  try {
    await em.transactional(async (tx) => {
      const sql = new TxSql(tx);
      await sql.run(`update transcripts set version = version + 1 where id = ?`, [
        scope.transcriptId,
      ]);
      const [row] = await sql.all(`select version from transcripts where id = ?`, [
        scope.transcriptId,
      ]);
      if (!row) throw new NotFoundError('Transcript', scope.transcriptId);
      const version = Number(row.version);
      if (expectedVersion !== undefined && expectedVersion !== version - 1) {
        throw await transcriptConflict(sql, scope.transcriptId, version - 1);
      }
      const planned = await plan({ tx, sql, previousVersion: version - 1, version });
      if (isEmptyChange(planned.change)) throw new NoChange();
      const seg = planned.change.segments;
      if (seg) await writeSegments(tx, scope.transcriptId, version, seg.before, seg.after);
      if (planned.change.speakers) await writeSpeakerLabels(sql, planned.change.speakers.after);
      if (seg) {
        if (movesPositions(seg.before, seg.after)) await reindex(sql, scope.transcriptId);
        await recomputeDerived(sql, tx, scope.transcriptId);
      }
      const revision: RevisionPayload = {
        id: randomUUID(),
        number: version,
        createdAt: new Date().toISOString(),
        author: scope.author,
        kind: planned.kind,
        summary: planned.summary.slice(0, 500),
      };
      await tx.insert(TranscriptRevision, {
        ...revision,
        transcript: scope.transcriptId,
        createdAt: new Date(revision.createdAt),
        change: planned.change,
      });
      await recordEditedEvent(tx, sql, scope, revision);
      committed = { revision, planned };
    });
  } catch (err) {
    if (err instanceof NoChange) return null;
    throw err;
  }
  const { revision, planned } = committed!;
  notifyOutbox();
  deps.events.publishTranscriptChange({
    transcriptId: scope.transcriptId,
    tenantId: scope.tenantId,
    version: revision.number,
    revision,
    segmentIds: planned.segmentIds,
    removedSegmentIds: planned.removedSegmentIds,
  });
  return revision;
}

/** The outbox row of `transcript.edited`, in the revision's transaction (`src/webhooks/outbox.ts`). */
async function recordEditedEvent(
  tx: EntityManager,
  sql: TxSql,
  scope: RevisionScope,
  revision: RevisionPayload,
): Promise<void> {
  const [row] = await sql.all(
    `select t.job_id, j.status from transcripts t join jobs j on j.id = t.job_id where t.id = ?`,
    [scope.transcriptId],
  );
  await insertEvent(
    tx,
    scope.tenantId,
    WebhookEventType.TRANSCRIPT_EDITED,
    {
      jobId: String(row?.job_id),
      status: String(row?.status),
      transcriptId: scope.transcriptId,
      revision: revision.number,
      kind: revision.kind,
    },
    new Date(revision.createdAt),
  );
}

/**
 * Whether a change can move segments in time order: segments come or go, or one's start or
 * speaker changes (a text-only edit keeps every position; the reindex is then skipped).
 */
function movesPositions(before: readonly SegmentSnapshot[], after: readonly SegmentSnapshot[]) {
  if (before.length !== after.length) return true;
  const was = new Map(before.map((s) => [s.id, s]));
  return after.some((s) => {
    const b = was.get(s.id);
    return !b || b.start !== s.start || b.speakerId !== s.speakerId;
  });
}

async function transcriptConflict(sql: TxSql, transcriptId: string, current: number) {
  const [last] = await sql.all(
    `select number, author, summary from transcript_revisions
     where transcript_id = ? order by number desc limit 1`,
    [transcriptId],
  );
  const what = last
    ? ` (last change: ${String(last.summary)}, by ${typeof last.author === 'string' ? last.author : 'the recogniser'})`
    : '';
  return new ConflictError(
    `The transcript changed since you loaded it: it is now at version ${current}${what}. Reload it and apply your change again.`,
    current,
    'TRANSCRIPT_CHANGED',
  );
}

/** The author of a change: the API key's name, or "web" without a key. */
export async function authorOf(em: EntityManager, caller: Principal): Promise<string> {
  if (!caller.keyId) return 'web';
  const [row] = await new TxSql(em).all(`select name from api_keys where id = ?`, [caller.keyId]);
  return row ? String(row.name) : 'web';
}

/**
 * The transcript of the tenant's segment `segmentId`.
 * @throws NotFoundError when there is none (another tenant's segment included).
 */
export async function transcriptOfSegment(
  em: EntityManager,
  tenantId: string,
  segmentId: string,
): Promise<string> {
  const [row] = await new TxSql(em).all(
    `select s.transcript_id from segments s join transcripts t on t.id = s.transcript_id
     join jobs j on j.id = t.job_id where s.id = ? and j.tenant_id = ?`,
    [segmentId, tenantId],
  );
  if (!row) throw new NotFoundError('Segment', segmentId);
  return String(row.transcript_id);
}

/** @throws NotFoundError unless `transcriptId` is a transcript of one of the tenant's jobs. */
export async function checkTranscript(
  em: EntityManager,
  tenantId: string,
  transcriptId: string,
): Promise<void> {
  const [row] = await new TxSql(em).all(
    `select t.id from transcripts t join jobs j on j.id = t.job_id where t.id = ? and j.tenant_id = ?`,
    [transcriptId, tenantId],
  );
  if (!row) throw new NotFoundError('Transcript', transcriptId);
}

/** Seconds as `m:ss.mmm` (or `h:mm:ss.mmm`), for summaries and messages. */
export function clock(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = ((ms % 60_000) / 1000).toFixed(3).padStart(6, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Text shortened for messages: at most `max` characters, with an ellipsis. */
export function quote(text: string, max = 80): string {
  const chars = [...text];
  return `"${chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text}"`;
}
