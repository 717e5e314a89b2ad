/**
 * The export format registry: the one list of formats that the renderers, file names, the
 * GraphQL enum `ExportFormat`, the download route and (through `serviceInfo.exportFormats`) the
 * web client all read. Adding a format is adding an entry here.
 */
import { renderDocx } from './docx.js';
import { renderJson } from './json.js';
import type { PreparedDocument } from './prepare.js';
import { renderSrt, renderVtt } from './subtitles.js';
import { renderTxt } from './text.js';
import { renderTsv } from './tsv.js';
import type { ExportFormat } from './types.js';

interface FormatBase {
  id: ExportFormat;
  /** File extension without the dot; also the format's name in download URLs (`/export/srt`). */
  extension: string;
  /** HTTP `Content-Type`. */
  mimeType: string;
  /** What the format is for (GraphQL enum value description, client tooltip). */
  description: string;
}

/** A UTF-8 text format: `Transcript.export` answers it as a string. */
export interface TextFormatSpec extends FormatBase {
  binary: false;
  render: (doc: PreparedDocument) => string;
}

/** A binary format: only downloadable (`Transcript.exportUrl`, the download route). */
export interface BinaryFormatSpec extends FormatBase {
  binary: true;
  render: (doc: PreparedDocument) => Promise<Buffer>;
}

export type ExportFormatSpec = TextFormatSpec | BinaryFormatSpec;

/** Every export format, in the order a UI should offer them. */
export const EXPORT_FORMAT_REGISTRY: Readonly<Record<ExportFormat, ExportFormatSpec>> =
  Object.freeze({
    TXT: {
      id: 'TXT',
      extension: 'txt',
      mimeType: 'text/plain; charset=utf-8',
      binary: false,
      description: 'Readable text: headers, then [HH:MM:SS] Speaker: text per turn.',
      render: renderTxt,
    },
    DOCX: {
      id: 'DOCX',
      extension: 'docx',
      mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      binary: true,
      description:
        'Word document: title, details table, speaker turns with coloured names and times, page numbers. Binary: download it through exportUrl.',
      render: renderDocx,
    },
    SRT: {
      id: 'SRT',
      extension: 'srt',
      mimeType: 'application/x-subrip; charset=utf-8',
      binary: false,
      description: 'SubRip subtitles (HH:MM:SS,mmm), speaker names as "Name: " prefixes.',
      render: renderSrt,
    },
    VTT: {
      id: 'VTT',
      extension: 'vtt',
      mimeType: 'text/vtt; charset=utf-8',
      binary: false,
      description: 'WebVTT subtitles (HH:MM:SS.mmm), speakers as <v Name> voice tags.',
      render: renderVtt,
    },
    TSV: {
      id: 'TSV',
      extension: 'tsv',
      mimeType: 'text/tab-separated-values; charset=utf-8',
      binary: false,
      description: 'Tab-separated rows (start, end, speaker, text) for spreadsheets.',
      render: renderTsv,
    },
    JSON: {
      id: 'JSON',
      extension: 'json',
      mimeType: 'application/json; charset=utf-8',
      binary: false,
      description: 'Every segment with its words and times, versioned shape (schemaVersion 1).',
      render: renderJson,
    },
  });

/** Every {@link ExportFormat}, in the registry's order. */
export const EXPORT_FORMATS: readonly ExportFormat[] = Object.freeze(
  Object.keys(EXPORT_FORMAT_REGISTRY) as ExportFormat[],
);

/** The format whose extension is `extension` (any case), e.g. `docx` → DOCX; undefined if none. */
export function formatOfExtension(extension: string): ExportFormatSpec | undefined {
  const ext = extension.toLowerCase();
  return EXPORT_FORMATS.map((f) => EXPORT_FORMAT_REGISTRY[f]).find((f) => f.extension === ext);
}
