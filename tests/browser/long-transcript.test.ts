/**
 * A 4-hour transcript (~2,800 segments) in the web client, headless Chromium against the real
 * api, as a user meets it: the first segments show at once (only the first window is fetched),
 * the page holds only the rows in view while the scrollbar stands for the whole transcript,
 * dragging it to the middle or to the end loads and shows those segments, clicks and keys still
 * work, a rename reaches every row, and playing a (silent) 4-hour recording from 3 h brings the
 * segment at that time into view and follows playback. Each window is fetched once, no words.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRANSCODED_NAME } from '../../src/services/transcription.service.js';
import {
  clientIsBuilt,
  clock,
  launchBrowser,
  until,
  type BrowserSession,
} from '../helpers/browser.js';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { loopedUtterances, seedCompletedJob, type SeededJob } from '../helpers/long-transcript.js';

const HOURS_4 = 14_400;
const expected = loopedUtterances(HOURS_4);

let t: TestApp;
let b: BrowserSession;
let long: SeededJob;
let withAudio: SeededJob;
let tmp: string;
/** Every GraphQL request the page sent that asked for segments; `failed` when it never got an answer. */
const segmentQueries: { query: string; variables: Record<string, unknown>; failed?: boolean }[] =
  [];

/** The parts of the DOM the page functions below use (this file compiles without the DOM lib). */
interface Rect {
  top: number;
  bottom: number;
  height: number;
}
interface ElLike {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  textContent: string | null;
  getBoundingClientRect(): Rect;
  getAttribute(name: string): string | null;
  querySelector(sel: string): ElLike | null;
  querySelectorAll(sel: string): ArrayLike<ElLike>;
}
interface AudioLike {
  currentTime: number;
  duration: number;
  readyState: number;
  paused: boolean;
  play(): Promise<void>;
  pause(): void;
}

declare function requestAnimationFrame(fn: (now: number) => void): number;

/** A silent Ogg/Opus recording of `seconds`, made by looping one minute of silence (~1 s). */
function silentOpus(dir: string, seconds: number): string {
  const minute = path.join(dir, 'minute.ogg');
  const out = path.join(dir, 'silence.ogg');
  const ff = ['-v', 'error', '-y'];
  execFileSync(
    'ffmpeg',
    [...ff, '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=mono', '-t', '60'].concat([
      '-c:a',
      'libopus',
      '-b:a',
      '6k',
      minute,
    ]),
  );
  execFileSync(
    'ffmpeg',
    [...ff, '-stream_loop', String(Math.ceil(seconds / 60) - 1), '-i', minute].concat([
      '-c',
      'copy',
      out,
    ]),
  );
  return out;
}

beforeAll(async () => {
  if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
  t = await startTestApp();
  long = await seedCompletedJob(t.app.resources.orm.em.fork(), HOURS_4);
  withAudio = await seedCompletedJob(t.app.resources.orm.em.fork(), HOURS_4, {
    filename: 'call-with-audio.ogg',
  });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-long-'));
  await t.app.resources.storage.writeStream(
    withAudio.jobId,
    TRANSCODED_NAME,
    fs.createReadStream(silentOpus(tmp, HOURS_4)),
    Number.MAX_SAFE_INTEGER,
  );
  b = await launchBrowser({ locale: 'kk-KZ' });
  const sent = new Map<unknown, (typeof segmentQueries)[number]>();
  b.page.on('request', (req) => {
    if (!req.url().endsWith('/graphql') || req.method() !== 'POST') return;
    const body = JSON.parse(req.postData() ?? '{}') as (typeof segmentQueries)[number];
    if (!body.query?.includes('segments')) return;
    segmentQueries.push(body);
    sent.set(req, body);
  });
  b.page.on('requestfailed', (req) => {
    const body = sent.get(req);
    if (body) body.failed = true;
  });
}, 60_000);

