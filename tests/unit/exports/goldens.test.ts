/**
 * Golden files: every export format × a few option sets on the fixture transcripts
 * (`tests/fixtures/exports/`; a DOCX is compared by its `word/document.xml` and footer). After an
 * intended change, regenerate with `UPDATE_GOLDENS=1` and review the diff. Subtitles are also
 * read back by ffmpeg with the line limits checked, and every DOCX passes the OOXML structure
 * check (LibreOffice opens one in tests/e2e/exports.test.ts).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  EXPORT_FORMAT_REGISTRY,
  EXPORT_FORMATS,
  prepareDocument,
  renderExport,
  resolveExportOptions,
  renderExportFile,
  type ExportDocument,
  type ExportOptionsInput,
} from '../../../src/exports/index.js';
import { REPO_ROOT } from '../../helpers/repo-root.js';
import {
  docxParts,
  fixtureDocument,
  ooxmlProblems,
  srtCueLines,
} from '../../helpers/export-docs.js';

const run = promisify(execFile);
const GOLDEN_DIR = path.join(REPO_ROOT, 'tests/fixtures/exports');
const UPDATE = process.env.UPDATE_GOLDENS === '1';

const DOCS: Record<string, () => ExportDocument> = {
  dialogue: () => fixtureDocument('dialogue-mono.ogg'),
  'call-renamed': () =>
    fixtureDocument(
      'call-stereo.ogg',
      { '0': 'Әлия Серікқызы', '1': 'Иван Петров' },
      'қоңырау.wav',
    ),
};

const OPTION_SETS: Record<string, ExportOptionsInput> = {
  default: {},
  latin: { script: 'KAZAKH_LATIN_2021' },
  'bgn-ru-tags': { script: 'BGN_PCGN', locale: 'ru', languageTags: true },
  'en-plain': { locale: 'en', timestamps: false, speakers: false, mergeTurns: false },
  narrow: { script: 'KAZAKH_LATIN_2021', maxLineChars: 20, maxCueSeconds: 3 },
};

/** What is compared for a format: the text, or a DOCX's document and footer XML. */
async function goldenText(doc: ExportDocument, format: string, options: ExportOptionsInput) {
  const spec = EXPORT_FORMAT_REGISTRY[format as keyof typeof EXPORT_FORMAT_REGISTRY];
  if (!spec.binary) return { ext: spec.extension, text: renderExport(doc, spec.id, options) };
  const file = await renderExportFile(doc, spec.id, options);
  const parts = docxParts(file.body as Buffer);
  expect(ooxmlProblems(parts)).toEqual([]);
  const footer = [...parts.keys()].find((k) => /^word\/footer\d*\.xml$/.test(k))!;
  const pretty = (xml: string) => xml.replace(/></g, '>\n<');
  const text = `${pretty(parts.get('word/document.xml')!)}\n<!-- ${footer} -->\n${pretty(parts.get(footer)!)}\n`;
  return { ext: 'docx.xml', text };
}

const cases = Object.keys(DOCS).flatMap((d) =>
  Object.keys(OPTION_SETS).flatMap((o) => EXPORT_FORMATS.map((f) => [d, o, f] as const)),
);

test.each(cases)('%s × %s × %s matches its golden file', async (docName, optionsName, format) => {
  const { ext, text } = await goldenText(DOCS[docName](), format, OPTION_SETS[optionsName]);
  const file = path.join(GOLDEN_DIR, `${docName}.${optionsName}.${ext}`);
  if (UPDATE || !fs.existsSync(file)) {
    if (!UPDATE) throw new Error(`missing golden ${file}: run with UPDATE_GOLDENS=1`);
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, text);
  }
  expect(text).toBe(fs.readFileSync(file, 'utf8'));
});

test('a DOCX renders the same XML every time (goldens are meaningful)', async () => {
  const a = await goldenText(DOCS.dialogue(), 'DOCX', OPTION_SETS.latin);
  const b = await goldenText(DOCS.dialogue(), 'DOCX', OPTION_SETS.latin);
  expect(a.text).toBe(b.text);
});

