/**
 * Finds what a global id (`Node.id`, a UUID) names within one tenant, for `node(id:)`: one
 * statement over the four id-carrying tables, each branch a primary-key lookup joined up to the
 * owning job's tenant, so another tenant's id answers "nothing" exactly like an unknown one.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { NodeTypeName } from '../graphql/types/node.js';

/** What an id names: its type, and the transcript a speaker or segment belongs to. */
export interface NodeRef {
  type: NodeTypeName;
  id: string;
  /** Set for Speaker and Segment. */
  transcriptId: string | null;
}

/** A row of {@link LOOKUP}: the type found and its transcript (the id itself for a job). */
interface LookupRow {
  type: NodeTypeName;
  transcript_id: string;
}

const LOOKUP = `
  select 'Job' as type, j.id as transcript_id from jobs j
   where j.id = ? and j.tenant_id = ?
  union all
  select 'Transcript', t.id from transcripts t join jobs j on j.id = t.job_id
   where t.id = ? and j.tenant_id = ?
  union all
  select 'Speaker', sp.transcript_id from speakers sp
   join transcripts t on t.id = sp.transcript_id join jobs j on j.id = t.job_id
   where sp.id = ? and j.tenant_id = ?
  union all
  select 'Segment', s.transcript_id from segments s
   join transcripts t on t.id = s.transcript_id join jobs j on j.id = t.job_id
   where s.id = ? and j.tenant_id = ?`;

/**
 * @returns the object `id` names in `tenantId`'s data, or null (unknown id, another tenant's,
 *   or not an id at all — ids longer than 64 characters are not looked up).
 */
export async function findNode(
  em: EntityManager,
  tenantId: string,
  id: string,
): Promise<NodeRef | null> {
  if (id.length === 0 || id.length > 64) return null;
  const params = [id, tenantId, id, tenantId, id, tenantId, id, tenantId];
  const rows = (await em.getConnection().execute(LOOKUP, params, 'all')) as LookupRow[];
  const row = rows[0];
  if (!row) return null;
  const owned = row.type === 'Speaker' || row.type === 'Segment';
  return { type: row.type, id, transcriptId: owned ? String(row.transcript_id) : null };
}
