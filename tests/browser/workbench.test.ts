/**
 * The transcript workbench (issue 12) in headless Chromium against the real api + worker
 * (SpeechKit double) and SQLite, the way a person corrects a transcript: a word edited in place
 * (the audio pauses while typing and resumes on save) shows in the TXT export with an "edited"
 * mark, Escape cancels, a turn is given to the other speaker, a segment is split at the playback
 * position and merged back, find & replace counts before it applies (match case, whole word),
 * Ctrl+Z / Ctrl+Shift+Z undo and redo it, and the history restores the recognised transcript
 * byte for byte. The dialogue fixture is transcribed once; the tests run in order on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { clientIsBuilt, launchBrowser, until, type BrowserSession } from '../helpers/browser.js';
import {
  FIXTURES_DIR,
  manifest,
  startTestApp,
  waitForStatus,
  type TestApp,
} from '../helpers/harness.js';

let t: TestApp;
let b: BrowserSession;
let jobId = '';
/** The TXT export of the recognised transcript, before any change. */
let originalTxt = '';

const m = manifest('dialogue-mono.ogg');
const recognised = m.utterances.map((u) => u.text);

/** The parts of the DOM the page functions below use (this file compiles without the DOM lib). */
interface AudioLike {
  currentTime: number;
  paused: boolean;
  play(): Promise<void>;
  pause(): void;
}

beforeAll(async () => {
  if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
  t = await startTestApp();
  const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  jobId = up.data.uploadAudio.id;
  await waitForStatus(t, jobId, ['COMPLETED']);
  b = await launchBrowser({ locale: 'kk-KZ' });
  await b.page.goto(`${t.url}/#/jobs/${jobId}`);
  await b.page
    .locator('kazru-transcript .seg')
    .nth(recognised.length - 1)
    .waitFor();
}, 60_000);

afterAll(async () => {
  await b?.close();
  await t?.close();
});

const view = (page: Page = b.page) => page.locator('kazru-transcript');
const texts = (page: Page = b.page) => view(page).locator('.seg .text').allTextContents();
const seg = (i: number, page: Page = b.page) => view(page).locator(`.seg[data-index="${i}"]`);
const version = async (page: Page = b.page) =>
  Number((await view(page).getByTestId('version').textContent())!.replace('№', ''));
const audio = () => view().locator('audio');

/** Downloads the TXT export through the page's button. */
async function exportTxt(): Promise<string> {
  const [download] = await Promise.all([
    b.page.waitForEvent('download'),
    view().locator('button[data-export=txt]').click(),
  ]);
  return fs.readFileSync(await download.path(), 'utf8');
}

/** Waits until the page shows exactly `expected` as the segment texts. */
async function untilTexts(expected: string[], page: Page = b.page): Promise<void> {
  await until(
    `texts ${JSON.stringify(expected)}`,
    async () => JSON.stringify(await texts(page)) === JSON.stringify(expected),
    10_000,
  );
}

/** Opens the editor on segment `i` by clicking its text, types `text` and presses `key`. */
async function editText(i: number, text: string, key: 'Enter' | 'Escape', page = b.page) {
  await seg(i, page).locator('.text').click();
  const editor = seg(i, page).locator('textarea.edit');
  await editor.waitFor();
  await editor.fill(text);
  await editor.press(key);
  await editor.waitFor({ state: 'detached' });
}

