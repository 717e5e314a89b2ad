/**
 * `searchTranscripts`: full-text search across the caller's transcripts (decisions in
 * `src/services/search`).
 */
import { Arg, Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import { Job, Segment } from '../../db/entities/index.js';
import { searchTranscripts } from '../../services/search/index.js';
import type { SegmentRow } from '../../services/transcript-reader.js';
import type { GraphQLContext } from '../context.js';
import { PageInfo } from '../types/connection.js';

/** A segment that matched a search, with its job and a marked snippet. */
@ObjectType({ description: 'A segment that matched a search, with its job and a snippet.' })
export class SearchHit {
  @Field(() => Job, { description: 'The job whose transcript has the segment.' })
  job!: Job;

  @Field(() => Segment, {
    description: 'The matching segment (its start time, in seconds, is where to play from).',
  })
  segment!: SegmentRow;

  @Field({
    description:
      'Plain text around the match (about 160 characters, … where cut), matched words between « and » (guillemets in the text itself are shown as ‹ ›).',
  })
  snippet!: string;
}

/** An edge of a search. */
@ObjectType({ description: 'A search hit and its cursor.' })
export class SearchHitEdge {
  @Field({ description: 'Pass as `after` to get the hits after this one.' })
  cursor!: string;

  @Field(() => SearchHit, { description: 'The hit.' })
  node!: SearchHit;
}

/** Search hits, best first (Relay cursor connection). */
@ObjectType({ description: 'Search hits, best first (Relay cursor connection).' })
export class SearchHitConnection {
  @Field(() => [SearchHitEdge], { description: 'This page of hits, best first.' })
  edges!: SearchHitEdge[];

  @Field(() => PageInfo, { description: 'Whether more hits follow, and the cursors of this page.' })
  pageInfo!: PageInfo;

  @Field(() => Int, {
    description:
      'Hits of the whole search, over all pages: exact up to 1,000; a search with more hits says 1,000 and sets `totalCountCapped` (show it as "1,000+").',
  })
  totalCount!: number;

  @Field({
    description:
      'True when the search has more hits than `totalCount` (which is then the cap of 1,000): narrow the query or page on.',
  })
  totalCountCapped!: boolean;
}

@Resolver()
export class SearchResolver {
  @Query(() => SearchHitConnection, {
    description:
      'Finds segments of your transcripts containing every word of `query`, best match first: ranked by relevance (more of the words in a shorter segment first) among the 1,000 newest matching segments, then among the next 1,000, and so on, so a page costs the same however many segments match. Case does not matter (Kazakh letters included), ё matches е, Latin look-alikes i ə ɵ match і ә ө, and a word matches the beginning of longer words (Алмат finds Алматы); on PostgreSQL Russian segments also match other forms of a word, and words of 3+ letters match inside longer words. Characters other than letters and digits only separate words.',
  })
  async searchTranscripts(
    @Ctx() ctx: GraphQLContext,
    @Arg('query', {
      description: `Words to find, as a person types them (1 to 200 characters, up to 12 words).`,
    })
    query: string,
    @Arg('language', () => String, {
      nullable: true,
      description: 'Only segments in this language: a BCP-47 tag such as kk-KZ or ru-RU.',
    })
    language?: string | null,
    @Arg('first', () => Int, { nullable: true, description: 'Hits per page, 1..100 (default 20).' })
    first?: number | null,
    @Arg('after', () => String, {
      nullable: true,
      description: 'The endCursor of the previous page of this same search.',
    })
    after?: string | null,
  ): Promise<SearchHitConnection> {
    const page = await searchTranscripts(ctx.em, ctx.tenantId, { query, language, first, after });
    const jobIds = [...new Set(page.hits.map((h) => h.jobId))];
    const jobs = new Map(
      (await ctx.jobs.findMany(ctx.em, ctx.tenantId, jobIds)).map((j) => [j.id, j]),
    );
    const edges = page.hits
      .filter((h) => jobs.has(h.jobId))
      .map((h) => ({
        cursor: h.cursor,
        node: { job: jobs.get(h.jobId)!, segment: h.segment, snippet: h.snippet },
      }));
    return {
      edges,
      totalCount: page.totalCount,
      totalCountCapped: page.totalCountCapped,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: Boolean(after),
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }
}
