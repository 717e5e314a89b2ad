/**
 * Transcript exports: pure formatters from an {@link ExportDocument} to TXT, SRT, VTT or JSON
 * text, plus download filenames and content types. No I/O.
 */
import { BadInputError } from '../errors.js';
import { renderJson } from './json.js';
import { renderSrt, renderVtt } from './subtitles.js';
import { renderTxt } from './text.js';
import type { ExportDocument, ExportFormat } from './types.js';

export type {
  ExportDocument,
  ExportFormat,
  ExportSegment,
  ExportSpeaker,
  ExportWord,
} from './types.js';
export { EXPORT_FORMATS } from './types.js';
export { EXPORT_FILE_TYPES, exportFilename } from './filename.js';
export { buildCues, DEFAULT_CUE_LIMITS, type Cue, type CueLimits } from './cues.js';
export { renderSrt, renderVtt, escapeVttText, vttVoiceName } from './subtitles.js';
export { renderTxt } from './text.js';
export { renderJson, toTranscriptJson, type TranscriptJson } from './json.js';
export { formatTimecode, toMilliseconds } from './timecode.js';

/**
 * Renders a transcript in one export format. The result is a string to be sent as UTF-8
 * (see {@link EXPORT_FILE_TYPES} for the matching `Content-Type`):
 * - `TXT`: readable transcript, `[HH:MM:SS] Label: text` paragraphs ({@link renderTxt});
 * - `SRT`: SubRip with `Label: ` prefixes ({@link renderSrt});
 * - `VTT`: WebVTT with `<v Label>` voice tags ({@link renderVtt});
 * - `JSON`: the versioned {@link TranscriptJson} shape ({@link renderJson}).
 * @throws BadInputError for a format outside {@link ExportFormat} (only reachable from untyped callers)
 */
export function renderExport(doc: ExportDocument, format: ExportFormat): string {
  switch (format) {
    case 'TXT':
      return renderTxt(doc);
    case 'SRT':
      return renderSrt(doc);
    case 'VTT':
      return renderVtt(doc);
    case 'JSON':
      return renderJson(doc);
    default: {
      const unknown: never = format;
      throw new BadInputError(
        `Unknown export format "${String(unknown)}". Use one of TXT, SRT, VTT, JSON.`,
        'UNKNOWN_EXPORT_FORMAT',
      );
    }
  }
}