test('a word edited in place shows in the TXT export; the audio pauses while typing', async () => {
  originalTxt = await exportTxt();
  expect(await texts()).toEqual(recognised);
  expect(await view().locator('.badge.edited').count()).toBe(0);
  // Playing from the first segment; typing in the second pauses it, saving resumes it.
  await seg(0).locator('.play').click();
  await until('playback', () => audio().evaluate((a: AudioLike) => !a.paused));
  const edited = recognised[1].replace('интернет', 'вайфай');
  await seg(1).locator('.text').click();
  const editor = seg(1).locator('textarea.edit');
  await editor.fill(edited);
  expect(await audio().evaluate((a: AudioLike) => a.paused)).toBe(true);
  const before = await version();
  const sent = Date.now();
  await editor.press('Enter');
  await seg(1).locator('.badge.edited').waitFor();
  console.log(`edit round trip (Enter → saved and shown): ${Date.now() - sent} ms`);
  expect(await texts()).toEqual([recognised[0], edited, ...recognised.slice(2)]);
  expect(await version()).toBe(before + 1);
  await until('playback to resume', () => audio().evaluate((a: AudioLike) => !a.paused));
  await audio().evaluate((a: AudioLike) => a.pause());
  // Focus is back on the text, so the keyboard carries on from there.
  const focused = (el: { matches(selector: string): boolean }) => el.matches(':focus');
  expect(await seg(1).locator('.text').evaluate(focused)).toBe(true);

  const txt = await exportTxt();
  expect(txt).toContain(edited);
  expect(txt).not.toContain('интернет');
  await b.screenshot('wb-1-edited');

  // Escape cancels: nothing saved, no new revision.
  await editText(2, 'болмайды', 'Escape');
  expect((await texts())[2]).toBe(recognised[2]);
  expect(await version()).toBe(before + 1);
  // Enter on the focused text opens the editor too (keyboard only).
  await seg(2).locator('.text').focus();
  await b.page.keyboard.press('Enter');
  await seg(2).locator('textarea.edit').waitFor();
  await b.page.keyboard.press('Escape');
  await seg(2).locator('textarea.edit').waitFor({ state: 'detached' });
});

test('a turn given to the other speaker shows in the row, the totals and the export', async () => {
  const speakers = await view().locator('.speakers li[data-speaker]').all();
  const ids = await Promise.all(speakers.map((s) => s.getAttribute('data-speaker')));
  // Segment 3 is Speaker 2's; give it to Speaker 1.
  expect(await seg(3).locator('.speaker-name').textContent()).toBe('Speaker 2');
  await seg(3)
    .locator('select.speaker-menu')
    .selectOption(ids[0] ?? '');
  await seg(3).locator('.speaker-name', { hasText: 'Speaker 1' }).waitFor();
  await seg(3).locator('.badge.edited').waitFor();
  // The speaker list's counts follow (3 segments for Speaker 1 now).
  await view()
    .locator(`.speakers li[data-speaker="${ids[0]}"] .stats`, { hasText: '3 үзінді' })
    .waitFor();
  // The TXT gives the turn to Speaker 1 (labelled in the page's language, Kazakh here; a turn
  // in another language than the one before starts its own paragraph).
  const txt = await exportTxt();
  expect(txt).toMatch(/Сөйлеуші 1: [^\n]*Номер договора/);
  expect(txt).not.toMatch(/Сөйлеуші 2: [^\n]*Номер договора/);
});

test('split at the playback position, then merge with the next segment', async () => {
  const first = seg(0);
  const start = Number(await first.getAttribute('data-start'));
  const end = Number(await first.getAttribute('data-end'));
  // No split offered while the playback position is outside the segment.
  await audio().evaluate((a: AudioLike, at: number) => {
    a.pause();
    a.currentTime = at;
  }, end + 0.3);
  await first.locator('button.split').waitFor({ state: 'detached' });
  await audio().evaluate(
    (a: AudioLike, at: number) => {
      a.pause();
      a.currentTime = at;
    },
    (start + end) / 2,
  );
  await first.locator('button.split').click();
  await view().locator('.seg').nth(4).waitFor();
  const parts = await texts();
  expect(parts).toHaveLength(5);
  expect(`${parts[0]} ${parts[1]}`).toBe(recognised[0]);
  expect(Number(await seg(1).getAttribute('data-start'))).toBeLessThanOrEqual(end);
  await b.screenshot('wb-2-split');

  await seg(0).locator('button.merge').click();
  await until('4 segments', async () => (await texts()).length === 4);
  expect((await texts())[0]).toBe(recognised[0]);
});

