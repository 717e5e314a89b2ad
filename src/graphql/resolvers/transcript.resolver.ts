import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { Reference } from '@mikro-orm/core';
import { Segment, Speaker, Transcript, Word } from '../../db/entities/index.js';
import { renderExport } from '../../exports/index.js';
import type { GraphQLContext } from '../context.js';
import { ExportFormatEnum } from '../types/enums.js';

@Resolver(() => Transcript)
export class TranscriptResolver {
  @FieldResolver(() => [Speaker], { description: 'Speakers in order of first appearance.' })
  speakers(@Root() t: Transcript): Promise<Speaker[]> {
    return t.speakers.load({ dataloader: true }).then((c) => c.getItems());
  }

  @FieldResolver(() => [Segment], { description: 'Segments in time order.' })
  segments(@Root() t: Transcript): Promise<Segment[]> {
    return t.segments.load({ dataloader: true }).then((c) => c.getItems());
  }

  @FieldResolver(() => String, {
    description: 'The transcript rendered as TXT, SRT, VTT or JSON (UTF-8).',
  })
  async export(
    @Root() t: Transcript,
    @Arg('format', () => ExportFormatEnum) format: ExportFormatEnum,
    @Ctx() ctx: GraphQLContext,
  ): Promise<string> {
    const job = await Reference.create(t.job).load({ dataloader: true });
    if (!job) throw new Error('transcript without job');
    const doc = await ctx.jobs.buildExportDocument(ctx.em, job, t);
    return renderExport(doc, format);
  }

  @Mutation(() => Speaker, {
    description:
      'Renames a speaker; exports use the new name at once. With expectedVersion, a rename made by someone else since then is answered CONFLICT instead of being overwritten.',
  })
  renameSpeaker(
    @Arg('id', () => ID) id: string,
    @Arg('label') label: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('expectedVersion', () => Int, { nullable: true }) expectedVersion?: number,
  ): Promise<Speaker> {
    return ctx.jobs.renameSpeaker(ctx.em, ctx.tenantId, id, label, expectedVersion ?? undefined);
  }
}

@Resolver(() => Segment)
export class SegmentResolver {
  @FieldResolver(() => Speaker)
  async speaker(@Root() s: Segment): Promise<Speaker> {
    const sp = await Reference.create(s.speaker).load({ dataloader: true });
    if (!sp) throw new Error('segment without speaker');
    return sp;
  }

  @FieldResolver(() => [Word], { description: 'Words with timings, in order.' })
  words(@Root() s: Segment): Promise<Word[]> {
    return s.words.load({ dataloader: true }).then((c) => c.getItems());
  }
}
