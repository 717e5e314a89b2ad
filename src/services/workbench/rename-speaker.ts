/**
 * renameSpeaker as a revision (kind "rename-speaker"): exports use the new name at once, a
 * revert restores the old one, and `Speaker.version` still guards against a rename made by
 * someone else since the caller read it.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Principal } from '../../auth/principal.js';
import { BadInputError, ConflictError, NotFoundError } from '../../errors.js';
import { stripUnsafeChars } from '../filename.js';
import { authorOf, commitRevision, quote, type WorkbenchDeps } from './revision.js';
import { TxSql } from './store.js';

/**
 * Renames a speaker.
 * @param label 1..100 characters after trimming; control characters removed.
 * @param expectedVersion the speaker's `version` the caller last saw; when given and stale,
 *   nothing is changed. Without it, only a rename racing this one (same read version) is refused.
 * @returns the speaker's transcript id (the speaker is read from it by the caller).
 * @throws NotFoundError, BadInputError INVALID_LABEL, ConflictError SPEAKER_CHANGED (with the
 *   current name and version).
 */
export async function renameSpeaker(
  deps: WorkbenchDeps,
  em: EntityManager,
  caller: Principal,
  speakerId: string,
  label: string,
  expectedVersion?: number,
): Promise<string> {
  const clean = stripUnsafeChars(label).trim();
  if (clean.length === 0 || [...clean].length > 100) {
    throw new BadInputError('A speaker name must be 1 to 100 characters long.', 'INVALID_LABEL');
  }
  const [read] = await new TxSql(em).all(
    `select sp.transcript_id, sp.label, sp.version from speakers sp
     join transcripts t on t.id = sp.transcript_id join jobs j on j.id = t.job_id
     where sp.id = ? and j.tenant_id = ?`,
    [speakerId, caller.tenantId],
  );
  if (!read) throw new NotFoundError('Speaker', speakerId);
  const transcriptId = String(read.transcript_id);
  const conflict = (now: string, version: number) =>
    new ConflictError(
      `Someone else renamed this speaker (now ${quote(now)}) since you loaded it. Reload the transcript and rename again if you still want to.`,
      version,
      'SPEAKER_CHANGED',
    );
  const readVersion = Number(read.version);
  if (expectedVersion !== undefined && expectedVersion !== readVersion) {
    throw conflict(String(read.label), readVersion);
  }
  if (String(read.label) === clean) return transcriptId;
  const author = await authorOf(em, caller);
  await commitRevision(
    deps,
    em,
    { tenantId: caller.tenantId, transcriptId, author },
    undefined,
    async (work) => {
      const [now] = await work.sql.all(`select label, version from speakers where id = ?`, [
        speakerId,
      ]);
      // A rename committed between our read and this transaction is refused, not overwritten.
      if (Number(now.version) !== readVersion) {
        throw conflict(String(now.label), Number(now.version));
      }
      return {
        kind: 'rename-speaker',
        summary: `Renamed speaker ${quote(String(now.label), 40)} to ${quote(clean, 40)}`,
        change: {
          speakers: {
            before: [{ id: speakerId, label: String(now.label) }],
            after: [{ id: speakerId, label: clean }],
          },
        },
        segmentIds: [],
        removedSegmentIds: [],
      };
    },
  );
  return transcriptId;
}
