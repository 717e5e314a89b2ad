/**
 * The web client in headless Chromium against the real api + worker (SpeechKit double), the way
 * a person uses it: limits shown before upload, upload with live progress, transcript with
 * speakers, colours, times and languages, inline rename, SRT download, seek and highlight while
 * playing, a rejected file, reconnection after the network drops, Russian UI and a phone screen.
 * The page is loaded through a TCP proxy so the test can cut the network under it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import {
  clientIsBuilt,
  clock,
  foreignRequests,
  launchBrowser,
  until,
  type BrowserSession,
} from '../helpers/browser.js';
import { FIXTURES_DIR, manifest, startTestApp, type TestApp } from '../helpers/harness.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

let t: TestApp;
let proxy: TcpProxy;
let b: BrowserSession;
let origin: string;
let tmp: string;
let jobId = '';
/** Console errors Chromium logs itself while the test has cut the network on purpose. */
const outageErrors: string[] = [];

/** The parts of the DOM the page functions below use (this file compiles without the DOM lib). */
interface AudioLike {
  currentTime: number;
  paused: boolean;
  pause(): void;
  addEventListener(type: string, fn: () => void, opts?: { once: boolean }): void;
  setAttribute(name: string, value: string): void;
}
interface AttrLike {
  getAttribute(name: string): string | null;
}
declare const document: { documentElement: { lang: string; scrollWidth: number } };
declare function getComputedStyle(el: unknown): { color: string };

const DIALOGUE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const m = manifest('dialogue-mono.ogg');

