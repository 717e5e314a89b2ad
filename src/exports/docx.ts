/**
 * Word (.docx) transcript renderer, built with the `docx` package (dolanmiu/docx, MIT;
 * https://docx.js.org): no hand-written XML. The layout follows Buzz's "DOCX – Speakers" export:
 * a coloured bold speaker name, the time, then the text, turn by turn.
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  HeadingLevel,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { formatClock } from './timecode.js';
import { buildTurns, normalizeText, type Turn } from './text-utils.js';
import type { PreparedDocument } from './prepare.js';

/**
 * Font of the whole document. Arial has every Kazakh Cyrillic letter (ә ғ қ ң ө ұ ү һ і) and the
 * Latin ones of both transliterations (Ä Ğ İ ı Ñ Ö Ş Ū Ü Ī Ė) and is on every Windows and macOS;
 * LibreOffice on Linux substitutes a metric-compatible font (Liberation Sans, else DejaVu Sans).
 */
export const DOCX_FONT = 'Arial';

/** Speaker name colours (hex RGB), dark enough for body text on white (WCAG AA ≥ 4.5:1). */
export const SPEAKER_COLOURS: readonly string[] = [
  '1F4E79',
  'A61C00',
  '38761D',
  '7F3F98',
  '8A4B08',
  '0B5394',
  '741B47',
  '134F5C',
];

const GREY = '595959';
/** Half-points: 11 pt body, 9 pt footer and times. */
const BODY = 22;
const SMALL = 18;

/** Word's language of a turn: its BCP-47 tag, or the header locale's when unknown. */
const langOf = (tag: string | null, fallback: string) => ({ value: tag ?? fallback });

function detailsTable(doc: PreparedDocument): Table {
  const s = doc.strings;
  const rows: [string, string[]][] = [];
  if (doc.durationSeconds !== null && Number.isFinite(doc.durationSeconds)) {
    rows.push([s.duration, [formatClock(doc.durationSeconds)]]);
  }
  rows.push([s.date, [s.createdText]]);
  if (doc.languages.length > 0) rows.push([s.languages, [s.languageList]]);
  if (doc.engine) rows.push([s.engine, [doc.engine]]);
  if (doc.speakers.length > 0 && doc.options.speakers) {
    rows.push([
      s.speakers,
      doc.speakers.map(
        (sp) =>
          `${normalizeText(sp.label) || sp.tag} — ${formatClock(sp.speakingSeconds)} (${s.speakingTime})`,
      ),
    ]);
  }
  const lang = { value: s.tag };
  const border = { style: BorderStyle.SINGLE, size: 4, color: 'BFBFBF' };
  const borders = { top: border, bottom: border, left: border, right: border };
  const margins = { top: 40, bottom: 40, left: 100, right: 100 }; // twentieths of a point
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    columnWidths: [2600, 6400],
    rows: rows.map(
      ([name, values]) =>
        new TableRow({
          children: [
            new TableCell({
              borders,
              margins,
              width: { size: 2600, type: WidthType.DXA },
              children: [
                new Paragraph({
                  children: [new TextRun({ text: name, bold: true, language: lang })],
                }),
              ],
            }),
            new TableCell({
              borders,
              margins,
              width: { size: 6400, type: WidthType.DXA },
              children: values.map(
                (v) => new Paragraph({ children: [new TextRun({ text: v, language: lang })] }),
              ),
            }),
          ],
        }),
    ),
  });
}

/** One turn: `Name  00:01:05  kk-KZ`, then the text on the next line, all in the turn's language. */
function turnParagraph(doc: PreparedDocument, turn: Turn, colour: string): Paragraph {
  const o = doc.options;
  const language = langOf(turn.language, doc.strings.tag);
  const head: TextRun[] = [];
  if (o.speakers && turn.label) {
    head.push(new TextRun({ text: turn.label, bold: true, color: colour, language }));
  }
  const meta = [
    o.timestamps ? formatClock(turn.start) : '',
    o.languageTags && turn.language ? turn.language : '',
  ].filter(Boolean);
  if (meta.length > 0) {
    head.push(
      new TextRun({
        text: `${head.length > 0 ? '  ' : ''}${meta.join('  ')}`,
        color: GREY,
        size: SMALL,
        language,
      }),
    );
  }
  const text = new TextRun({ text: turn.texts.join(' '), language, break: head.length ? 1 : 0 });
  return new Paragraph({
    spacing: { after: 160 },
    run: { language },
    children: [...head, text],
  });
}

function footer(doc: PreparedDocument): Footer {
  const s = doc.strings;
  const lang = { value: s.tag };
  const small = { size: SMALL, color: GREY, language: lang };
  const children: Paragraph[] = [];
  if (s.retention) {
    children.push(new Paragraph({ children: [new TextRun({ text: s.retention, ...small })] }));
  }
  children.push(
    new Paragraph({
      alignment: AlignmentType.CENTER,
      children: [
        new TextRun({
          ...small,
          children: [s.page[0], PageNumber.CURRENT, s.page[1], PageNumber.TOTAL_PAGES, s.page[2]],
        }),
      ],
    }),
  );
  return new Footer({ children });
}

/** The `docx` document model of a prepared transcript (see {@link renderDocx}). */
export function buildDocx(doc: PreparedDocument): Document {
  const s = doc.strings;
  const colours = new Map(
    doc.speakers.map((sp, i) => [sp.tag, SPEAKER_COLOURS[i % SPEAKER_COLOURS.length]]),
  );
  const title = normalizeText(doc.filename);
  const turns = buildTurns(doc, doc.options.mergeTurns).map((turn) =>
    turnParagraph(doc, turn, colours.get(turn.speakerTag) ?? SPEAKER_COLOURS[0]),
  );
  const font = { ascii: DOCX_FONT, hAnsi: DOCX_FONT, cs: DOCX_FONT, eastAsia: DOCX_FONT };
  return new Document({
    title,
    creator: 'KazRu-STT Pro',
    description: `${s.transcript}: ${title}`,
    styles: {
      default: {
        document: { run: { font, size: BODY, language: { value: s.tag } } },
        title: { run: { font, size: 40, bold: true, color: '1F1F1F' } },
      },
    },
    sections: [
      {
        footers: { default: footer(doc) },
        children: [
          new Paragraph({
            heading: HeadingLevel.TITLE,
            children: [new TextRun({ text: title, language: { value: s.tag } })],
          }),
          new Paragraph({
            spacing: { after: 120 },
            children: [
              new TextRun({ text: s.transcript, color: GREY, language: { value: s.tag } }),
            ],
          }),
          detailsTable(doc),
          new Paragraph({ spacing: { after: 240 }, children: [] }),
          ...turns,
        ],
      },
    ],
  });
}

/**
 * Renders a Word document (Office Open XML, ISO/IEC 29500): the file name as title, a details
 * table (duration, date, languages, engine, speakers with speaking time — the last only with
 * `speakers`), then one paragraph per turn (or per segment without `mergeTurns`): the speaker's
 * name in bold in its colour, the `HH:MM:SS` time (with `timestamps`), the language tag (with
 * `languageTags`), the text. Every run and paragraph carries its language (`w:lang` kk-KZ /
 * ru-RU) so Word checks spelling in the right language; the footer has the retention note and
 * `Page n of N`.
 * @returns the .docx bytes (a ZIP package)
 */
export async function renderDocx(doc: PreparedDocument): Promise<Buffer> {
  return Packer.toBuffer(buildDocx(doc));
}
