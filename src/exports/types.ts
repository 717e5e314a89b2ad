/**
 * Input model of the transcript exporters. The caller (the download route / GraphQL resolver)
 * maps database rows into an {@link ExportDocument}; everything in `src/exports` is pure: no I/O,
 * no clock, no database, so the same document always renders to the same bytes.
 */

/** The export formats offered to users (their details are in `formats.ts`). */
export type ExportFormat = 'TXT' | 'SRT' | 'VTT' | 'JSON' | 'DOCX' | 'TSV';

/** One recognised word. Times in seconds from the start of the audio. */
export interface ExportWord {
  text: string;
  start: number;
  end: number;
}

/** One utterance of one speaker. Times in seconds from the start of the audio. */
export interface ExportSegment {
  /** 0-based position in time order. */
  index: number;
  /** Engine tag of the speaker ("0", "1"); joins {@link ExportSpeaker.tag}. */
  speakerTag: string;
  /** Display name of the speaker ("Speaker 1" until renamed). */
  speakerLabel: string;
  start: number;
  end: number;
  text: string;
  /** BCP-47 tag when the engine reported one. */
  language: string | null;
  /** Word timings, in order; may be empty. Used to split long subtitle cues at word boundaries. */
  words: ExportWord[];
}

/** A speaker of the transcript with its totals. */
export interface ExportSpeaker {
  tag: string;
  /** Display name ("Speaker 1" until renamed). */
  label: string;
  speakingSeconds: number;
  segmentCount: number;
  /** 0-based order of first appearance; default its position in {@link ExportDocument.speakers}. */
  ordinal?: number;
  /**
   * False while the label is still the engine's default (`Speaker 1`): exports then write the
   * locale's default label (`Сөйлеуші 1`, `Спикер 1`). Absent means the label is used as given.
   */
  renamed?: boolean;
}

/** Everything an export needs about one finished job. */
export interface ExportDocument {
  jobId: string;
  /** Original upload filename, e.g. `интервью.mp3`. */
  filename: string;
  durationSeconds: number | null;
  /** BCP-47 tags of the languages heard, e.g. `["kk-KZ", "ru-RU"]`. */
  languages: string[];
  speakers: ExportSpeaker[];
  segments: ExportSegment[];
  createdAt: Date;
  completedAt: Date | null;
  /** Id of the speech engine that recognised it (`speechkit`, `openai`, `demo`), when known. */
  engine?: string | null;
  /** How long the service keeps recording and transcript after upload, in hours (DOCX footer). */
  retentionHours?: number | null;
}
