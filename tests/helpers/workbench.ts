/**
 * GraphQL documents and reads shared by the workbench tests (issue 12): the transcript as a
 * client sees it, its exports, and the invariants every change must keep (dense positions, words
 * inside their segment), checked on the database rows themselves.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { CallerOptions, TestApp } from './harness.js';

/** Segment fields the tests read. */
export const SEGMENT = `id index start end text version edited language
  speaker { id label } words { text start end }`;

export const TRANSCRIPT = `id version text languages segmentCount
  speakers { id tag label speakingSeconds segmentCount version }
  segments { ${SEGMENT} }`;

export const EDIT = `mutation($id: ID!, $text: String, $speakerId: ID, $start: Float, $end: Float, $v: Int) {
  editSegment(id: $id, text: $text, speakerId: $speakerId, start: $start, end: $end, expectedVersion: $v) { ${SEGMENT} } }`;
export const SPLIT = `mutation($id: ID!, $at: Float!, $v: Int) {
  splitSegment(id: $id, at: $at, expectedVersion: $v) { ${SEGMENT} } }`;
export const MERGE = `mutation($ids: [ID!]!, $v: Int) { mergeSegments(ids: $ids, expectedVersion: $v) { ${SEGMENT} } }`;
export const DELETE = `mutation($id: ID!, $v: Int) { deleteSegment(id: $id, expectedVersion: $v) { id version segmentCount } }`;
export const REPLACE = `mutation($t: ID!, $find: String!, $replace: String!, $matchCase: Boolean, $wholeWord: Boolean, $v: Int) {
  replaceInTranscript(transcriptId: $t, find: $find, replace: $replace, matchCase: $matchCase, wholeWord: $wholeWord, expectedVersion: $v) {
    replacements transcript { id version text } } }`;
export const REVERT = `mutation($t: ID!, $to: Int!, $v: Int) {
  revertTranscript(transcriptId: $t, toRevision: $to, expectedVersion: $v) { id version text } }`;
export const RENAME = `mutation($id: ID!, $label: String!, $v: Int) {
  renameSpeaker(id: $id, label: $label, expectedVersion: $v) { id label version } }`;
export const REVISIONS = `query($id: ID!, $first: Int, $after: String) { job(id: $id) { transcript {
  version revisions(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id number kind author summary createdAt } } } } } }`;

/** The transcript of a job as a client reads it. @throws when the read fails. */
export async function readTranscript(t: TestApp, jobId: string, as?: CallerOptions) {
  const r = await t.gql(
    `query($id: ID!) { job(id: $id) { transcript { ${TRANSCRIPT} } } }`,
    { id: jobId },
    as,
  );
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data.job.transcript;
}

/** The four exports of a job, by format, as downloaded. */
export async function exportsOf(
  t: TestApp,
  jobId: string,
  as?: CallerOptions,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const fmt of ['txt', 'srt', 'vtt', 'json']) {
    const res = await fetch(`${t.url}/api/v1/jobs/${jobId}/export/${fmt}`, {
      headers: as?.apiKey ? { authorization: `Bearer ${as.apiKey}` } : {},
    });
    if (res.status !== 200) throw new Error(`export ${fmt}: ${res.status}`);
    out[fmt] = await res.text();
  }
  return out;
}

/**
 * What must hold after any change, read from the rows: positions 0..n-1 in time order (start,
 * then speaker tag, then id) and every word inside its segment with start ≤ end.
 * @returns a list of violations (empty when all hold).
 */
export async function invariantViolations(
  em: EntityManager,
  transcriptId: string,
): Promise<string[]> {
  const conn = em.getConnection();
  const segments = (await conn.execute(
    `select s.id, s."index", s.start, s."end", sp.tag from segments s join speakers sp on sp.id = s.speaker_id
     where s.transcript_id = ? order by s."index"`,
    [transcriptId],
  )) as { id: string; index: number; start: number; end: number; tag: string }[];
  const out: string[] = [];
  const sorted = [...segments].sort(
    (a, b) =>
      a.start - b.start || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0) || (a.id < b.id ? -1 : 1),
  );
  segments.forEach((s, i) => {
    if (Number(s.index) !== i) out.push(`segment ${s.id} at position ${i} has index ${s.index}`);
    if (sorted[i].id !== s.id) out.push(`segment ${s.id} at index ${i} is out of time order`);
    if (s.end < s.start) out.push(`segment ${s.id} ends before it starts`);
  });
  const words = (await conn.execute(
    `select w.segment_id, w.text, w.start, w."end", s.start as s_start, s."end" as s_end
     from words w join segments s on s.id = w.segment_id where s.transcript_id = ?`,
    [transcriptId],
  )) as {
    segment_id: string;
    text: string;
    start: number;
    end: number;
    s_start: number;
    s_end: number;
  }[];
  for (const w of words) {
    if (w.start < w.s_start || w.end > w.s_end || w.end < w.start) {
      out.push(
        `word "${w.text}" ${w.start}–${w.end} outside segment ${w.segment_id} ${w.s_start}–${w.s_end}`,
      );
    }
  }
  return out;
}

/** Rows of `transcript_revisions` of a transcript. */
export async function revisionRows(em: EntityManager, transcriptId: string): Promise<number> {
  const [row] = (await em
    .getConnection()
    .execute(`select count(*) as n from transcript_revisions where transcript_id = ?`, [
      transcriptId,
    ])) as { n: number | string }[];
  return Number(row.n);
}
