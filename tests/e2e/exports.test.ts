/**
 * Exports over the real API (AUTH_MODE=api-key, SQLite, real HTTP): options as query parameters
 * and as GraphQL input, refusals that list the allowed values, DOCX through a signed exportUrl,
 * file names with Kazakh letters and the script, and the downloaded DOCX opened by LibreOffice
 * (headless, to PDF; the PDF's text checked with pdftotext). The first page is also written to
 * `test-artifacts/exports/` as PNG for a look by eye.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { seedCompletedJob } from '../helpers/long-transcript.js';
import { convertDocxToPdf, docxParts, ooxmlProblems, pdfToPng } from '../helpers/export-docs.js';

const FILENAME = 'Қазақ тілі — диалог.ogg';
let t: TestApp;
let key: string;
let jobId: string;

beforeAll(async () => {
  t = await startTestApp({ ROLES: 'api', AUTH_MODE: 'api-key' });
  key = await t.createTenantKey('acme');
  const em = t.app.resources.orm.em.fork();
  ({ jobId } = await seedCompletedJob(em, 21, { tenantId: 'acme', filename: FILENAME }));
}, 60_000);
afterAll(async () => t?.close());

const auth = () => ({ authorization: `Bearer ${key}` });
const download = (query: string, format = 'txt', headers: Record<string, string> = auth()) =>
  fetch(`${t.url}/api/v1/jobs/${jobId}/export/${format}${query}`, { headers });
const exportQuery = `query($id: ID!, $f: ExportFormat!, $o: ExportOptionsInput) {
  job(id: $id) { transcript { export(format: $f, options: $o) } } }`;
const urlQuery = `query($id: ID!, $f: ExportFormat!, $o: ExportOptionsInput) {
  job(id: $id) { audioUrl transcript { exportUrl(format: $f, options: $o) } } }`;

describe('GET /api/v1/jobs/{id}/export/{format} with options', () => {
  test('script, timestamps and locale as query parameters; the name carries the script', async () => {
    const res = await download('?script=kazakh-latin-2021&timestamps=false&locale=ru');
    expect(res.status).toBe(200);
    const cd = res.headers.get('content-disposition')!;
    expect(cd).toContain(`filename*=UTF-8''${encodeURIComponent('Қазақ тілі — диалог')}-latn.txt`);
    const txt = await res.text();
    expect(txt).toMatch(/^Расшифровка: Қазақ тілі — диалог\.ogg\nДлительность: 00:00:21\n/);
    expect(txt).toContain('\nСпикер 1: Sälemetsız be, bailanys ortalyğy.');
    expect(txt).toContain('\nСпикер 2: Здравствуйте.'); // Russian stays Cyrillic
    expect(txt).not.toMatch(/\[\d\d:\d\d:\d\d\]/);
  });

  test('defaults: Kazakh headers and labels, original script, plain name', async () => {
    const res = await download('', 'tsv');
    expect(res.headers.get('content-type')).toBe('text/tab-separated-values; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain(
      `${encodeURIComponent('Қазақ тілі — диалог')}.tsv`,
    );
    const rows = (await res.text()).trimEnd().split('\n');
    expect(rows[0]).toBe('start\tend\tspeaker\ttext');
    expect(rows[1]).toBe(
      '00:00:00.500\t00:00:05.695\tСөйлеуші 1\tСәлеметсіз бе, байланыс орталығы. Сізге қалай көмектесе аламын?',
    );
  });

  test.each([
    ['?script=cyrillic', /script=cyrillic.*original, kazakh-latin-2021, bgn-pcgn/],
    ['?locale=de', /locale "de".*kk, ru, en/],
    ['?timestamps=maybe', /timestamps=true or timestamps=false/],
    ['?maxLineChars=500', /maxLineChars.*16 to 120/],
    ['?maxCueSeconds=abc', /maxCueSeconds.*1 to 30/],
    ['?colour=red', /Unknown export option "colour".*script, timestamps/],
    ['?script=bgn-pcgn&script=original', /once/],
  ])('%s is a 400 that says what is allowed', async (query, message) => {
    const res = await download(query, 'srt');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; reason: string; message: string } };
    expect(body.error).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_EXPORT_OPTION' });
    expect(body.error.message).toMatch(message);
  });

  test('an unknown format lists the formats', async () => {
    const res = await download('', 'pdf');
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toMatch(/txt, docx, srt, vtt, tsv, json/);
  });

  test('SRT keeps the line limit given', async () => {
    const srt = await (await download('?maxLineChars=24&maxCueSeconds=3', 'srt')).text();
    const lines = srt.split('\n').filter((l) => l && !/^\d+$/.test(l) && !l.includes('-->'));
    expect(lines.length).toBeGreaterThan(8);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(24);
  });
});

describe('GraphQL', () => {
  test('export with options; DOCX is refused with a pointer to exportUrl', async () => {
    const r = await t.gql(
      exportQuery,
      { id: jobId, f: 'VTT', o: { script: 'BGN_PCGN', languageTags: true, locale: 'en' } },
      { apiKey: key },
    );
    const vtt = r.data.job.transcript.export as string;
    expect(vtt).toContain('<v Speaker 1><lang kk-KZ>Sälemetsiz be, baylanys ortalyghy.');
    const docx = await t.gql(exportQuery, { id: jobId, f: 'DOCX' }, { apiKey: key });
    expect(docx.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'BINARY_FORMAT',
    });
    expect(docx.errors[0].message).toMatch(/exportUrl/);
    const bad = await t.gql(
      exportQuery,
      { id: jobId, f: 'TXT', o: { locale: 'fr' } },
      { apiKey: key },
    );
    expect(bad.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(bad.errors[0].message).toMatch(/kk, ru, en/);
    const enumBad = await t.gql(
      exportQuery,
      { id: jobId, f: 'TXT', o: { script: 'CYRILLIC' } },
      { apiKey: key },
    );
    expect(enumBad.errors[0].message).toMatch(/Script/);
  });

  test('serviceInfo lists the registry formats and the scripts', async () => {
    const r = await t.gql(
      '{ serviceInfo { exportFormats { format extension binary } exportScripts { script param fileSuffix } } }',
      {},
      { apiKey: key },
    );
    expect(r.data.serviceInfo.exportFormats.map((f: any) => f.extension)).toEqual([
      'txt',
      'docx',
      'srt',
      'vtt',
      'tsv',
      'json',
    ]);
    expect(r.data.serviceInfo.exportScripts).toContainEqual({
      script: 'KAZAKH_LATIN_2021',
      param: 'kazakh-latin-2021',
      fileSuffix: 'latn',
    });
  });

  test('exportUrl downloads a DOCX without a header that LibreOffice opens, Kazakh in Latin', async () => {
    const r = await t.gql(
      urlQuery,
      { id: jobId, f: 'DOCX', o: { script: 'KAZAKH_LATIN_2021' } },
      { apiKey: key },
    );
    const url = r.data.job.transcript.exportUrl as string;
    expect(url).toMatch(/^\/api\/v1\/jobs\/[^/]+\/export\/docx\?script=kazakh-latin-2021&token=/);
    const res = await fetch(`${t.url}${url}`); // no Authorization header
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(res.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''${encodeURIComponent('Қазақ тілі — диалог')}-latn.docx`,
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    const parts = docxParts(bytes);
    expect(ooxmlProblems(parts)).toEqual([]);
    const xml = parts.get('word/document.xml')!;
    expect(xml).toContain('w:val="kk-KZ"');
    expect(xml).toContain('w:val="ru-RU"');

    const { text, pdf, ms } = await convertDocxToPdf(bytes);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Қазақ тілі — диалог.ogg'); // the title is the file name, as uploaded
    expect(flat).toContain('Söileuşı 1 00:00:00');
    expect(flat).toContain('Sälemetsız be, bailanys ortalyğy. Sızge qalai kömektese alamyn?');
    expect(flat).toContain('Здравствуйте. У меня со вчерашнего дня не работает интернет.');
    expect(flat).toMatch(/Ūzaqtyğy 00:00:21/);
    expect(flat).toMatch(/24 sağattan soñ serverden joiylady/);
    expect(flat).toMatch(/1 \/ 1 bet/);
    const dir = path.resolve('test-artifacts', 'exports');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'dialogue-latn.docx'), bytes);
    await pdfToPng(pdf, path.join(dir, 'dialogue-latn'));
    console.log(`LibreOffice converted the DOCX in ${ms} ms`);
  }, 120_000);

  test('an export link opens exports of its job only, and an audio link opens no export', async () => {
    const r = await t.gql(urlQuery, { id: jobId, f: 'SRT' }, { apiKey: key });
    const url = r.data.job.transcript.exportUrl as string;
    expect(url).toMatch(/\/export\/srt\?token=/);
    const token = new URL(url, t.url).searchParams.get('token')!;
    const audioToken = new URL(r.data.job.audioUrl as string, t.url).searchParams.get('token')!;
    expect((await download(`?token=${token}`, 'srt', {})).status).toBe(200);
    expect((await download(`?token=${audioToken}`, 'srt', {})).status).toBe(401);
    expect((await download('', 'srt', {})).status).toBe(401);
    const other = `${t.url}/api/v1/jobs/00000000-0000-4000-8000-000000000000/export/srt?token=${token}`;
    expect((await fetch(other)).status).toBe(401);
  });
});
