/**
 * The transcript workbench's calls (issue 12): segment edits, split, merge, delete, find &
 * replace with its preview count, revisions and revert (undo, redo, restore), search across
 * transcripts, and the `transcriptChanged` subscription. Times in seconds. Every mutation takes
 * the version it was based on (`expectedVersion`); a stale one is refused with an
 * {@link ApiError} of code CONFLICT and `currentVersion`.
 */
import {
  ApiError,
  gql,
  SEGMENT_FIELDS,
  SPEAKER_FIELDS,
  ws,
  type Job,
  type Segment,
  type Speaker,
} from './api.js';
import type {
  Revision as GqlRevision,
  SearchHit as GqlSearchHit,
  TranscriptChangeEvent,
} from './generated/graphql.js';

/** One revision of a transcript: who changed what and when (ISO date). */
export type Revision = Pick<
  GqlRevision,
  'id' | 'number' | 'createdAt' | 'author' | 'kind' | 'summary'
>;

/** A page of revisions, newest first. */
export interface RevisionPage {
  revisions: Revision[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** What `transcriptChanged` sends: the revision, changed segments, removed ids, all speakers. */
export type TranscriptChange = Pick<
  TranscriptChangeEvent,
  'transcriptId' | 'version' | 'removedSegmentIds'
> & { revision: Revision; segments: Segment[]; speakers: Speaker[] };

/** A search hit: its job, its segment, and a snippet with matches between « and ». */
export type SearchHit = Pick<GqlSearchHit, 'snippet'> & {
  job: Pick<Job, 'id' | 'filename'>;
  segment: Pick<Segment, 'id' | 'index' | 'start' | 'end'>;
};

/** A page of search hits, best first. */
export interface SearchPage {
  hits: SearchHit[];
  /** Exact up to the server's cap (1,000); with `totalCountCapped` there are more. */
  totalCount: number;
  totalCountCapped: boolean;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** The transcript state a window reload needs: version, size, speakers and one window. */
export interface TranscriptWindow {
  version: number;
  segmentCount: number;
  speakers: Speaker[];
  segments: Segment[];
}

const REVISION_FIELDS = 'id number createdAt author kind summary';

/**
 * Changes a segment's text and/or speaker; returns it as saved (its `version` is the
 * transcript's new version). @throws ApiError CONFLICT when `expectedVersion` is not the
 * segment's version, BAD_USER_INPUT for empty text or a foreign speaker.
 */
export async function editSegment(
  id: string,
  change: { text?: string; speakerId?: string },
  expectedVersion: number,
): Promise<Segment> {
  const d = await gql<{ editSegment: Segment }>(
    `mutation($id: ID!, $text: String, $speakerId: ID, $v: Int) {
      editSegment(id: $id, text: $text, speakerId: $speakerId, expectedVersion: $v) { ${SEGMENT_FIELDS} } }`,
    { id, ...change, v: expectedVersion },
  );
  return d.editSegment;
}

/** Splits a segment at `at` seconds (the nearest word boundary); returns both parts. */
export async function splitSegment(
  id: string,
  at: number,
  expectedVersion: number,
): Promise<Segment[]> {
  const d = await gql<{ splitSegment: Segment[] }>(
    `mutation($id: ID!, $at: Float!, $v: Int) {
      splitSegment(id: $id, at: $at, expectedVersion: $v) { ${SEGMENT_FIELDS} } }`,
    { id, at, v: expectedVersion },
  );
  return d.splitSegment;
}

/** Merges adjacent segments; `transcriptVersion` is the transcript's version. */
export async function mergeSegments(ids: string[], transcriptVersion: number): Promise<Segment> {
  const d = await gql<{ mergeSegments: Segment }>(
    `mutation($ids: [ID!]!, $v: Int) { mergeSegments(ids: $ids, expectedVersion: $v) { ${SEGMENT_FIELDS} } }`,
    { ids, v: transcriptVersion },
  );
  return d.mergeSegments;
}

/** Deletes a segment; returns the transcript's new version. */
export async function deleteSegment(id: string, expectedVersion: number): Promise<number> {
  const d = await gql<{ deleteSegment: { version: number } }>(
    `mutation($id: ID!, $v: Int) { deleteSegment(id: $id, expectedVersion: $v) { id version } }`,
    { id, v: expectedVersion },
  );
  return d.deleteSegment.version;
}

/** Options of find & replace. */
export interface FindOptions {
  find: string;
  matchCase: boolean;
  wholeWord: boolean;
}

/** How many matches `replaceInTranscript` would replace now (the preview). */
export async function matchCount(jobId: string, o: FindOptions): Promise<number> {
  const d = await gql<{ job: { transcript: { matchCount: number } | null } | null }>(
    `query($id: ID!, $find: String!, $mc: Boolean, $ww: Boolean) { job(id: $id) {
      transcript { matchCount(find: $find, matchCase: $mc, wholeWord: $ww) } } }`,
    { id: jobId, find: o.find, mc: o.matchCase, ww: o.wholeWord },
  );
  if (!d.job?.transcript) throw new ApiError('NOT_FOUND', '');
  return d.job.transcript.matchCount;
}

/** Replaces every match; returns how many and the transcript's new version. */
export async function replaceInTranscript(
  transcriptId: string,
  o: FindOptions & { replace: string },
  transcriptVersion: number,
): Promise<{ replacements: number; version: number }> {
  const d = await gql<{
    replaceInTranscript: { replacements: number; transcript: { version: number } };
  }>(
    `mutation($tid: ID!, $find: String!, $replace: String!, $mc: Boolean, $ww: Boolean, $v: Int) {
      replaceInTranscript(transcriptId: $tid, find: $find, replace: $replace, matchCase: $mc,
        wholeWord: $ww, expectedVersion: $v) { replacements transcript { id version } } }`,
    { tid: transcriptId, ...o, mc: o.matchCase, ww: o.wholeWord, v: transcriptVersion },
  );
  return {
    replacements: d.replaceInTranscript.replacements,
    version: d.replaceInTranscript.transcript.version,
  };
}

/** Restores the state of revision `toRevision` as a new revision; returns the new version. */
export async function revertTranscript(
  transcriptId: string,
  toRevision: number,
  transcriptVersion: number,
): Promise<number> {
  const d = await gql<{ revertTranscript: { version: number } }>(
    `mutation($tid: ID!, $to: Int!, $v: Int) {
      revertTranscript(transcriptId: $tid, toRevision: $to, expectedVersion: $v) { id version } }`,
    { tid: transcriptId, to: toRevision, v: transcriptVersion },
  );
  return d.revertTranscript.version;
}

/** A page of a job's revisions, newest first. */
export async function fetchRevisions(
  jobId: string,
  first: number,
  after: string | null = null,
): Promise<RevisionPage> {
  const d = await gql<{
    job: {
      transcript: {
        revisions: {
          edges: { node: Revision }[];
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } | null;
    } | null;
  }>(
    `query($id: ID!, $first: Int, $after: String) { job(id: $id) { transcript {
      revisions(first: $first, after: $after) { edges { node { ${REVISION_FIELDS} } } totalCount
        pageInfo { hasNextPage endCursor } } } } }`,
    { id: jobId, first, after },
  );
  const r = d.job?.transcript?.revisions;
  if (!r) throw new ApiError('NOT_FOUND', '');
  return {
    revisions: r.edges.map((e) => e.node),
    totalCount: r.totalCount,
    hasNextPage: r.pageInfo.hasNextPage,
    endCursor: r.pageInfo.endCursor,
  };
}

/**
 * Version, size, speakers and the segments at `[offset, offset + limit)` in one read, so a
 * reload after a split or merge sees one consistent state.
 */
export async function fetchTranscriptWindow(
  jobId: string,
  offset: number,
  limit: number,
): Promise<TranscriptWindow> {
  const d = await gql<{ job: { transcript: TranscriptWindow | null } | null }>(
    `query($id: ID!, $offset: Int!, $limit: Int!) { job(id: $id) { transcript {
      version segmentCount speakers { ${SPEAKER_FIELDS} }
      segments(offset: $offset, limit: $limit) { ${SEGMENT_FIELDS} } } } }`,
    { id: jobId, offset, limit },
  );
  if (!d.job?.transcript) throw new ApiError('NOT_FOUND', '');
  return d.job.transcript;
}

/** Searches every transcript the caller may see; hits best first. */
export async function searchTranscripts(
  query: string,
  first: number,
  after: string | null = null,
): Promise<SearchPage> {
  const d = await gql<{
    searchTranscripts: {
      edges: { node: SearchHit }[];
      totalCount: number;
      totalCountCapped: boolean;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  }>(
    `query($q: String!, $first: Int, $after: String) { searchTranscripts(query: $q, first: $first, after: $after) {
      edges { node { snippet job { id filename } segment { id index start end } } } totalCount totalCountCapped
      pageInfo { hasNextPage endCursor } } }`,
    { q: query, first, after },
  );
  const s = d.searchTranscripts;
  return {
    hits: s.edges.map((e) => e.node),
    totalCount: s.totalCount,
    totalCountCapped: s.totalCountCapped,
    hasNextPage: s.pageInfo.hasNextPage,
    endCursor: s.pageInfo.endCursor,
  };
}

/**
 * Follows every change of a transcript (anyone's, ours included) over graphql-ws. `onError`
 * gets a refusal (e.g. NOT_FOUND). Returns a function that stops following.
 */
export function followTranscript(
  transcriptId: string,
  onChange: (e: TranscriptChange) => void,
  onError: (err: ApiError) => void = () => undefined,
): () => void {
  return ws().subscribe<{ transcriptChanged: TranscriptChange }>(
    {
      query: `subscription($id: ID!) { transcriptChanged(id: $id) { transcriptId version
        revision { ${REVISION_FIELDS} } segments { ${SEGMENT_FIELDS} } removedSegmentIds
        speakers { ${SPEAKER_FIELDS} } } }`,
      variables: { id: transcriptId },
    },
    {
      next: (r) => {
        if (r.data) onChange(r.data.transcriptChanged);
        else if (r.errors?.[0]) {
          const e = r.errors[0] as { message: string; extensions?: { code?: string } };
          onError(new ApiError(e.extensions?.code ?? 'ERROR', e.message));
        }
      },
      error: (err) => {
        const list = Array.isArray(err) ? (err as { message: string }[]) : [];
        onError(new ApiError('ERROR', list[0]?.message ?? ''));
      },
      complete: () => undefined,
    },
  );
}
