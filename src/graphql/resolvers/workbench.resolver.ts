/**
 * The transcript workbench over GraphQL (issue 12): edit, split, merge, delete, find & replace,
 * revert (undo/redo), the revision history and live co-editing (`transcriptChanged`). Thin:
 * decisions are in `src/services/workbench/`; results are read back through the request's
 * transcript reader after the commit.
 */
import {
  Arg,
  Ctx,
  FieldResolver,
  Float,
  ID,
  Int,
  Mutation,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { Segment, Speaker, Transcript, TranscriptRevision } from '../../db/entities/index.js';
import { BadInputError, NotFoundError } from '../../errors.js';
import type { RevisionPayload, TranscriptChangePayload } from '../../jobs/events.js';
import type {
  RevisionRow,
  SegmentRow,
  SpeakerRow,
  TranscriptRow,
} from '../../services/transcript-reader.js';
import { countMatches, findPattern } from '../../services/workbench/index.js';
import type { GraphQLContext } from '../context.js';
import { TranscriptFeed } from '../transcript-feed.js';
import { ReplaceResult, RevisionConnection, TranscriptChangeEvent } from '../types/workbench.js';

/** Upper bound on `revisions(first:)`. */
const MAX_REVISIONS_PAGE = 100;

const EXPECTED_SEGMENT =
  "The segment's version you based this change on; if it changed since, CONFLICT (extensions.currentVersion) and nothing changes. Omit to skip the check.";
const EXPECTED_TRANSCRIPT =
  "The transcript's version you based this change on; if it changed since, CONFLICT (extensions.currentVersion) and nothing changes. Omit to skip the check.";

@Resolver(() => Transcript)
export class TranscriptHistoryResolver {
  @FieldResolver(() => RevisionConnection, {
    description:
      'Revisions of this transcript, newest first; revision 1 is the transcript as recognised. revertTranscript(toRevision) restores any of them.',
  })
  async revisions(
    @Root() t: TranscriptRow,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1..100 (default 20).' })
    first?: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'An endCursor of a previous page: the revisions older than it.',
    })
    after?: string | null,
  ): Promise<RevisionConnection> {
    const size = first ?? 20;
    if (!Number.isInteger(size) || size < 1 || size > MAX_REVISIONS_PAGE) {
      throw new BadInputError(
        `"first" must be between 1 and ${MAX_REVISIONS_PAGE}.`,
        'INVALID_PAGE_SIZE',
      );
    }
    const before = after ? decodeRevisionCursor(after) : null;
    const page = await ctx.transcripts.revisionsOf(t.id, size, before);
    const edges = page.revisions.map((node) => ({ node, cursor: revisionCursor(node.number) }));
    return {
      edges,
      totalCount: page.totalCount,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: before !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  @FieldResolver(() => Int, {
    description:
      'How many matches replaceInTranscript would replace with these arguments (a preview before applying).',
  })
  async matchCount(
    @Root() t: TranscriptRow,
    @Ctx() ctx: GraphQLContext,
    @Arg('find', { description: 'Text to find (not empty, not only spaces).' }) find: string,
    @Arg('matchCase', () => Boolean, {
      nullable: true,
      description: 'Match letter case exactly (default false).',
    })
    matchCase?: boolean | null,
    @Arg('wholeWord', () => Boolean, {
      nullable: true,
      description: 'Match whole words only (default false).',
    })
    wholeWord?: boolean | null,
  ): Promise<number> {
    const pattern = findPattern(find, { matchCase, wholeWord });
    const segments = await ctx.transcripts.segmentsOf(t.id);
    return countMatches(
      segments.map((s) => s.text),
      pattern,
    );
  }
}

@Resolver()
export class WorkbenchResolver {
  @Mutation(() => Segment, {
    description:
      "Changes a segment's text, speaker and/or times (seconds). Words that still match keep their times; new words get times inside the segment. Empty text is refused (use deleteSegment or mergeSegments); so are end before start, a speaker of another transcript and overlapping the same speaker's neighbours. An edit that changes nothing makes no revision.",
  })
  async editSegment(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID, { description: 'The segment.' }) id: string,
    @Arg('text', () => String, { nullable: true, description: 'New text (trimmed).' })
    text?: string | null,
    @Arg('speakerId', () => ID, {
      nullable: true,
      description: 'Reassign to this speaker of the same transcript.',
    })
    speakerId?: string | null,
    @Arg('start', () => Float, { nullable: true, description: 'New start, seconds.' })
    start?: number | null,
    @Arg('end', () => Float, { nullable: true, description: 'New end, seconds.' })
    end?: number | null,
    @Arg('expectedVersion', () => Int, { nullable: true, description: EXPECTED_SEGMENT })
    expectedVersion?: number | null,
  ): Promise<SegmentRow> {
    await ctx.jobs.workbench.editSegment(
      ctx.em,
      ctx.principal,
      id,
      { text, speakerId, start, end },
      expectedVersion ?? undefined,
    );
    return segmentNow(ctx, id);
  }

  @Mutation(() => [Segment], {
    description:
      'Splits a segment in two at the word boundary nearest to `at`; returns both halves in time order (the original segment is removed).',
  })
  async splitSegment(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID, { description: 'The segment.' }) id: string,
    @Arg('at', () => Float, {
      description: 'Seconds in the recording, strictly inside the segment.',
    })
    at: number,
    @Arg('expectedVersion', () => Int, { nullable: true, description: EXPECTED_SEGMENT })
    expectedVersion?: number | null,
  ): Promise<SegmentRow[]> {
    const split = await ctx.jobs.workbench.splitSegment(
      ctx.em,
      ctx.principal,
      id,
      at,
      expectedVersion ?? undefined,
    );
    ctx.forgetReads();
    return ctx.transcripts.segmentsWithIds(split.segmentIds);
  }

  @Mutation(() => Segment, {
    description:
      "Merges adjacent segments (consecutive positions) of one transcript into the first one: texts joined, every word kept, the first segment's speaker.",
  })
  async mergeSegments(
    @Ctx() ctx: GraphQLContext,
    @Arg('ids', () => [ID], { description: 'Two or more adjacent segments, any order.' })
    ids: string[],
    @Arg('expectedVersion', () => Int, { nullable: true, description: EXPECTED_TRANSCRIPT })
    expectedVersion?: number | null,
  ): Promise<SegmentRow> {
    const merged = await ctx.jobs.workbench.mergeSegments(
      ctx.em,
      ctx.principal,
      ids,
      expectedVersion ?? undefined,
    );
    return segmentNow(ctx, merged.segmentId);
  }

  @Mutation(() => Transcript, {
    description: 'Deletes a segment with its words; returns the transcript after it.',
  })
  async deleteSegment(
    @Ctx() ctx: GraphQLContext,
    @Arg('id', () => ID, { description: 'The segment.' }) id: string,
    @Arg('expectedVersion', () => Int, { nullable: true, description: EXPECTED_SEGMENT })
    expectedVersion?: number | null,
  ): Promise<TranscriptRow> {
    const done = await ctx.jobs.workbench.deleteSegment(
      ctx.em,
      ctx.principal,
      id,
      expectedVersion ?? undefined,
    );
    return transcriptNow(ctx, done.transcriptId);
  }

  @Mutation(() => ReplaceResult, {
    description:
      'Replaces every match of `find` in the transcript in one revision (case-insensitive by default, Kazakh letters included). No match: no revision, replacements 0. Preview the count with Transcript.matchCount.',
  })
  async replaceInTranscript(
    @Ctx() ctx: GraphQLContext,
    @Arg('transcriptId', () => ID, { description: 'The transcript.' }) transcriptId: string,
    @Arg('find', { description: 'Text to find (not empty, not only spaces).' }) find: string,
    @Arg('replace', { description: 'Replacement text (may be empty to remove the matches).' })
    replace: string,
    @Arg('matchCase', () => Boolean, {
      nullable: true,
      description: 'Match letter case exactly (default false).',
    })
    matchCase?: boolean | null,
    @Arg('wholeWord', () => Boolean, {
      nullable: true,
      description: 'Match whole words only (default false).',
    })
    wholeWord?: boolean | null,
    @Arg('expectedVersion', () => Int, { nullable: true, description: EXPECTED_TRANSCRIPT })
    expectedVersion?: number | null,
  ): Promise<ReplaceResult> {
    const done = await ctx.jobs.workbench.replaceInTranscript(
      ctx.em,
      ctx.principal,
      transcriptId,
      find,
      replace,
      { matchCase, wholeWord },
      expectedVersion ?? undefined,
    );
    return { transcript: await transcriptNow(ctx, transcriptId), replacements: done.replacements };
  }

  @Mutation(() => Transcript, {
    description:
      'Restores the transcript exactly as it was at revision `toRevision` (text, speakers, boundaries, word timings) as a new revision, so nothing is lost: undo is a revert to the previous revision, redo a revert of the revert.',
  })
  async revertTranscript(
    @Ctx() ctx: GraphQLContext,
    @Arg('transcriptId', () => ID, { description: 'The transcript.' }) transcriptId: string,
    @Arg('toRevision', () => Int, {
      description: 'Revision number to restore, 1 (as recognised) to Transcript.version.',
    })
    toRevision: number,
    @Arg('expectedVersion', () => Int, { nullable: true, description: EXPECTED_TRANSCRIPT })
    expectedVersion?: number | null,
  ): Promise<TranscriptRow> {
    await ctx.jobs.workbench.revertTranscript(
      ctx.em,
      ctx.principal,
      transcriptId,
      toRevision,
      expectedVersion ?? undefined,
    );
    return transcriptNow(ctx, transcriptId);
  }

  @Subscription(() => TranscriptChangeEvent, {
    description:
      'Every committed change of a transcript (by anyone: web client or API), as it happens. No initial event: read the transcript, then apply the events.',
    subscribe: ({ args, context }) =>
      transcriptChangeStream(context as GraphQLContext, String(args.id)),
  })
  transcriptChanged(
    @Arg('id', () => ID, { description: 'The transcript (Transcript.id).' }) _id: string,
    @Root() event: TranscriptChangePayload,
  ): TranscriptChangePayload {
    return event;
  }
}