afterAll(async () => {
  await b?.close();
  await t?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const scroller = () => b.page.locator('kazru-transcript .scroller');
const rowsInDom = () => b.page.locator('kazru-transcript li.row').count();
const audio = () => b.page.locator('kazru-transcript audio');

/** The segments at least partly inside the scroll container's box, as the page shows them. */
function visibleSegments() {
  return scroller().evaluate((el: ElLike) => {
    const box = el.getBoundingClientRect();
    return Array.from(el.querySelectorAll('.seg'))
      .filter((s) => {
        const r = s.getBoundingClientRect();
        return r.bottom > box.top && r.top < box.bottom;
      })
      .map((s) => ({
        index: Number(s.getAttribute('data-index')),
        start: Number(s.getAttribute('data-start')),
        text: s.querySelector('.text')?.textContent ?? '',
        time: s.querySelector('.time')?.textContent ?? '',
        speaker: s.querySelector('.speaker-name')?.textContent ?? '',
        active: s.getAttribute('aria-current') === 'true',
      }));
  });
}

type Shown = Awaited<ReturnType<typeof visibleSegments>>;

/** Waits until the segments in view satisfy `ok`; returns them. */
function untilShown(what: string, ok: (shown: Shown) => boolean): Promise<Shown> {
  return until(what, async () => {
    const shown = await visibleSegments();
    return ok(shown) ? shown : null;
  });
}

/** Checks each shown segment against what was stored at its position. */
function expectAsStored(shown: Shown) {
  for (const s of shown) {
    const u = expected[s.index];
    expect(s.text).toBe(u.text);
    expect(Math.abs(s.start - u.startMs / 1000)).toBeLessThan(0.01);
    expect(s.time).toBe(clock(s.start));
  }
}

/** Scrolls the list to `fraction` of its height, as dragging the scrollbar there does. */
async function scrollTo(fraction: number) {
  await scroller().evaluate((el: ElLike, f: number) => {
    el.scrollTop = f * (el.scrollHeight - el.clientHeight);
  }, fraction);
}

test('a 4-hour transcript shows its first segments at once, with only the rows in view in the page', async () => {
  expect(long.segments).toBeGreaterThan(2500);
  const { page } = b;
  const started = Date.now();
  await page.goto(`${t.url}/#/jobs/${long.jobId}`, { waitUntil: 'commit' });
  await page.locator('kazru-transcript .seg').first().waitFor();
  const ms = Date.now() - started;
  const sinceNavigation = await page.evaluate(() => Math.round(performance.now()));
  console.log(
    `4 h transcript (${long.segments} segments, ${long.words} words): first segments visible ` +
      `${ms} ms after navigation (page clock ${sinceNavigation} ms), ${await rowsInDom()} rows in the DOM`,
  );
  expect(ms).toBeLessThan(3000);
  const shown = await visibleSegments();
  expect(shown[0].index).toBe(0);
  expect(shown.length).toBeGreaterThan(3);
  expectAsStored(shown);
  expect(await rowsInDom()).toBeLessThan(150);
  expect(await page.locator('kazru-transcript li.row').first().getAttribute('aria-setsize')).toBe(
    String(long.segments),
  );
  // One request brought the job, its speakers, the count and the first window: no words.
  expect(segmentQueries).toHaveLength(1);
  expect(segmentQueries[0].variables).toMatchObject({ id: long.jobId, limit: 200 });
  expect(segmentQueries[0].query).not.toContain('words');
  // There is no audio file for this job: the player says so and the transcript is still there.
  await page
    .locator('kazru-transcript [role=status]', { hasText: 'Аудионы ойнату мүмкін емес' })
    .waitFor();
  await b.screenshot('long-1-opened');
});

test('the scroll container is as tall as all segments together', async () => {
  const size = await scroller().evaluate((el: ElLike) => ({
    scrollHeight: el.scrollHeight,
    clientHeight: el.clientHeight,
    smallestRow: Math.min(
      ...Array.from(el.querySelectorAll('li.row')).map((r) => r.getBoundingClientRect().height),
    ),
  }));
  console.log(
    `scroll height ${size.scrollHeight} px for ${long.segments} segments (viewport ${size.clientHeight} px, smallest row ${size.smallestRow.toFixed(1)} px)`,
  );
  expect(size.smallestRow).toBeGreaterThan(30);
  expect(size.scrollHeight).toBeGreaterThanOrEqual(long.segments * size.smallestRow);
});

test('dragging the scrollbar to the middle loads and shows the segments around 1,400', async () => {
  const started = Date.now();
  await scrollTo(0.5);
  const shown = await untilShown('segments in the middle', (s) => s.length >= 3);
  const middle = shown[Math.floor(shown.length / 2)].index;
  console.log(
    `middle: segments ${shown[0].index}–${shown.at(-1)!.index} shown ${Date.now() - started} ms after the jump, ${await rowsInDom()} rows in the DOM`,
  );
  expect(Math.abs(middle - long.segments / 2)).toBeLessThan(150);
  expectAsStored(shown);
  expect(await rowsInDom()).toBeLessThan(150);
  await b.screenshot('long-2-middle');
});

test('scrolling on from there renders frame by frame (rows loaded ahead of the view)', async () => {
  // 2,400 px/s for two seconds, one step per frame, timed in the page.
  const frames = await scroller().evaluate(
    (el: ElLike) =>
      new Promise<number[]>((resolve) => {
        const gaps: number[] = [];
        let last = performance.now();
        const step = (now: number) => {
          gaps.push(now - last);
          last = now;
          el.scrollTop += 40;
          if (gaps.length < 120) requestAnimationFrame(step);
          else resolve(gaps);
        };
        requestAnimationFrame(step);
      }),
  );
  const sorted = [...frames].sort((x, y) => x - y);
  const p95 = sorted[Math.floor(sorted.length * 0.95)];
  console.log(
    `scrolling ${frames.length} frames × 40 px: median frame ${sorted[frames.length >> 1].toFixed(1)} ms, ` +
      `p95 ${p95.toFixed(1)} ms, longest ${sorted.at(-1)!.toFixed(1)} ms; ${await rowsInDom()} rows in the DOM`,
  );
  const shown = await untilShown('loaded rows after scrolling', (s) => s.length >= 3);
  expectAsStored(shown);
  expect(await rowsInDom()).toBeLessThan(150);
  // A generous bound: it catches a render loop or a full re-render, not a busy machine.
  expect(sorted.at(-1)!).toBeLessThan(1000);
});

test('scrolling to the end shows the last segment', async () => {
  await scrollTo(1);
  const last = long.segments - 1;
  const shown = await untilShown('the last segment in view', (s) =>
    s.some((x) => x.index === last),
  );
  expectAsStored(shown);
  expect(shown.at(-1)!.index).toBe(last);
  expect(shown.at(-1)!.time).toBe(clock(expected[last].startMs / 1000));
  expect(await rowsInDom()).toBeLessThan(150);
  await b.screenshot('long-3-end');
});

test('a play button selects a segment; arrow keys move between rows and Enter selects', async () => {
  const view = b.page.locator('kazru-transcript');
  const target = (await visibleSegments()).at(-2)!.index;
  await view.locator(`.seg[data-index="${target}"] .play`).click();
  await view.locator(`.seg[data-index="${target}"][aria-current=true]`).waitFor();
  expect(await view.locator('.seg.active').count()).toBe(1);
  await b.page.keyboard.press('ArrowUp');
  await b.page.keyboard.press('Enter');
  await view.locator(`.seg[data-index="${target - 1}"][aria-current=true]`).waitFor();
  expect(await view.locator('.seg.active').count()).toBe(1);
});

test('renaming a speaker shows the new name in every row, here and back at the top', async () => {
  const view = b.page.locator('kazru-transcript');
  await view.locator('button[data-rename]').first().click();
  await view.locator('input.rename').fill('Әйгерім');
  await view.locator('input.rename').press('Enter');
  await view.locator('input.rename').waitFor({ state: 'detached' });
  const names = async () => (await visibleSegments()).map((s) => s.speaker);
  await until('the new name in the rows', async () => (await names()).includes('Әйгерім'));
  expect(await names()).not.toContain('Speaker 1');
  await scrollTo(0);
  await untilShown('the top rows', (s) => s[0]?.index === 0);
  expect(await names()).toContain('Әйгерім');
  expect(await names()).not.toContain('Speaker 1');
});

test('a window that cannot be fetched says so and loads on retry', async () => {
  const { page } = b;
  const view = page.locator('kazru-transcript');
  const errorsBefore = b.consoleErrors.length;
  const refuse = '**/graphql';
  await page.route(refuse, (route) =>
    route.request().postData()?.includes('$offset') ? route.abort() : route.fallback(),
  );
  await scrollTo(0.25);
  const alert = view.getByRole('alert');
  await alert.waitFor();
  expect(await alert.textContent()).toContain('Мәтіннің бұл бөлігі жүктелмеді');
  expect(await view.locator('li.row.pending').count()).toBeGreaterThan(0);
  expect((await visibleSegments()).length).toBe(0);
  await page.unroute(refuse);
  await alert.getByRole('button', { name: 'Қазір қайталау' }).click();
  const shown = await untilShown('the segments after retrying', (s) => s.length >= 3);
  expectAsStored(shown);
  expect(await alert.count()).toBe(0);
  // Chromium logs the refused requests itself.
  for (const e of b.consoleErrors.splice(errorsBefore)) expect(e).toMatch(/net::ERR_FAILED/);
});

test('playing from 3 h: the segment at that time is loaded, highlighted and kept in view', async () => {
  const { page } = b;
  await page.goto(`${t.url}/#/jobs/${withAudio.jobId}`);
  await page.locator('kazru-transcript .seg').first().waitFor();
  const duration = await until('the audio metadata', () =>
    audio().evaluate((a: AudioLike) => (a.readyState >= 1 ? a.duration : null)),
  );
  expect(Math.abs(duration - HOURS_4)).toBeLessThan(2);
  const j = expected.findIndex((u) => u.startMs >= 3 * 3600_000);
  const at = (expected[j].startMs + expected[j].endMs) / 2000;
  await audio().evaluate((a: AudioLike, s: number) => {
    a.currentTime = s;
  }, at);
  const shown = await untilShown('the segment at 3 h highlighted in view', (s) =>
    s.some((x) => x.index === j && x.active),
  );
  console.log(
    `seek to ${clock(at)}: segment ${j} highlighted and in view, ${await rowsInDom()} rows in the DOM`,
  );
  expectAsStored(shown);
  expect(await rowsInDom()).toBeLessThan(150);

  // Playing on from just before its end, the highlight moves to the next segment, in view.
  await audio().evaluate(
    (a: AudioLike, s: number) => {
      a.currentTime = s;
      return a.play();
    },
    expected[j].endMs / 1000 - 0.3,
  );
  await untilShown('the next segment highlighted', (s) =>
    s.some((x) => x.index === j + 1 && x.active),
  );
  await audio().evaluate((a: AudioLike) => a.pause());
  await b.screenshot('long-4-playing-at-3h');
}, 45_000);

test('each window was fetched once, without words, and nothing failed', () => {
  for (const q of segmentQueries) expect(q.query).not.toContain('words');
  // Answered requests: a window is fetched again only after its request failed.
  const windows = segmentQueries
    .filter((q) => !q.failed)
    .map((q) => q.variables)
    .map((v) => `${String(v.id).slice(0, 8)}@${Number(v.offset ?? 0)}`);
  const failed = segmentQueries.filter((q) => q.failed).length;
  console.log(`windows fetched (job@offset): ${windows.join(', ')}; ${failed} refused on purpose`);
  expect(failed).toBe(1);
  expect(new Set(windows).size).toBe(windows.length);
  // The player of the job without audio fails to load it: the only error the page may log.
  for (const e of b.consoleErrors) expect(e).toMatch(/Failed to load resource.*404/);
});
