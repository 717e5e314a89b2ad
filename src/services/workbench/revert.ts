/**
 * revertTranscript: restores the transcript as it was at an earlier revision — text, speakers'
 * names, segment boundaries, word timings — as a NEW revision (kind "revert"), so no state is
 * ever lost and reverting a revert is redo. The state at revision N is the current one with
 * every later revision undone: for each segment and speaker a later revision touched, its state
 * at N is what the first such revision found before it (or absent when that revision created
 * it).
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../auth/principal.js';
import { BadInputError } from '../../errors.js';
import type { RevisionPayload } from '../../jobs/events.js';
import {
  sameSegment,
  type RevisionChange,
  type SegmentSnapshot,
  type SpeakerSnapshot,
} from './revision-change.js';
import {
  authorOf,
  checkTranscript,
  commitRevision,
  noChange,
  type RevisionWork,
  type WorkbenchDeps,
} from './revision.js';
import { loadSnapshots } from './store.js';

/** The state at a revision of what later revisions touched: null = the segment did not exist. */
interface TargetState {
  segments: Map<string, SegmentSnapshot | null>;
  speakers: Map<string, string>;
}

/**
 * Restores revision `toRevision` (kind "revert"); restoring the current state makes none.
 * @param toRevision 1 (as recognised) up to the current `Transcript.version`.
 * @param expectedVersion the TRANSCRIPT's `version` the revert is based on (omitted: no check).
 * @throws NotFoundError, BadInputError REVISION_OUT_OF_RANGE, ConflictError TRANSCRIPT_CHANGED.
 */
export async function revertTranscript(
  deps: WorkbenchDeps,
  em: EntityManager,
  caller: Principal,
  transcriptId: string,
  toRevision: number,
  expectedVersion?: number,
): Promise<RevisionPayload | null> {
  await checkTranscript(em, caller.tenantId, transcriptId);
  const author = await authorOf(em, caller);
  return commitRevision(
    deps,
    em,
    { tenantId: caller.tenantId, transcriptId, author },
    expectedVersion,
    async (work) => {
      if (!Number.isInteger(toRevision) || toRevision < 1 || toRevision > work.previousVersion) {
        throw new BadInputError(
          `toRevision must be a revision of this transcript, 1 to ${work.previousVersion} (Transcript.revisions lists them); got ${toRevision}.`,
          'REVISION_OUT_OF_RANGE',
        );
      }
      const target = await stateAt(work, transcriptId, toRevision);
      const current = await loadSnapshots(work.sql, transcriptId, [...target.segments.keys()]);
      const currentById = new Map(current.map((s) => [s.id, s]));
      const before: SegmentSnapshot[] = [];
      const after: SegmentSnapshot[] = [];
      for (const [id, then] of target.segments) {
        const now = currentById.get(id);
        if (now && then && sameSegment(now, then)) continue;
        if (!now && !then) continue;
        if (now) before.push(now);
        if (then) after.push(then);
      }
      const speakers = await speakerChanges(work, transcriptId, target.speakers);
      const change: RevisionChange = {};
      if (before.length > 0 || after.length > 0) change.segments = { before, after };
      if (speakers.after.length > 0) change.speakers = speakers;
      if (!change.segments && !change.speakers) return noChange();
      const afterIds = new Set(after.map((s) => s.id));
      return {
        kind: 'revert',
        summary: `Restored revision ${toRevision}`,
        change,
        segmentIds: [...afterIds],
        removedSegmentIds: before.map((s) => s.id).filter((id) => !afterIds.has(id)),
      };
    },
  );
}

/** What revisions after `number` touched, as it was at `number`. */
async function stateAt(work: RevisionWork, transcriptId: string, number: number) {
  const rows = await work.sql.all(
    `select number, change from transcript_revisions
     where transcript_id = ? and number > ? order by number`,
    [transcriptId, number],
  );
  const target: TargetState = { segments: new Map(), speakers: new Map() };
  for (const row of rows) {
    const change = (
      typeof row.change === 'string' ? JSON.parse(row.change) : row.change
    ) as RevisionChange;
    for (const s of change.segments?.before ?? []) {
      if (!target.segments.has(s.id)) target.segments.set(s.id, s);
    }
    for (const s of change.segments?.after ?? []) {
      if (!target.segments.has(s.id)) target.segments.set(s.id, null);
    }
    for (const s of change.speakers?.before ?? []) {
      if (!target.speakers.has(s.id)) target.speakers.set(s.id, s.label);
    }
  }
  return target;
}

/** Speakers whose label differs from the target one, before and after the revert. */
async function speakerChanges(
  work: RevisionWork,
  transcriptId: string,
  labels: Map<string, string>,
): Promise<{ before: SpeakerSnapshot[]; after: SpeakerSnapshot[] }> {
  const rows = await work.sql.all(`select id, label from speakers where transcript_id = ?`, [
    transcriptId,
  ]);
  const before: SpeakerSnapshot[] = [];
  const after: SpeakerSnapshot[] = [];
  for (const r of rows) {
    const then = labels.get(String(r.id));
    if (then === undefined || then === String(r.label)) continue;
    before.push({ id: String(r.id), label: String(r.label) });
    after.push({ id: String(r.id), label: then });
  }
  return { before, after };
}
