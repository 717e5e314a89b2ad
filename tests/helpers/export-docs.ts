/**
 * Export test helpers: ExportDocuments built from the fixture manifests (what the pipeline would
 * store for them, without running it), the DOCX package's parts, a cheap OOXML structure check,
 * LibreOffice/poppler conversions, and SRT cue parsing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { strFromU8, unzipSync } from 'fflate';
import type { ExportDocument, ExportSegment } from '../../src/exports/index.js';
import { manifest } from './harness.js';

const run = promisify(execFile);

/**
 * The export document of a fixture recording as the pipeline stores it: one segment per
 * utterance, word timings spread over it by word length, speakers `Speaker N` not renamed
 * (unless `rename` gives a speaker tag a label).
 */
export function fixtureDocument(
  file: string,
  rename: Record<string, string> = {},
  filename = 'Қазақ тілі — диалог.ogg',
): ExportDocument {
  const m = manifest(file);
  const segments: ExportSegment[] = m.utterances.map((u, index) => {
    const start = u.startMs / 1000;
    const end = u.endMs / 1000;
    const tokens = u.text.split(' ');
    const total = tokens.reduce((n, w) => n + w.length, 0);
    let at = start;
    const words = tokens.map((text) => {
      const len = ((end - start) * text.length) / total;
      const w = {
        text,
        start: Math.round(at * 1000) / 1000,
        end: Math.round((at + len) * 1000) / 1000,
      };
      at += len;
      return w;
    });
    return {
      index,
      speakerTag: String(u.speaker),
      speakerLabel: `Speaker ${u.speaker + 1}`,
      start,
      end,
      text: u.text,
      language: u.language,
      words,
    };
  });
  const tags = [...new Set(segments.map((s) => s.speakerTag))];
  return {
    jobId: '5f0c3a5e-0000-4000-8000-000000000013',
    filename,
    durationSeconds: m.durationSeconds,
    languages: [...new Set(m.utterances.map((u) => u.language))],
    speakers: tags.map((tag, ordinal) => {
      const own = segments.filter((s) => s.speakerTag === tag);
      return {
        tag,
        label: rename[tag] ?? `Speaker ${ordinal + 1}`,
        speakingSeconds: Math.round(own.reduce((n, s) => n + s.end - s.start, 0) * 1000) / 1000,
        segmentCount: own.length,
        ordinal,
        renamed: tag in rename,
      };
    }),
    segments: segments.map((s) => ({ ...s, speakerLabel: rename[s.speakerTag] ?? s.speakerLabel })),
    createdAt: new Date('2026-03-21T09:30:00.000Z'),
    completedAt: new Date('2026-03-21T09:31:10.000Z'),
    engine: 'Yandex SpeechKit',
    retentionHours: 24,
  };
}

/** The parts of a .docx (ZIP) package by path, as text. */
export function docxParts(bytes: Uint8Array): Map<string, string> {
  const files = unzipSync(bytes);
  return new Map(Object.entries(files).map(([name, data]) => [name, strFromU8(data)]));
}