test('find & replace counts before it applies; Ctrl+Z and Ctrl+Shift+Z undo and redo it', async () => {
  const find = 'сіз';
  const count = (re: RegExp) => recognised.join('\n').match(re)?.length ?? 0;
  await view().locator('button.toggle-find').click();
  const form = view().locator('kazru-find-replace');
  await form.locator('input[name=find]').fill(find);
  const shows = (n: number) => form.getByTestId('match-count').filter({ hasText: `: ${n}` });
  await shows(count(/сіз/giu)).waitFor();
  await form.locator('input[name=matchCase]').check();
  await shows(count(/сіз/gu)).waitFor();
  await form.locator('input[name=wholeWord]').check();
  await shows(0).waitFor();
  expect(await form.locator('button.replace-all').isDisabled()).toBe(true);
  await form.locator('input[name=wholeWord]').uncheck();
  await form.locator('input[name=matchCase]').uncheck();
  const n = count(/сіз/giu);
  expect(n).toBeGreaterThan(1);
  await shows(n).waitFor();
  // Nothing has changed yet: the preview is only a count.
  expect((await texts())[0]).toBe(recognised[0]);
  await form.locator('input[name=replace]').fill('СІЗ');
  const beforeReplace = await texts();
  await form.locator('button.replace-all').click();
  await form
    .getByTestId('replaced')
    .filter({ hasText: String(n) })
    .waitFor();
  const replaced = beforeReplace.map((s) => s.replace(/сіз/giu, 'СІЗ'));
  await untilTexts(replaced);
  expect(await exportTxt()).toContain(replaced[0]);
  await b.screenshot('wb-3-replaced');

  // Keyboard undo and redo, with focus outside any text field.
  await view().locator('h2').click();
  await b.page.keyboard.press('Control+z');
  await untilTexts(beforeReplace);
  expect(await exportTxt()).toContain(beforeReplace[0]);
  await b.page.keyboard.press('Control+Shift+z');
  await untilTexts(replaced);
  await b.page.keyboard.press('Control+z');
  await untilTexts(beforeReplace);
});

test('the history lists every revision; restoring the first gives back the recognised export', async () => {
  await view().locator('button.toggle-history').click();
  const history = view().locator('kazru-history');
  const current = await version();
  await history.locator(`li[data-revision="${current}"]`).waitFor();
  expect(await history.locator('li[data-revision]').count()).toBe(current);
  expect(await history.locator('li[data-revision="1"] .kind').textContent()).toBe('танылған');
  expect(await history.locator('li[data-revision="1"] .author').textContent()).toBeTruthy();
  await b.screenshot('wb-4-history');
  await history.locator('li[data-revision="1"] button.restore').click();
  await untilTexts(recognised);
  await history.locator(`li[data-revision="${current + 1}"]`).waitFor();
  expect(await view().locator('.badge.edited').count()).toBe(0);
  expect(await exportTxt()).toBe(originalTxt);
  // A restore is undone like any change.
  await view().locator('h2').click();
  await b.page.keyboard.press('Control+z');
  await until('the state before the restore', async () => (await texts())[1].includes('вайфай'));
});

test('the search box finds an edited word typed in capitals and plays the hit', async () => {
  const { page } = b;
  await page.goto(`${t.url}/#/`);
  const search = page.locator('kazru-search');
  await search.locator('input[type=search]').fill('ВАЙФАЙ');
  await search.locator('input[type=search]').press('Enter');
  const hit = search.locator('ol.hits a').first();
  await hit.waitFor();
  expect(await hit.locator('mark').first().textContent()).toMatch(/^вайфай$/i);
  expect(await hit.locator('.where').textContent()).toContain('dialogue-mono.ogg');
  await b.screenshot('wb-5-search');
  await hit.click();
  await page.waitForURL(new RegExp(`#/jobs/${jobId}\\?t=`));
  await seg(1).waitFor();
  const start = Number(await seg(1).getAttribute('data-start'));
  await until('playback from the hit', () =>
    audio().evaluate(
      (a: AudioLike, from: number) =>
        !a.paused && a.currentTime >= from - 0.3 && a.currentTime < from + 3,
      start,
    ),
  );
  await seg(1).and(view().locator('.seg[aria-current=true]')).waitFor();
  await audio().evaluate((a: AudioLike) => a.pause());
});
