/**
 * Tab-separated values (.tsv): one row per segment, for spreadsheets and scripts.
 */
import { formatTimecode, toMilliseconds } from './timecode.js';
import { normalizeText, orderedSegments, speakerLabelOf } from './text-utils.js';
import type { PreparedDocument } from './prepare.js';

/** Tabs and line breaks would break a row: {@link normalizeText} turns them into spaces. */
const cell = (text: string): string => normalizeText(text);

/**
 * Renders TSV (IANA `text/tab-separated-values`): a header row with fixed English column names,
 * then one row per non-empty segment in time order, `\n` line ends. Columns: `start` and `end`
 * (`HH:MM:SS.mmm`, left out with `timestamps: false`), `speaker` (left out with
 * `speakers: false`), `language` (only with `languageTags`), `text`. Cells never contain tabs or
 * line breaks (turned into spaces).
 */
export function renderTsv(doc: PreparedDocument): string {
  const o = doc.options;
  const header = [
    ...(o.timestamps ? ['start', 'end'] : []),
    ...(o.speakers ? ['speaker'] : []),
    ...(o.languageTags ? ['language'] : []),
    'text',
  ];
  const rows = [header.join('\t')];
  for (const seg of orderedSegments(doc)) {
    const text = cell(seg.text);
    if (!text) continue;
    const startMs = toMilliseconds(seg.start);
    const row = [
      ...(o.timestamps
        ? [
            formatTimecode(startMs, '.'),
            formatTimecode(Math.max(startMs, toMilliseconds(seg.end)), '.'),
          ]
        : []),
      ...(o.speakers ? [cell(speakerLabelOf(doc, seg))] : []),
      ...(o.languageTags ? [seg.language ?? ''] : []),
      text,
    ];
    rows.push(row.join('\t'));
  }
  return rows.join('\n') + '\n';
}
