/**
 * Assembles the {@link ExportDocument} every export format renders from: the job's details, its
 * speakers and every segment with its words, read through a {@link TranscriptReader} — three
 * column-explicit statements whatever the transcript's length.
 */
import type { Job } from '../db/entities/index.js';
import type { ExportDocument } from '../exports/index.js';
import type { TranscriptReader, TranscriptRow } from './transcript-reader.js';

/** What the document says beyond the database rows. */
export interface ExportDocumentExtras {
  /** Display name of the job's engine (`Yandex SpeechKit`); default the engine id. */
  engineName?: string;
  /** Retention of recordings and transcripts, in hours (DOCX footer). */
  retentionHours?: number;
}

/**
 * The label the transcript builder gives the speaker of `ordinal` (0-based) until it is renamed
 * (`src/services/transcript-builder.ts`): a speaker still so labelled is written with the export
 * locale's default label. (Renaming a speaker to exactly this label reads as not renamed.)
 */
export const builderLabel = (ordinal: number): string => `Speaker ${ordinal + 1}`;

/** Builds the export document of `job`'s transcript. */
export async function buildExportDocument(
  reader: TranscriptReader,
  job: Pick<Job, 'id' | 'filename' | 'durationSeconds' | 'createdAt' | 'completedAt'> &
    Partial<Pick<Job, 'engine'>>,
  transcript: TranscriptRow,
  extras: ExportDocumentExtras = {},
): Promise<ExportDocument> {
  const [speakers, segments] = await Promise.all([
    reader.speakersOf(transcript.id),
    reader.segmentsOf(transcript.id),
  ]);
  const words = await Promise.all(segments.map((s) => reader.wordsOf(s)));
  const byId = new Map(speakers.map((s) => [s.id, s]));
  return {
    jobId: job.id,
    filename: job.filename,
    durationSeconds: job.durationSeconds ?? null,
    languages: transcript.languages,
    speakers: speakers.map((s) => ({
      tag: s.tag,
      label: s.label,
      speakingSeconds: s.speakingSeconds,
      segmentCount: s.segmentCount,
      ordinal: s.ordinal,
      renamed: s.label !== builderLabel(s.ordinal),
    })),
    segments: segments.map((seg, i) => {
      const sp = byId.get(seg.speakerId)!;
      return {
        index: seg.index,
        speakerTag: sp.tag,
        speakerLabel: sp.label,
        start: seg.start,
        end: seg.end,
        text: seg.text,
        language: seg.language,
        words: words[i],
      };
    }),
    createdAt: job.createdAt,
    completedAt: job.completedAt ?? null,
    engine: extras.engineName ?? job.engine ?? null,
    retentionHours: extras.retentionHours ?? null,
  };
}
