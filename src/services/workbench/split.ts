/**
 * splitSegment: one segment becomes two at the word boundary nearest to a time. Both halves
 * keep the speaker, language and the words' times; the original segment is removed.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../auth/principal.js';
import { BadInputError } from '../../errors.js';
import type { RevisionPayload } from '../../jobs/events.js';
import type { SegmentSnapshot } from './revision-change.js';
import {
  authorOf,
  clock,
  commitRevision,
  transcriptOfSegment,
  type WorkbenchDeps,
} from './revision.js';
import { checkTime, currentSegment } from './segment-checks.js';
import { clampWords, retimeWords, splitIndex } from './word-timing.js';

/** The two segments a split made (ids in time order) and its revision. */
export interface SplitResult {
  segmentIds: [string, string];
  revision: RevisionPayload;
}

/**
 * Splits a segment at the word boundary nearest to `at` (kind "split").
 * @param at seconds from the start of the recording, strictly inside the segment.
 * @param expectedVersion the segment's `version` the split is based on (omitted: no check).
 * @throws NotFoundError, BadInputError (INVALID_TIME, SPLIT_OUTSIDE_SEGMENT, SPLIT_ONE_WORD),
 *   ConflictError SEGMENT_CHANGED.
 */
export async function splitSegment(
  deps: WorkbenchDeps,
  em: EntityManager,
  caller: Principal,
  id: string,
  at: number,
  expectedVersion?: number,
): Promise<SplitResult> {
  const cut = checkTime('at', at);
  const transcriptId = await transcriptOfSegment(em, caller.tenantId, id);
  const author = await authorOf(em, caller);
  const ids: [string, string] = [randomUUID(), randomUUID()];
  const revision = await commitRevision(
    deps,
    em,
    { tenantId: caller.tenantId, transcriptId, author },
    undefined,
    async (work) => {
      const before = await currentSegment(work, transcriptId, id, expectedVersion);
      const halves = splitAt(before, cut, ids);
      return {
        kind: 'split',
        summary: `Split segment at ${clock(before.start)} at ${clock(halves[1].start)}`,
        change: { segments: { before: [before], after: halves } },
        segmentIds: [...ids],
        removedSegmentIds: [id],
      };
    },
  );
  return { segmentIds: ids, revision: revision! };
}

/**
 * The two halves of `segment` cut at the word boundary nearest to `at` (pure).
 * @throws BadInputError SPLIT_OUTSIDE_SEGMENT, SPLIT_ONE_WORD.
 */
export function splitAt(
  segment: SegmentSnapshot,
  at: number,
  ids: [string, string],
): [SegmentSnapshot, SegmentSnapshot] {
  if (!(at > segment.start && at < segment.end)) {
    throw new BadInputError(
      `Split time ${clock(at)} is not inside the segment (${clock(segment.start)}–${clock(segment.end)}): pass a time between its start and end.`,
      'SPLIT_OUTSIDE_SEGMENT',
    );
  }
  const words = retimeWords(segment.words, segment.text, segment);
  if (words.length < 2) {
    throw new BadInputError(
      'A segment of one word cannot be split: edit its times or text instead.',
      'SPLIT_ONE_WORD',
    );
  }
  const k = splitIndex(words, at);
  const firstEnd = Math.max(segment.start, words[k - 1].end);
  const secondStart = Math.min(segment.end, Math.max(firstEnd, words[k].start));
  const half = (id: string, start: number, end: number, part: typeof words): SegmentSnapshot => ({
    ...segment,
    id,
    start,
    end,
    text: part.map((w) => w.text).join(' '),
    edited: true,
    words: clampWords(part, { start, end }),
  });
  return [
    half(ids[0], segment.start, firstEnd, words.slice(0, k)),
    half(ids[1], secondStart, segment.end, words.slice(k)),
  ];
}
