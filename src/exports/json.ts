/**
 * JSON (.json) transcript renderer and its documented, versioned shape.
 */
import { roundSeconds } from './timecode.js';
import { orderedSegments, speakerLabelOf } from './text-utils.js';
import type { ExportDocument } from './types.js';

/**
 * The JSON export, version 1. Keys appear in this order; times are seconds rounded to whole
 * milliseconds; dates are ISO-8601 UTC strings. Fields are only ever added, never renamed or
 * removed, without bumping `schemaVersion`.
 */
export interface TranscriptJson {
  /** Version of this shape; 1. */
  schemaVersion: 1;
  jobId: string;
  /** Original upload filename. */
  filename: string;
  durationSeconds: number | null;
  /** BCP-47 tags, e.g. `["kk-KZ", "ru-RU"]`. */
  languages: string[];
  createdAt: string | null;
  completedAt: string | null;
  speakers: { tag: string; label: string; speakingSeconds: number; segmentCount: number }[];
  /** In time order. `text` is exactly as stored (not whitespace-normalised). */
  segments: {
    index: number;
    speaker: { tag: string; label: string };
    start: number;
    end: number;
    text: string;
    language: string | null;
    words: { text: string; start: number; end: number }[];
  }[];
}

const isoOrNull = (d: Date | null): string | null =>
  d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : null;

/** Builds the {@link TranscriptJson} object of a document. */
export function toTranscriptJson(doc: ExportDocument): TranscriptJson {
  return {
    schemaVersion: 1,
    jobId: doc.jobId,
    filename: doc.filename,
    durationSeconds:
      doc.durationSeconds === null || !Number.isFinite(doc.durationSeconds)
        ? null
        : roundSeconds(doc.durationSeconds),
    languages: [...doc.languages],
    createdAt: isoOrNull(doc.createdAt),
    completedAt: isoOrNull(doc.completedAt),
    speakers: doc.speakers.map((s) => ({
      tag: s.tag,
      label: s.label,
      speakingSeconds: roundSeconds(s.speakingSeconds),
      segmentCount: s.segmentCount,
    })),
    segments: orderedSegments(doc).map((seg) => {
      const start = roundSeconds(seg.start);
      return {
        index: seg.index,
        speaker: { tag: seg.speakerTag, label: speakerLabelOf(doc, seg) },
        start,
        end: Math.max(start, roundSeconds(seg.end)),
        text: seg.text,
        language: seg.language ?? null,
        words: (seg.words ?? []).map((w) => {
          const wStart = roundSeconds(w.start);
          return { text: w.text, start: wStart, end: Math.max(wStart, roundSeconds(w.end)) };
        }),
      };
    }),
  };
}

/** Renders {@link TranscriptJson} pretty-printed with two spaces and a final newline. */
export function renderJson(doc: ExportDocument): string {
  return JSON.stringify(toTranscriptJson(doc), null, 2) + '\n';
}