describe('ffmpeg reads the subtitles back within the line limits', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kazru-subs-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A long Kazakh monologue: all four utterances in one 40 s segment. */
  const long = (): ExportDocument => {
    const d = fixtureDocument('dialogue-mono.ogg', { '0': 'Әлия Серікқызы' });
    const text = Array.from({ length: 3 }, () => d.segments.map((s) => s.text).join(' ')).join(' ');
    return {
      ...d,
      segments: [{ ...d.segments[0], start: 1, end: 41, text, words: [], language: 'kk-KZ' }],
    };
  };

  test.each([
    ['SRT', 'srt', {}, 42],
    ['SRT', 'srt', { script: 'KAZAKH_LATIN_2021', maxLineChars: 32, maxCueSeconds: 4 }, 32],
    ['VTT', 'webvtt', {}, 42],
    ['VTT', 'webvtt', { script: 'BGN_PCGN', maxLineChars: 24 }, 24],
  ] as const)(
    '%s %j: every cue parsed, ≤ 2 lines of ≤ the limit',
    async (format, demuxer, options, limit) => {
      const body = renderExport(long(), format, options);
      const ours = srtCueLines(body.replace(/^WEBVTT\n\n/, ''));
      const file = path.join(dir, `long.${format.toLowerCase()}`);
      await writeFile(file, body);
      const { stdout, stderr } = await run('ffmpeg', [
        '-nostdin',
        '-v',
        'error',
        '-f',
        demuxer,
        '-i',
        file,
        '-f',
        'srt',
        '-',
      ]);
      expect(stderr).toBe('');
      const parsed = srtCueLines(stdout).map((lines) =>
        lines.map((l) => l.replace(/<[^>]+>/g, '')),
      );
      expect(parsed).toHaveLength(ours.length);
      expect(parsed.length).toBeGreaterThan(5);
      const cueSeconds = [
        ...stdout.matchAll(/(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})/g),
      ].map((m) => {
        const t = (h: string, mi: string, s: string, ms: string) =>
          +h * 3600 + +mi * 60 + +s + +ms / 1000;
        return t(m[5], m[6], m[7], m[8]) - t(m[1], m[2], m[3], m[4]);
      });
      const maxSeconds = 'maxCueSeconds' in options ? options.maxCueSeconds : 7;
      for (const [i, lines] of parsed.entries()) {
        expect({ i, lines: lines.length }).toEqual({
          i,
          lines: lines.length <= 2 ? lines.length : -1,
        });
        for (const line of lines) expect([...line].length).toBeLessThanOrEqual(limit);
        expect(cueSeconds[i]).toBeLessThanOrEqual(maxSeconds + 0.001);
      }
      // Nothing lost: the cues hold every word of the segment, in order, once.
      const prepared = prepareDocument(long(), resolveExportOptions(options));
      const label = `${prepared.segments[0].speakerLabel}: `;
      const shown = parsed
        .map((l) => l.join(' '))
        .map((t) => (t.startsWith(label) ? t.slice(label.length) : t));
      expect(shown.join(' ')).toBe(prepared.segments[0].text);
    },
  );
});

test('the OOXML structure check has teeth', async () => {
  const file = await renderExportFile(DOCS.dialogue(), 'DOCX');
  const parts = docxParts(file.body as Buffer);
  expect(ooxmlProblems(parts)).toEqual([]);
  const broken = new Map(parts);
  broken.delete('word/styles.xml');
  broken.set('word/footer1.xml', parts.get('word/footer1.xml')!.replace('</w:ftr>', ''));
  broken.set('[Content_Types].xml', parts.get('[Content_Types].xml')!.replace(/main\+xml/, 'x'));
  expect(ooxmlProblems(broken)).toEqual([
    'word/footer1.xml is not well-formed',
    'word/_rels/document.xml.rels points at missing word/styles.xml',
    'the main part word/document.xml is not typed as a WordprocessingML document',
  ]);
});