/** Whether `xml` is well-formed as far as element nesting goes (tags balanced, one root). */
function balanced(xml: string): boolean {
  const body = xml
    .replace(/<\?[\s\S]*?\?>/g, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const stack: string[] = [];
  let roots = 0;
  for (const m of body.matchAll(/<(\/?)([A-Za-z_][\w.:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (close) {
      if (stack.pop() !== name) return false;
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  return stack.length === 0 && roots === 1 && !/<(?![/?!A-Za-z_])/.test(body);
}

/**
 * Checks the Open Packaging Conventions structure of a .docx, cheaply (no schema validation):
 * `[Content_Types].xml` and `_rels/.rels` exist, the main part is a `w:document`, every part has
 * a content type (Default by extension or Override), every internal relationship target exists,
 * and every XML part is well-formed in its nesting.
 * @returns the problems found (empty when none)
 */
export function ooxmlProblems(parts: Map<string, string>): string[] {
  const problems: string[] = [];
  const types = parts.get('[Content_Types].xml');
  if (!types) return ['no [Content_Types].xml'];
  if (!parts.has('_rels/.rels')) problems.push('no _rels/.rels');
  const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1] ?? '';
  const defaults = new Set(
    [...types.matchAll(/<Default [^>]*>/g)].map((m) => attr(m[0], 'Extension').toLowerCase()),
  );
  const overrides = new Map(
    [...types.matchAll(/<Override [^>]*>/g)].map((m) => [
      attr(m[0], 'PartName').replace(/^\//, ''),
      attr(m[0], 'ContentType'),
    ]),
  );
  for (const [name, text] of parts) {
    if (name.endsWith('/')) continue;
    const ext = name.split('.').pop()!.toLowerCase();
    if (name !== '[Content_Types].xml' && !overrides.has(name) && !defaults.has(ext)) {
      problems.push(`no content type for ${name}`);
    }
    if (/\.(xml|rels)$/.test(name) && !balanced(text)) problems.push(`${name} is not well-formed`);
  }
  for (const [name, text] of parts) {
    if (!name.endsWith('.rels')) continue;
    const base = name.replace(/(^|\/)_rels\/[^/]*\.rels$/, '$1');
    for (const m of text.matchAll(/<Relationship ([^>]*)\/?>/g)) {
      if (/TargetMode="External"/.test(m[1])) continue;
      const target = /Target="([^"]+)"/.exec(m[1])?.[1] ?? '';
      const resolved = path.posix.normalize(
        target.startsWith('/') ? target.slice(1) : base + target,
      );
      if (!parts.has(resolved)) problems.push(`${name} points at missing ${resolved}`);
    }
  }
  const main = /Target="([^"]*document\.xml)"/.exec(parts.get('_rels/.rels') ?? '')?.[1];
  const mainPart = (main ?? '').replace(/^\//, '');
  if (!main || !/<w:document[\s>]/.test(parts.get(mainPart) ?? '')) {
    problems.push('the main part is not a w:document');
  } else if (!overrides.get(mainPart)?.endsWith('wordprocessingml.document.main+xml')) {
    problems.push(`the main part ${mainPart} is not typed as a WordprocessingML document`);
  }
  return problems;
}

/** What LibreOffice made of a .docx. */
export interface Converted {
  /** The PDF's text (`pdftotext -layout`). */
  text: string;
  pdf: Buffer;
  /** Milliseconds LibreOffice took. */
  ms: number;
}

/**
 * Converts a .docx to PDF with LibreOffice headless (its own profile directory, so parallel
 * runs do not share one) and extracts the PDF's text with poppler's pdftotext.
 * @throws when LibreOffice fails or writes no PDF
 */
export async function convertDocxToPdf(bytes: Uint8Array): Promise<Converted> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kazru-docx-'));
  try {
    const docx = path.join(dir, 'export.docx');
    await writeFile(docx, bytes);
    const started = Date.now();
    await run(
      'soffice',
      [
        `-env:UserInstallation=file://${dir}/profile`,
        '--headless',
        '--convert-to',
        'pdf',
        '--outdir',
        dir,
        docx,
      ],
      { timeout: 90_000 },
    );
    const ms = Date.now() - started;
    const pdfPath = path.join(dir, 'export.pdf');
    const pdf = await readFile(pdfPath);
    const { stdout } = await run('pdftotext', ['-layout', '-enc', 'UTF-8', pdfPath, '-']);
    return { text: stdout, pdf, ms };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Renders the first page of a PDF as PNG (poppler's pdftoppm) to `pngPath` (without `.png`). */
export async function pdfToPng(pdf: Buffer, pngBase: string): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kazru-pdf-'));
  try {
    const file = path.join(dir, 'doc.pdf');
    await writeFile(file, pdf);
    await run('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, pngBase]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Text lines of each cue of an SRT file (number and times line dropped). */
export function srtCueLines(srt: string): string[][] {
  return srt
    .replace(/\r\n/g, '\n')
    .split(/\n\n+/)
    .map((block) => block.split('\n'))
    .filter((lines) => lines.length >= 2 && lines[1].includes('-->'))
    .map((lines) => lines.slice(2).filter((l) => l !== ''));
}
