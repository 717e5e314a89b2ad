/**
 * mergeSegments: adjacent segments (consecutive positions) of one transcript become one, with
 * the first one's id, speaker and language, the texts joined by a space and every word kept.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../auth/principal.js';
import { BadInputError, NotFoundError } from '../../errors.js';
import type { RevisionPayload } from '../../jobs/events.js';
import type { SegmentSnapshot } from './revision-change.js';
import { authorOf, clock, commitRevision, type WorkbenchDeps } from './revision.js';
import { checkNoOverlap } from './segment-checks.js';
import { loadSnapshots, TxSql } from './store.js';
import { clampWords } from './word-timing.js';

/**
 * Merges segments into the first of them (kind "merge").
 * @param ids two or more segment ids of one transcript at consecutive positions (any order).
 * @param expectedVersion the TRANSCRIPT's `version` the merge is based on (omitted: no check).
 * @returns the merged segment's id and the revision.
 * @throws NotFoundError (an id is not the tenant's), BadInputError (MERGE_NEEDS_TWO,
 *   NOT_SAME_TRANSCRIPT, NOT_ADJACENT, OVERLAPS_NEIGHBOUR), ConflictError TRANSCRIPT_CHANGED.
 */
export async function mergeSegments(
  deps: WorkbenchDeps,
  em: EntityManager,
  caller: Principal,
  ids: string[],
  expectedVersion?: number,
): Promise<{ segmentId: string; revision: RevisionPayload }> {
  const unique = [...new Set(ids)];
  if (unique.length < 2) {
    throw new BadInputError(
      'mergeSegments needs at least two different segment ids (adjacent segments of one transcript).',
      'MERGE_NEEDS_TWO',
    );
  }
  const transcriptId = await transcriptOfSegments(em, caller.tenantId, unique);
  const author = await authorOf(em, caller);
  let segmentId = '';
  const revision = await commitRevision(
    deps,
    em,
    { tenantId: caller.tenantId, transcriptId, author },
    expectedVersion,
    async (work) => {
      const positions = await work.sql.all(
        `select id, "index" from segments where transcript_id = ? and id in (${unique.map(() => '?').join(', ')}) order by "index"`,
        [transcriptId, ...unique],
      );
      if (positions.length !== unique.length) {
        const gone = unique.find((id) => !positions.some((p) => String(p.id) === id))!;
        throw new NotFoundError('Segment', gone);
      }
      const indexes = positions.map((p) => Number(p.index));
      if (indexes.some((n, i) => i > 0 && n !== indexes[i - 1] + 1)) {
        throw new BadInputError(
          `Only adjacent segments can be merged; these are at positions ${indexes.join(', ')} (0-based). Merge neighbours one pair at a time.`,
          'NOT_ADJACENT',
        );
      }
      const before = await loadSnapshots(work.sql, transcriptId, unique);
      const merged = mergedSegment(before);
      await checkNoOverlap(work, transcriptId, merged, unique);
      segmentId = merged.id;
      return {
        kind: 'merge',
        summary: `Merged ${before.length} segments at ${clock(merged.start)}–${clock(merged.end)}`,
        change: { segments: { before, after: [merged] } },
        segmentIds: [merged.id],
        removedSegmentIds: unique.filter((id) => id !== merged.id),
      };
    },
  );
  return { segmentId, revision: revision! };
}

/** One segment from `segments` in time order (pure): see the module comment. */
export function mergedSegment(segments: readonly SegmentSnapshot[]): SegmentSnapshot {
  const first = segments[0];
  const start = Math.min(...segments.map((s) => s.start));
  const end = Math.max(...segments.map((s) => s.end));
  const confidences = segments.map((s) => s.confidence).filter((c): c is number => c !== null);
  return {
    ...first,
    start,
    end,
    text: segments.map((s) => s.text).join(' '),
    confidence: confidences.length === segments.length ? Math.min(...confidences) : null,
    edited: true,
    words: clampWords(
      segments.flatMap((s) => s.words),
      { start, end },
    ),
  };
}

/**
 * The one transcript all `ids` belong to.
 * @throws NotFoundError for an id that is not the tenant's segment; BadInputError
 *   NOT_SAME_TRANSCRIPT.
 */
async function transcriptOfSegments(
  em: EntityManager,
  tenantId: string,
  ids: string[],
): Promise<string> {
  const rows = await new TxSql(em).all(
    `select s.id, s.transcript_id from segments s join transcripts t on t.id = s.transcript_id
     join jobs j on j.id = t.job_id where s.id in (${ids.map(() => '?').join(', ')}) and j.tenant_id = ?`,
    [...ids, tenantId],
  );
  const missing = ids.find((id) => !rows.some((r) => String(r.id) === id));
  if (missing) throw new NotFoundError('Segment', missing);
  const transcripts = new Set(rows.map((r) => String(r.transcript_id)));
  if (transcripts.size > 1) {
    throw new BadInputError(
      'These segments belong to different transcripts; only segments of one transcript can be merged.',
      'NOT_SAME_TRANSCRIPT',
    );
  }
  return [...transcripts][0];
}
