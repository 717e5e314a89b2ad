/**
 * Two people correcting one transcript at once, in two headless Chromium sessions (separate
 * browser contexts) against the real api + worker and SQLite over graphql-ws: page B sees page
 * A's edit within a second (the measured time is printed) with a notice that someone else
 * changed it; when both edit the same segment, the one still typing keeps the draft and is
 * offered the conflict, "keep mine" saves it (B sees it), "take theirs" drops it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { clientIsBuilt, launchBrowser, type BrowserSession } from '../helpers/browser.js';
import {
  FIXTURES_DIR,
  manifest,
  startTestApp,
  waitForStatus,
  type TestApp,
} from '../helpers/harness.js';

let t: TestApp;
let b: BrowserSession;
let contextB: BrowserContext;
let pageA: Page;
let pageB: Page;
let jobId = '';

const m = manifest('dialogue-mono.ogg');
const recognised = m.utterances.map((u) => u.text);

/**
 * Opens the job in `page` and resolves once its `transcriptChanged` subscription was sent and
 * the server had a moment to register it (graphql-ws does not acknowledge a subscription).
 */
async function openLive(page: Page): Promise<void> {
  const subscribed = new Promise<void>((resolve) => {
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        if (String(f.payload).includes('transcriptChanged')) resolve();
      }),
    );
  });
  await page.goto(`${t.url}/#/jobs/${jobId}`);
  await page
    .locator('kazru-transcript .seg')
    .nth(recognised.length - 1)
    .waitFor();
  await subscribed;
  await new Promise((r) => setTimeout(r, 300));
}

beforeAll(async () => {
  if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
  t = await startTestApp();
  const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  jobId = up.data.uploadAudio.id;
  await waitForStatus(t, jobId, ['COMPLETED']);
  b = await launchBrowser({ locale: 'kk-KZ' });
  pageA = b.page;
  contextB = await b.browser.newContext({ locale: 'ru-RU', acceptDownloads: true });
  pageB = await contextB.newPage();
  await Promise.all([openLive(pageA), openLive(pageB)]);
}, 60_000);

afterAll(async () => {
  await contextB?.close();
  await b?.close();
  await t?.close();
});

const seg = (page: Page, i: number) => page.locator(`kazru-transcript .seg[data-index="${i}"]`);

/** Opens the editor on segment `i` of `page` and types `text` (without saving). */
async function type(page: Page, i: number, text: string) {
  await seg(page, i).locator('.text').click();
  const editor = seg(page, i).locator('textarea.edit');
  await editor.waitFor();
  await editor.fill(text);
  return editor;
}

test("page B sees page A's edit within a second, with a notice", async () => {
  const edited = recognised[0].replace('байланыс', 'қолдау');
  const editor = await type(pageA, 0, edited);
  const sent = Date.now();
  await editor.press('Enter');
  await seg(pageB, 0).locator('.text', { hasText: edited }).waitFor({ timeout: 5000 });
  const delivered = Date.now() - sent;
  console.log(`co-editing delivery (A presses Enter → B shows the text): ${delivered} ms`);
  expect(delivered).toBeLessThan(1000);
  await seg(pageB, 0).locator('.badge.edited').waitFor();
  // B is told someone else changed it (in Russian: B's interface language); A is not.
  await pageB.getByTestId('changed-notice').filter({ hasText: 'изменил кто-то другой' }).waitFor();
  expect(await pageA.getByTestId('changed-notice').count()).toBe(0);
  await b.screenshot('co-1-delivered');
  await pageB.screenshot({ path: path.join('test-artifacts', 'screenshots', 'co-1-page-b.png') });
});

test('both edit one segment: the draft is kept and offered; "keep mine" wins, B sees it', async () => {
  const mine = `${recognised[1]} (A)`;
  const theirs = `${recognised[1]} (B)`;
  const editorA = await type(pageA, 1, mine);
  const editorB = await type(pageB, 1, theirs);
  await editorB.press('Enter');
  await editorB.waitFor({ state: 'detached' });
  // A's draft is still there, with B's text offered beside it.
  const conflict = seg(pageA, 1).locator('.conflict');
  await conflict.locator('.theirs', { hasText: theirs }).waitFor({ timeout: 5000 });
  expect(await editorA.inputValue()).toBe(mine);
  await b.screenshot('co-2-conflict');
  await seg(pageA, 1).locator('button.save', { hasText: 'Менікін қалдыру' }).click();
  await editorA.waitFor({ state: 'detached' });
  expect(await seg(pageA, 1).locator('.text').textContent()).toBe(mine);
  await seg(pageB, 1).locator('.text', { hasText: mine }).waitFor({ timeout: 5000 });
  // The export has A's text.
  const res = await fetch(`${t.url}/api/v1/jobs/${jobId}/export/txt`);
  const txt = await res.text();
  expect(txt).toContain(mine);
  expect(txt).not.toContain(theirs);
});

test('"take theirs" drops the draft and shows the other text', async () => {
  const theirs = `${recognised[2]} (B)`;
  const editorA = await type(pageA, 2, `${recognised[2]} (A)`);
  const editorB = await type(pageB, 2, theirs);
  await editorB.press('Enter');
  await seg(pageA, 2).locator('.conflict .theirs', { hasText: theirs }).waitFor({ timeout: 5000 });
  await seg(pageA, 2).locator('button.cancel-edit', { hasText: 'Олардікін алу' }).click();
  await editorA.waitFor({ state: 'detached' });
  expect(await seg(pageA, 2).locator('.text').textContent()).toBe(theirs);
  fs.mkdirSync(path.join('test-artifacts', 'screenshots'), { recursive: true });
});
