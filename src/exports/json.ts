/**
 * JSON (.json) transcript renderer and its documented, versioned shape.
 */
import { roundSeconds } from './timecode.js';
import { orderedSegments, speakerLabelOf } from './text-utils.js';
import type { PreparedDocument } from './prepare.js';
import type { ExportScript } from './script/transliterate.js';

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
  /**
   * Script of the Kazakh segments' text and words: `ORIGINAL` (as recognised),
   * `KAZAKH_LATIN_2021` or `BGN_PCGN` (added with issue 13).
   */
  script: ExportScript;
}

const isoOrNull = (d: Date | null): string | null =>
  d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : null;

/**
 * Builds the {@link TranscriptJson} object of a prepared document (labels and Kazakh text as
 * prepared; the layout options do not apply to JSON).
 */
export function toTranscriptJson(doc: PreparedDocument): TranscriptJson {
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
    script: doc.options.script,
  };
}

/** Renders {@link TranscriptJson} pretty-printed with two spaces and a final newline. */
export function renderJson(doc: PreparedDocument): string {
  return JSON.stringify(toTranscriptJson(doc), null, 2) + '\n';
}