@Resolver(() => TranscriptChangeEvent)
export class TranscriptChangeEventResolver {
  @FieldResolver(() => TranscriptRevision, { description: 'The revision this change made.' })
  revision(@Root() event: TranscriptChangePayload): RevisionRow {
    return toRevisionRow(event.revision);
  }

  @FieldResolver(() => [Segment], {
    description:
      'Segments created or changed by this revision, in their current state, in time order. Positions (index) of later segments shift after a split, merge or delete: reload windows you show.',
  })
  segments(
    @Root() event: TranscriptChangePayload,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SegmentRow[]> {
    return ctx.transcripts.segmentsWithIds(event.segmentIds);
  }

  @FieldResolver(() => [Speaker], {
    description: 'Every speaker of the transcript with current totals and labels.',
  })
  speakers(
    @Root() event: TranscriptChangePayload,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SpeakerRow[]> {
    return ctx.transcripts.speakersOf(event.transcriptId);
  }
}

function toRevisionRow(r: RevisionPayload): RevisionRow {
  return { ...r, createdAt: new Date(r.createdAt) };
}

const revisionCursor = (n: number) => Buffer.from(`revision:${n}`).toString('base64url');
function decodeRevisionCursor(cursor: string): number {
  const m = /^revision:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) {
    throw new BadInputError(
      'The "after" cursor is not valid: pass an endCursor from a previous page of revisions.',
      'INVALID_CURSOR',
    );
  }
  return Number(m[1]);
}

/** The segment as committed (the request's reads are dropped first). */
async function segmentNow(ctx: GraphQLContext, id: string): Promise<SegmentRow> {
  ctx.forgetReads();
  const [row] = await ctx.transcripts.segmentsWithIds([id]);
  if (!row) throw new NotFoundError('Segment', id);
  return row;
}

async function transcriptNow(ctx: GraphQLContext, id: string): Promise<TranscriptRow> {
  ctx.forgetReads();
  const row = await ctx.transcripts.transcript(id);
  if (!row) throw new NotFoundError('Transcript', id);
  return row;
}

/**
 * Changes of one transcript from Redis, for this tenant only.
 * @throws NotFoundError (before any event) unless the transcript is one of the tenant's.
 */
async function transcriptChangeStream(
  ctx: GraphQLContext,
  transcriptId: string,
): Promise<AsyncIterable<TranscriptChangePayload>> {
  await ctx.jobs.workbench.checkTranscript(ctx.fork(), ctx.tenantId, transcriptId);
  const feed = new TranscriptFeed<TranscriptChangePayload>(() => unsubscribe());
  const unsubscribe = ctx.events.onTranscriptChange(transcriptId, (p) => {
    if (p.tenantId === ctx.tenantId) feed.push(p);
  });
  return feed;
}
