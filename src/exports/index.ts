/**
 * Transcript exports: pure renderers from an {@link ExportDocument} to TXT, DOCX, SRT, VTT, TSV
 * or JSON, through one document-to-document step (locale labels, Kazakh in the chosen script),
 * plus download filenames and content types. No I/O.
 */
import { BadInputError } from '../errors.js';
import { EXPORT_FORMAT_REGISTRY, EXPORT_FORMATS, type TextFormatSpec } from './formats.js';
import { exportFilename } from './filename.js';
import { resolveExportOptions, type ExportOptions, type ExportOptionsInput } from './options.js';
import { prepareDocument } from './prepare.js';
import type { ExportDocument, ExportFormat } from './types.js';

export type {
  ExportDocument,
  ExportFormat,
  ExportSegment,
  ExportSpeaker,
  ExportWord,
} from './types.js';
export {
  EXPORT_FORMAT_REGISTRY,
  EXPORT_FORMATS,
  formatOfExtension,
  type ExportFormatSpec,
} from './formats.js';
export {
  DEFAULT_EXPORT_OPTIONS,
  EXPORT_LOCALES,
  EXPORT_QUERY_PARAMS,
  EXPORT_SCRIPTS,
  exportQueryString,
  parseExportQuery,
  resolveExportOptions,
  type ExportLocale,
  type ExportOptions,
  type ExportOptionsInput,
} from './options.js';
export { prepareDocument, type PreparedDocument } from './prepare.js';
export {
  isKazakh,
  lowerKazakhLatin,
  normalizeLookalikes,
  transliterate,
  upperKazakhLatin,
  type ExportScript,
} from './script/transliterate.js';
export { LETTER_TABLE, type LetterRow } from './script/tables.js';
export { exportFilename } from './filename.js';
export { buildCues, DEFAULT_CUE_LIMITS, type Cue, type CueLimits } from './cues.js';
export { escapeVttText, vttVoiceName, wrapCueLines } from './subtitles.js';
export { toTranscriptJson, type TranscriptJson } from './json.js';
export { formatTimecode, toMilliseconds } from './timecode.js';

function specOf(format: ExportFormat) {
  const spec = EXPORT_FORMAT_REGISTRY[format];
  if (!spec) {
    throw new BadInputError(
      `Unknown export format "${String(format)}". Use one of ${EXPORT_FORMATS.join(', ')}.`,
      'UNKNOWN_EXPORT_FORMAT',
    );
  }
  return spec;
}

/**
 * The registry entry of a text format.
 * @throws BadInputError UNKNOWN_EXPORT_FORMAT outside the registry, BINARY_FORMAT for DOCX
 *   (its message points at `Transcript.exportUrl`)
 */
export function textFormat(format: ExportFormat): TextFormatSpec {
  const spec = specOf(format);
  if (spec.binary) {
    throw new BadInputError(
      `${spec.id} is a binary file and cannot be returned as text: download it from Transcript.exportUrl(format: ${spec.id}) (or GET /api/v1/jobs/{id}/export/${spec.extension}).`,
      'BINARY_FORMAT',
    );
  }
  return spec;
}

/**
 * Renders a transcript in a text format (every format but DOCX) as a string to be sent as UTF-8.
 * `options` are checked and defaulted by {@link resolveExportOptions}.
 * @throws BadInputError UNKNOWN_EXPORT_FORMAT for a format outside the registry, BINARY_FORMAT
 *   for DOCX (download it: `Transcript.exportUrl`), INVALID_EXPORT_OPTION for a bad option
 */
export function renderExport(
  doc: ExportDocument,
  format: ExportFormat,
  options?: ExportOptionsInput | ExportOptions | null,
): string {
  return textFormat(format).render(prepareDocument(doc, resolveExportOptions(options)));
}

/** A rendered export file. */
export interface ExportFile {
  /** UTF-8 text or, for binary formats, the bytes. */
  body: string | Buffer;
  /** Download name, e.g. `интервью-latn.docx` (encode it for `Content-Disposition`). */
  filename: string;
  mimeType: string;
}

/**
 * Renders a transcript in any format, as a file to download.
 * @throws BadInputError as {@link renderExport}, except that binary formats are rendered
 */
export async function renderExportFile(
  doc: ExportDocument,
  format: ExportFormat,
  options?: ExportOptionsInput | ExportOptions | null,
): Promise<ExportFile> {
  const spec = specOf(format);
  const o = resolveExportOptions(options);
  const body = await spec.render(prepareDocument(doc, o));
  return {
    body,
    filename: exportFilename(doc.filename, format, o.script),
    mimeType: spec.mimeType,
  };
}
