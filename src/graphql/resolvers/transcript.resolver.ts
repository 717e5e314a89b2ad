import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { Segment, Speaker, Transcript, Word } from '../../db/entities/index.js';
import { BadInputError } from '../../errors.js';
import { renderExport } from '../../exports/index.js';
import type {
  SegmentRow,
  SpeakerRow,
  TranscriptRow,
  WordRow,
} from '../../services/transcript-reader.js';
import type { GraphQLContext } from '../context.js';
import { ExportFormatEnum } from '../types/enums.js';

/**
 * Transcript fields read through the request's {@link GraphQLContext.transcripts} reader: roots
 * are plain rows, each kind of row is one SQL statement per request.
 */
@Resolver(() => Transcript)
export class TranscriptResolver {
  @FieldResolver(() => String, { description: 'Whole text, segments joined in time order.' })
  text(@Root() t: TranscriptRow, @Ctx() ctx: GraphQLContext): Promise<string> {
    return ctx.transcripts.text(t.id);
  }

  @FieldResolver(() => [Speaker], { description: 'Speakers in order of first appearance.' })
  speakers(@Root() t: TranscriptRow, @Ctx() ctx: GraphQLContext): Promise<SpeakerRow[]> {
    return ctx.transcripts.speakersOf(t.id);
  }

  @FieldResolver(() => Int, {
    description: 'Number of segments; with segments(offset, limit) a client pages through them.',
  })
  segmentCount(@Root() t: TranscriptRow, @Ctx() ctx: GraphQLContext): Promise<number> {
    return ctx.transcripts.segmentCount(t.id);
  }

  @FieldResolver(() => [Segment], {
    description:
      'Segments in time order: all of them, or a window by position (offset 0-based, at most limit). A window is an indexed read, so a client can show any part of a 4-hour transcript at once; segmentCount gives the total.',
  })
  segments(
    @Root() t: TranscriptRow,
    @Ctx() ctx: GraphQLContext,
    @Arg('offset', () => Int, {
      nullable: true,
      description: 'Position of the first segment to return (0-based); default 0.',
    })
    offset?: number | null,
    @Arg('limit', () => Int, {
      nullable: true,
      description: 'Most segments to return; default all from offset.',
    })
    limit?: number | null,
  ): Promise<SegmentRow[]> {
    if ((offset ?? 0) < 0 || (limit ?? 0) < 0) {
      throw new BadInputError(
        'segments(offset, limit) take numbers ≥ 0: offset is the 0-based position of the first segment, limit the most to return.',
        'INVALID_WINDOW',
      );
    }
    return ctx.transcripts.segmentsOf(t.id, { offset: offset ?? 0, limit: limit ?? null });
  }

  @FieldResolver(() => String, {
    description: 'The transcript rendered as TXT, SRT, VTT or JSON (UTF-8).',
  })
  async export(
    @Root() t: TranscriptRow,
    @Arg('format', () => ExportFormatEnum, { description: 'Which format to render.' })
    format: ExportFormatEnum,
    @Ctx() ctx: GraphQLContext,
  ): Promise<string> {
    const job = await ctx.jobs.get(ctx.em, ctx.tenantId, t.jobId);
    const doc = await ctx.jobs.buildExportDocument(ctx.transcripts, job, t);
    return renderExport(doc, format);
  }

  @Mutation(() => Speaker, {
    description:
      'Renames a speaker; exports use the new name at once. With expectedVersion, a rename made by someone else since then is answered CONFLICT instead of being overwritten. Each rename is a revision of the transcript (revertTranscript restores the old name) and a transcriptChanged event.',
  })
  renameSpeaker(
    @Arg('id', () => ID, { description: 'The speaker (`Speaker.id`).' }) id: string,
    @Arg('label', { description: 'New display name, 1–100 characters after trimming.' })
    label: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('expectedVersion', () => Int, {
      nullable: true,
      description:
        'The `Speaker.version` you last read: CONFLICT when someone renamed the speaker since. Omit to rename whatever the current name is.',
    })
    expectedVersion?: number,
  ): Promise<SpeakerRow> {
    return ctx.jobs.renameSpeaker(ctx.em, ctx.principal, id, label, expectedVersion ?? undefined);
  }
}

@Resolver(() => Segment)
export class SegmentResolver {
  @FieldResolver(() => Speaker, { description: 'Who speaks this segment.' })
  speaker(@Root() s: SegmentRow, @Ctx() ctx: GraphQLContext): Promise<SpeakerRow> {
    return ctx.transcripts.speaker(s.transcriptId, s.speakerId);
  }

  @FieldResolver(() => [Word], { description: 'Words with timings, in order.' })
  words(@Root() s: SegmentRow, @Ctx() ctx: GraphQLContext): Promise<WordRow[]> {
    return ctx.transcripts.wordsOf(s);
  }
}
