import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { Segment, Speaker, Transcript, Word } from '../../db/entities/index.js';
import { BadInputError } from '../../errors.js';
import {
  EXPORT_FORMAT_REGISTRY,
  exportQueryString,
  renderExport,
  resolveExportOptions,
  textFormat,
  type ExportOptionsInput as ExportOptionsValues,
} from '../../exports/index.js';
import type {
  SegmentRow,
  SpeakerRow,
  TranscriptRow,
  WordRow,
} from '../../services/transcript-reader.js';
import type { GraphQLContext } from '../context.js';
import { ExportFormatEnum } from '../types/enums.js';
import { ExportOptionsInput } from '../types/export.js';

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
    description:
      'The transcript rendered in a text format (TXT, SRT, VTT, TSV, JSON; UTF-8) with options. DOCX is binary: asking for it here is BAD_USER_INPUT (reason BINARY_FORMAT); download it from exportUrl.',
  })
  async export(
    @Root() t: TranscriptRow,
    @Arg('format', () => ExportFormatEnum, { description: 'The format to render.' })
    format: ExportFormatEnum,
    @Ctx() ctx: GraphQLContext,
    @Arg('options', () => ExportOptionsInput, {
      nullable: true,
      description: 'Script, layout and locale; omitted fields take their defaults.',
    })
    options?: ExportOptionsInput | null,
  ): Promise<string> {
    const resolved = resolveExportOptions(options as ExportOptionsValues | null);
    textFormat(format); // DOCX: BAD_USER_INPUT pointing at exportUrl, before any read
    const job = await ctx.jobs.get(ctx.em, ctx.tenantId, t.jobId);
    const doc = await ctx.jobs.buildExportDocument(ctx.transcripts, job, t);
    return renderExport(doc, format, resolved);
  }

  @FieldResolver(() => String, {
    description:
      'A download link for the transcript in any format with options (GET /api/v1/jobs/{id}/export/{extension}?…), named after the upload with the script (`интервью-latn.docx`). It carries a signed token (valid 6 h, bound to this job and your API key), so it works without an Authorization header.',
  })
  async exportUrl(
    @Root() t: TranscriptRow,
    @Arg('format', () => ExportFormatEnum, { description: 'The format to download.' })
    format: ExportFormatEnum,
    @Ctx() ctx: GraphQLContext,
    @Arg('options', () => ExportOptionsInput, {
      nullable: true,
      description: 'Script, layout and locale; omitted fields take their defaults.',
    })
    options?: ExportOptionsInput | null,
  ): Promise<string> {
    const resolved = resolveExportOptions(options as ExportOptionsValues | null);
    const token = await ctx.signer.sign(t.jobId, ctx.principal, 'export');
    const query = exportQueryString(resolved);
    const ext = EXPORT_FORMAT_REGISTRY[format].extension;
    return `/api/v1/jobs/${encodeURIComponent(t.jobId)}/export/${ext}?${query}${query ? '&' : ''}token=${token}`;
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
