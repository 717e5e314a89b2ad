/** deleteSegment: removes one segment with its words; later positions move up by one. */
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../auth/principal.js';
import type { RevisionPayload } from '../../jobs/events.js';
import {
  authorOf,
  clock,
  commitRevision,
  quote,
  transcriptOfSegment,
  type WorkbenchDeps,
} from './revision.js';
import { currentSegment } from './segment-checks.js';

/**
 * Deletes a segment (kind "delete").
 * @param expectedVersion the segment's `version` the deletion is based on (omitted: no check).
 * @returns the transcript's id and the revision.
 * @throws NotFoundError, ConflictError SEGMENT_CHANGED.
 */
export async function deleteSegment(
  deps: WorkbenchDeps,
  em: EntityManager,
  caller: Principal,
  id: string,
  expectedVersion?: number,
): Promise<{ transcriptId: string; revision: RevisionPayload }> {
  const transcriptId = await transcriptOfSegment(em, caller.tenantId, id);
  const author = await authorOf(em, caller);
  const revision = await commitRevision(
    deps,
    em,
    { tenantId: caller.tenantId, transcriptId, author },
    undefined,
    async (work) => {
      const before = await currentSegment(work, transcriptId, id, expectedVersion);
      return {
        kind: 'delete',
        summary: `Deleted segment at ${clock(before.start)}: ${quote(before.text, 60)}`,
        change: { segments: { before: [before], after: [] } },
        segmentIds: [],
        removedSegmentIds: [id],
      };
    },
  );
  return { transcriptId, revision: revision! };
}
