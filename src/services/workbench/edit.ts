/**
 * editSegment: a segment's text, speaker and/or times. Words that still match keep their
 * times, new ones are interpolated (`./word-timing.ts`); a new speaker must be one of the
 * transcript's; new times or speaker must not overlap the same speaker's neighbours.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../auth/principal.js';
import type { RevisionPayload } from '../../jobs/events.js';
import { sameSegment, type SegmentSnapshot } from './revision-change.js';
import {
  authorOf,
  clock,
  commitRevision,
  noChange,
  quote,
  transcriptOfSegment,
  type WorkbenchDeps,
} from './revision.js';
import {
  checkNoOverlap,
  checkSpan,
  checkSpeaker,
  checkTime,
  cleanSegmentText,
  currentSegment,
} from './segment-checks.js';
import { clampWords, retimeWords } from './word-timing.js';

/** What editSegment may change; absent (null/undefined) fields stay as they are. */
export interface SegmentEdit {
  text?: string | null;
  speakerId?: string | null;
  /** Seconds from the start of the recording. */
  start?: number | null;
  end?: number | null;
}

/**
 * Edits a segment in one revision (kind "edit"); an edit that changes nothing makes none.
 * @param expectedVersion the segment's `version` the edit is based on (omitted: no check).
 * @returns the revision, or null when nothing changed.
 * @throws NotFoundError (not the tenant's segment), BadInputError (EMPTY_TEXT, INVALID_TIME,
 *   END_BEFORE_START, SPEAKER_NOT_IN_TRANSCRIPT, OVERLAPS_NEIGHBOUR), ConflictError
 *   SEGMENT_CHANGED.
 */
export async function editSegment(
  deps: WorkbenchDeps,
  em: EntityManager,
  caller: Principal,
  id: string,
  edit: SegmentEdit,
  expectedVersion?: number,
): Promise<RevisionPayload | null> {
  const text = edit.text == null ? undefined : cleanSegmentText(edit.text);
  const start = edit.start == null ? undefined : checkTime('start', edit.start);
  const end = edit.end == null ? undefined : checkTime('end', edit.end);
  const transcriptId = await transcriptOfSegment(em, caller.tenantId, id);
  const author = await authorOf(em, caller);
  const scope = { tenantId: caller.tenantId, transcriptId, author };
  return commitRevision(deps, em, scope, undefined, async (work) => {
    const before = await currentSegment(work, transcriptId, id, expectedVersion);
    const after: SegmentSnapshot = {
      ...before,
      text: text ?? before.text,
      speakerId: edit.speakerId ?? before.speakerId,
      start: start ?? before.start,
      end: end ?? before.end,
    };
    checkSpan(after.start, after.end);
    const moved = after.start !== before.start || after.end !== before.end;
    const reassigned = after.speakerId !== before.speakerId;
    if (reassigned) await checkSpeaker(work, transcriptId, after.speakerId);
    if (moved || reassigned) await checkNoOverlap(work, transcriptId, after, [id]);
    if (after.text !== before.text) after.words = retimeWords(before.words, after.text, after);
    else if (moved) after.words = clampWords(before.words, after);
    if (sameSegment(after, before)) return noChange();
    after.edited = true;
    const what = [
      after.text !== before.text ? `text ${quote(after.text, 60)}` : null,
      reassigned ? 'speaker' : null,
      moved ? `times ${clock(after.start)}–${clock(after.end)}` : null,
    ].filter(Boolean);
    return {
      kind: 'edit',
      summary: `Edited segment at ${clock(before.start)}: ${what.join(', ')}`,
      change: { segments: { before: [before], after: [after] } },
      segmentIds: [id],
      removedSegmentIds: [],
    };
  });
}
