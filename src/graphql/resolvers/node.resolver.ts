import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { findNode } from '../../services/node-lookup.js';
import type { GraphQLContext } from '../context.js';
import { Node, NODE_TYPE, type NodeValue } from '../types/node.js';

/** `node(id:)`: Relay's re-fetch of any Job, Transcript, Speaker or Segment by its id. */
@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description:
      'Any job, transcript, speaker or segment of yours by its id (Relay Global Object Identification), or null when the id names nothing you can see.',
  })
  async node(
    @Arg('id', () => ID, { description: 'A `Node.id` as returned by any query.' }) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<NodeValue | null> {
    const ref = await findNode(ctx.em, ctx.tenantId, id);
    if (!ref) return null;
    const tag = <T extends object>(row: T | null): (T & NodeValue) | null =>
      row ? (Object.assign(row, { [NODE_TYPE]: ref.type }) as T & NodeValue) : null;
    switch (ref.type) {
      case 'Job':
        return tag(await ctx.jobs.find(ctx.em, ctx.tenantId, id));
      case 'Transcript':
        return tag(await ctx.transcripts.transcript(id));
      case 'Speaker':
        return tag(await ctx.transcripts.speaker(ref.transcriptId!, id));
      case 'Segment':
        return tag((await ctx.transcripts.segmentsWithIds([id]))[0] ?? null);
    }
  }
}