beforeAll(async () => {
  if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
  // More polls of the SpeechKit double keep a job running for a few seconds, long enough to see
  // progress move and to cut the network in the middle.
  t = await startTestApp({}, { pollsUntilDone: 15 });
  proxy = await startTcpProxy({ port: t.app.api!.port });
  origin = `http://127.0.0.1:${proxy.port}`;
  b = await launchBrowser({ locale: 'kk-KZ' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-client-'));
}, 60_000);

afterAll(async () => {
  await b?.close();
  await proxy?.close();
  await t?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const jobRow = (name: string): Locator =>
  b.page.locator('kazru-job-list li[data-job-id]').filter({ hasText: name });
const progressOf = async (row: Locator) =>
  Number(await row.locator('[role=progressbar]').getAttribute('aria-valuenow'));
const segments = () => b.page.locator('kazru-transcript .seg');
const audio = () => b.page.locator('kazru-transcript audio');

test('the upload screen shows the limits from serviceInfo before anything is sent', async () => {
  const { page } = b;
  await page.goto(origin);
  const limits = page.locator('kazru-upload [data-testid=limits]');
  await limits.waitFor();
  const text = (await limits.textContent())!;
  expect(t.config.maxUploadBytes).toBe(500 * 1024 * 1024);
  expect(text).toContain('500 MB');
  expect(text).toContain('4 сағ'); // 4 hours, in Kazakh
  expect(text).toContain('24 сағ'); // retention
  expect(text).toMatch(/WAV.*MP3.*OGG/);
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('kk');
  await page.locator('kazru-job-list').getByText('Әзірге жұмыс жоқ').waitFor();
  await b.screenshot('1-upload');
});

test('uploading a recording: progress reaches 100 % live and the job reads completed', async () => {
  const { page } = b;
  await page.locator('kazru-upload input[type=file]').setInputFiles(DIALOGUE);
  const row = jobRow('dialogue-mono.ogg');
  await row.waitFor();
  jobId = (await row.getAttribute('data-job-id'))!;
  await b.screenshot('2-jobs-progress');
  // The upload's own bar (bytes sent) is full and the file is marked accepted.
  const file = page.locator('kazru-upload li[data-file="dialogue-mono.ogg"]');
  expect(await file.locator('[role=progressbar]').getAttribute('aria-valuenow')).toBe('100');
  await row.locator('[role=progressbar][aria-valuenow="100"]').waitFor({ timeout: 50_000 });
  await row.locator('.status', { hasText: 'Дайын' }).waitFor();
  expect(await row.getAttribute('data-status')).toBe('COMPLETED');
  expect(await row.textContent()).toMatch(/Ұзақтығы: 0:2\d/);
  expect(await row.textContent()).toMatch(/\d+ сағ( \d+ мин)? кейін жойылады/);
  // Progress came over the WebSocket: the page never polls.
  expect(b.requests.some((u) => u.startsWith(`ws://127.0.0.1:${proxy.port}/graphql`))).toBe(true);
  await b.screenshot('2-jobs-completed');
}, 60_000);

test('the transcript shows both speakers, the texts in order, start times and colours', async () => {
  const { page } = b;
  await jobRow('dialogue-mono.ogg').getByRole('link', { name: 'Мәтінді ашу' }).click();
  await page.waitForURL(`${origin}/#/jobs/${jobId}`);
  await segments()
    .nth(m.utterances.length - 1)
    .waitFor();
  expect(await segments().count()).toBe(m.utterances.length);
  expect(await page.locator('kazru-transcript .seg .text').allTextContents()).toEqual(
    m.utterances.map((u) => u.text),
  );
  for (let i = 0; i < m.utterances.length; i++) {
    const seg = segments().nth(i);
    const start = Number(await seg.getAttribute('data-start'));
    expect(Math.abs(start - m.utterances[i].startMs / 1000)).toBeLessThan(0.4);
    expect(await seg.locator('.time').textContent()).toBe(clock(start));
    expect(await seg.locator('.badge').textContent()).toBe(
      m.utterances[i].language === 'kk-KZ' ? 'қаз' : 'орыс',
    );
  }
  const names = await page.locator('kazru-transcript .seg .speaker-name').allTextContents();
  expect(names).toEqual(['Speaker 1', 'Speaker 2', 'Speaker 1', 'Speaker 2']);
  const colours = await page
    .locator('kazru-transcript .seg .speaker-name')
    .evaluateAll((els) => els.map((e) => getComputedStyle(e).color));
  expect(colours[0]).not.toBe(colours[1]);
  expect(colours[0]).toBe(colours[2]);
  expect(colours[1]).toBe(colours[3]);
  // The player loads the recognised audio through the job's signed link (no header needed).
  expect(await audio().getAttribute('src')).toMatch(
    new RegExp(`^/api/v1/jobs/${jobId}/audio\\?token=[\\w.-]+$`),
  );
  await b.screenshot('3-transcript');
});

test('renaming a speaker inline shows the name at once and the SRT download carries it', async () => {
  const { page } = b;
  const view = page.locator('kazru-transcript');
  // Escape cancels without saving.
  await view.locator('button[data-rename]').first().click();
  await view.locator('input.rename').fill('Болмайды');
  await view.locator('input.rename').press('Escape');
  await view.locator('input.rename').waitFor({ state: 'detached' });
  expect(await view.locator('.seg .speaker-name').first().textContent()).toBe('Speaker 1');
  // An empty name is refused in words.
  await view.locator('button[data-rename]').first().click();
  await view.locator('input.rename').fill('   ');
  await view.locator('input.rename').press('Enter');
  await view.getByRole('alert').getByText('Ат бос болмауы керек.').waitFor();
  // Enter saves.
  await view.locator('input.rename').fill('Әйгерім');
  await view.locator('input.rename').press('Enter');
  await view.locator('.seg .speaker-name', { hasText: 'Әйгерім' }).nth(1).waitFor();
  expect(await view.locator('.seg .speaker-name').allTextContents()).toEqual([
    'Әйгерім',
    'Speaker 2',
    'Әйгерім',
    'Speaker 2',
  ]);
  expect(await view.locator('.speakers .speaker-name').allTextContents()).toEqual([
    'Әйгерім',
    'Speaker 2',
  ]);
  await b.screenshot('4-renamed');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    view.locator('button[data-export=srt]').click(),
  ]);
  expect(download.suggestedFilename()).toBe('dialogue-mono.srt');
  const srt = fs.readFileSync(await download.path(), 'utf8');
  expect(srt).toContain('Әйгерім: Сәлеметсіз бе');
  // Default labels and headers follow the page's language (Kazakh here).
  expect(srt).toContain('Сөйлеуші 2: Здравствуйте');

  // Kazakh Latin: the preview shows it at once, the DOCX carries it and says so in its name.
  await view.locator('select[data-option=script]').selectOption('KAZAKH_LATIN_2021');
  const preview = view.getByTestId('export-preview');
  await preview.getByText('Sälemetsız be', { exact: false }).waitFor();
  const shown = (await preview.textContent())!.replace(/\s+/g, ' ');
  expect(shown).toContain('Äigerım: Sälemetsız be'); // renamed, speaks Kazakh: Latin
  expect(shown).toContain('Söileuşı 2: Здравствуйте'); // default label; Russian stays Cyrillic
  await b.screenshot('4b-export-latin');
  const [docx] = await Promise.all([
    page.waitForEvent('download'),
    view.locator('button[data-export=docx]').click(),
  ]);
  expect(docx.suggestedFilename()).toBe('dialogue-mono-latn.docx');
  expect(
    fs
      .readFileSync(await docx.path())
      .subarray(0, 2)
      .toString(),
  ).toBe('PK');
  await view.locator('input[data-option=timestamps]').uncheck();
  const [txt] = await Promise.all([
    page.waitForEvent('download'),
    view.locator('button[data-export=txt]').click(),
  ]);
  const text = fs.readFileSync(await txt.path(), 'utf8');
  expect(text).toMatch(/^Transkript: dialogue-mono\.ogg\n/);
  expect(text).toContain('\nÄigerım: Sälemetsız be');
  expect(text).not.toMatch(/\[\d\d:\d\d:\d\d\]/);
});

test('the play button seeks the audio; the playing segment is highlighted', async () => {
  const third = segments().nth(2);
  const start = Number(await third.getAttribute('data-start'));
  await audio().evaluate((a: AudioLike) => {
    a.addEventListener('seeked', () => a.setAttribute('data-seeked-at', String(a.currentTime)), {
      once: true,
    });
  });
  await third.locator('.play').click();
  const seekedAt = Number(
    await until('the audio to seek', () => audio().getAttribute('data-seeked-at')),
  );
  expect(Math.abs(seekedAt - start)).toBeLessThan(0.3);
  expect(await third.getAttribute('aria-current')).toBe('true');

  // It plays on from there; after pausing, the highlight matches the position.
  await until(
    'playback to move past the segment start',
    () =>
      audio().evaluate(
        (a: AudioLike, from: number) => !a.paused && a.currentTime > from + 0.4,
        start,
      ),
    15_000,
  );
  await audio().evaluate((a: AudioLike) => a.pause());
  const now = await audio().evaluate((a: AudioLike) => a.currentTime);
  // [start, end, highlighted] of every segment as the page shows them.
  const shown = () =>
    segments().evaluateAll((els: AttrLike[]) =>
      els.map(
        (e) =>
          [
            Number(e.getAttribute('data-start')),
            Number(e.getAttribute('data-end')),
            e.getAttribute('aria-current') === 'true',
          ] as const,
      ),
    );
  const playing = (await shown()).findIndex(([s, e]) => s <= now && now < e);
  expect(playing).toBe(2);
  await until('the highlight to follow playback', async () =>
    (await shown()).every(([, , on], i) => on === (i === playing)),
  );
  await b.screenshot('3b-transcript-playing');
  expect(await b.page.locator('kazru-transcript .seg.active').count()).toBe(1);

  // Keyboard: Enter on the first segment's play button seeks there too.
  await segments().nth(0).locator('.play').focus();
  await b.page.keyboard.press('Enter');
  await until('seek by keyboard', () => audio().evaluate((a: AudioLike) => a.currentTime < 2));
  await audio().evaluate((a: AudioLike) => a.pause());
});

test('a file that is not audio shows the server message next to its name', async () => {
  const { page } = b;
  const content = Buffer.from('Бұл аудио емес. This is not audio.\n'.repeat(40));
  const notes = path.join(tmp, 'notes.wav');
  fs.writeFileSync(notes, content);
  // What the server says about this file, asked directly.
  const direct = await t.upload(notes);
  const [error] = direct.errors as { message: string; extensions: { reason?: string } }[];
  const message = error.message;
  expect(error.extensions.reason).toBe('MEDIA_NOT_AUDIO');

  await page.locator('kazru-app').getByRole('link', { name: 'Барлық жұмыстар' }).click();
  await page.locator('kazru-upload input[type=file]').setInputFiles(notes);
  const entry = page.locator('kazru-upload li[data-file="notes.wav"]');
  await entry.locator('[role=alert]').waitFor();
  expect(await entry.locator('.name').textContent()).toBe('notes.wav');
  expect(await entry.locator('[role=alert]').textContent()).toBe(message);
  // The rest of the page is intact: no job was added for it.
  await jobRow('dialogue-mono.ogg').waitFor();
  expect(await jobRow('notes.wav').count()).toBe(0);
  await b.screenshot('5-rejected-file');

  // A file over the size limit is refused before anything is sent. (The limit is lowered in the
  // page for this: a real 500 MB file would only slow the test down.)
  const upload = page.locator('kazru-upload');
  await upload.evaluate((el: { info: { maxUploadBytes: number } }) => {
    el.info = { ...el.info, maxUploadBytes: 10_000 };
  });
  const posts = b.requests.length;
  await page.locator('kazru-upload input[type=file]').setInputFiles({
    name: 'big.ogg',
    mimeType: 'audio/ogg',
    buffer: fs.readFileSync(DIALOGUE),
  });
  const big = page.locator('kazru-upload li[data-file="big.ogg"] [role=alert]');
  await big.waitFor();
  expect(await big.textContent()).toBe('Файл тым үлкен (49 KB). Ең үлкен көлем — 9.8 KB.');
  expect(b.requests.slice(posts).filter((u) => u.endsWith('/graphql'))).toEqual([]);
  await upload.evaluate((el: { info: { maxUploadBytes: number } }) => {
    el.info = { ...el.info, maxUploadBytes: 500 * 1024 * 1024 };
  });
});

test('live progress survives a network outage: the page reconnects and catches up', async () => {
  const { page } = b;
  await page.locator('kazru-upload input[type=file]').setInputFiles({
    name: 'reconnect.ogg',
    mimeType: 'audio/ogg',
    buffer: fs.readFileSync(DIALOGUE),
  });
  const row = jobRow('reconnect.ogg');
  await row.waitFor();
  const before = await progressOf(row);
  expect(before).toBeLessThan(100);
  // One job of this engine has been measured: the row says when this one will be ready.
  await row.locator('.eta', { hasText: /^Шамамен \d+ минутта дайын болады$/ }).waitFor();

  const errorsBefore = b.consoleErrors.length;
  proxy.block();
  await page.locator('kazru-app [data-testid=reconnecting]').waitFor({ timeout: 15_000 });
  await b.screenshot('6-reconnecting');
  proxy.resume();
  await page.locator('kazru-app [data-testid=reconnecting]').waitFor({
    state: 'detached',
    timeout: 20_000,
  });
  // Chromium itself logs the failed WebSocket handshakes while the network is cut; nothing else
  // may appear, and outside the outage nothing at all (checked at the end).
  outageErrors.push(...b.consoleErrors.splice(errorsBefore));
  for (const e of outageErrors) expect(e).toMatch(/WebSocket connection to .* failed/);

  await row.locator('[role=progressbar][aria-valuenow="100"]').waitFor({ timeout: 50_000 });
  await row.locator('.status', { hasText: 'Дайын' }).waitFor();
  // The first job is still listed, as completed.
  expect(await jobRow('dialogue-mono.ogg').getAttribute('data-status')).toBe('COMPLETED');
}, 90_000);

test('while the server cannot be reached the page says so, then retries by itself', async () => {
  const { page } = b;
  const errorsBefore = b.consoleErrors.length;
  proxy.block();
  await page.goto(`${origin}/#/jobs/${jobId}`);
  const alert = page.locator('kazru-transcript [role=alert]');
  await alert.waitFor({ timeout: 15_000 });
  expect(await alert.textContent()).toContain('Серверге қосылу мүмкін болмады');
  await b.screenshot('6b-server-unreachable');
  proxy.resume();
  await segments().nth(3).waitFor({ timeout: 20_000 });
  await page.locator('kazru-app [data-testid=reconnecting]').waitFor({
    state: 'detached',
    timeout: 20_000,
  });
  // Chromium logs the refused requests itself (failed WebSocket handshakes and fetches).
  outageErrors.push(...b.consoleErrors.splice(errorsBefore));
  for (const e of outageErrors) {
    expect(e).toMatch(/WebSocket connection to .* failed|Failed to load resource|net::ERR_/);
  }
}, 45_000);

test('Russian interface: labels switch, the choice is remembered, Kazakh text is intact', async () => {
  const { page } = b;
  await page.goto(`${origin}/#/`);
  await page.locator('kazru-app button[lang=ru]').click();
  await page.locator('kazru-upload h2', { hasText: 'Загрузка записи' }).waitFor();
  await page.locator('kazru-job-list h2', { hasText: 'Задания' }).waitFor();
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('ru');
  expect(await page.locator('kazru-upload [data-testid=limits]').textContent()).toContain('4 ч');
  await page.reload();
  await page.locator('kazru-upload h2', { hasText: 'Загрузка записи' }).waitFor();

  await page.goto(`${origin}/#/jobs/${jobId}`);
  await segments().nth(3).waitFor();
  const texts = await page.locator('kazru-transcript .seg .text').allTextContents();
  expect(texts[0]).toBe('Сәлеметсіз бе, байланыс орталығы. Сізге қалай көмектесе аламын?');
  expect(texts.join(' ')).toMatch(/[әғқңөұүһі]/);
  expect(await page.locator('kazru-transcript .badge').allTextContents()).toEqual([
    'каз',
    'рус',
    'каз',
    'рус',
  ]);
  await page.locator('kazru-transcript button[data-export=srt]', { hasText: 'SRT' }).waitFor();
  await page.locator('kazru-transcript').getByText('Скачать:').waitFor();
  await b.screenshot('7-russian-transcript');

  await page.goto(`${origin}/#/jobs/no-such-job`);
  await page.locator('kazru-transcript [data-testid=not-found]').waitFor();
  expect(await page.locator('kazru-transcript [data-testid=not-found]').textContent()).toContain(
    'Задание не найдено',
  );
  await b.screenshot('8-not-found');
});

test('a phone-sized screen (390×844) has no horizontal scroll', async () => {
  const { page } = b;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${origin}/#/jobs/${jobId}`);
  await segments().nth(3).waitFor();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await b.screenshot('9-phone-transcript');
  await page.goto(`${origin}/#/`);
  await jobRow('reconnect.ogg').waitFor();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await b.screenshot('9-phone-home');
});

test('deleting a job asks first, then removes it', async () => {
  const { page } = b;
  const row = jobRow('reconnect.ogg');
  await row.getByRole('button', { name: /reconnect\.ogg/ }).click();
  await row.getByText('Удалить «reconnect.ogg»?', { exact: false }).waitFor();
  await row.getByRole('button', { name: 'Нет' }).click();
  await row.getByRole('button', { name: 'Да, удалить' }).waitFor({ state: 'detached' });
  await row.getByRole('button', { name: /reconnect\.ogg/ }).click();
  await row.getByRole('button', { name: 'Да, удалить' }).click();
  await row.waitFor({ state: 'detached' });
  const left = await t.gql<{ jobs: { totalCount: number } }>('{ jobs { totalCount } }');
  expect(left.data?.jobs.totalCount).toBe(1);
  await page.reload();
  await jobRow('dialogue-mono.ogg').waitFor();
  expect(await jobRow('reconnect.ogg').count()).toBe(0);
});

test('nothing left the machine and the page logged no errors', () => {
  expect(foreignRequests(b.requests, origin)).toEqual([]);
  expect(b.consoleErrors).toEqual([]);
});
