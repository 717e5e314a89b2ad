/**
 * Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core
 * (no browser download). Flags from `../shared/docs/stack.md` §8: without the
 * background-networking flags Chromium tries to reach Google at start-up, which this
 * (offline) machine refuses.
 *
 * Every request the page makes is recorded, so a test can prove that nothing left the machine.
 * Screenshots go to `test-artifacts/screenshots/` (git-ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Where Debian's chromium package installs the browser; `CHROMIUM_PATH` overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and other artefacts of browser tests (not committed). */
export const SCREENSHOT_DIR = path.resolve('test-artifacts', 'screenshots');

/** Whether `dist/client` holds a built client (`npm run build`). */
export function clientIsBuilt(): boolean {
  return fs.existsSync(path.resolve('dist', 'client', 'index.html'));
}

/** A browser page plus what it did on the network. */
export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested (documents, scripts, XHR/fetch, WebSocket, media, workers). */
  requests: string[];
  /** Messages the page logged at level "error", and uncaught page errors. */
  consoleErrors: string[];
  /** Saves a full-page screenshot as `test-artifacts/screenshots/<name>.png`; returns the path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium and opens one page. Playwright gives every launch a new, empty
 * profile directory (and deletes it on close), so no `--user-data-dir` flag is passed.
 * @param opts.viewport page size in CSS pixels (default 1280×900; use 390×844 for a phone).
 * @param opts.locale browser language, e.g. `kk-KZ` or `ru-RU` (default `kk-KZ`).
 * @throws when Chromium is not installed at {@link CHROMIUM_PATH}.
 */
export async function launchBrowser(
  opts: { viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<BrowserSession> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (scripts/setup.sh does).`,
    );
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    locale: opts.locale ?? 'kk-KZ',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  context.on('request', (req) => requests.push(req.url()));
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('worker', (w) => requests.push(w.url()));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    browser,
    context,
    page,
    requests,
    consoleErrors,
    screenshot: async (name) => {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: async () => {
      await browser.close();
    },
  };
}

/**
 * Waits until GraphiQL (already loading in `page`) is ready, then opens its documentation
 * explorer and waits for the root types, which come from introspection of the server's schema.
 */
export async function openGraphiqlDocs(page: Page): Promise<void> {
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
  await page.getByRole('button', { name: /documentation explorer/i }).click();
  await page
    .locator('.graphiql-doc-explorer')
    .getByText('Query', { exact: true })
    .first()
    .waitFor();
}

/**
 * URLs among `requests` that are not on the test server's own origin (or `data:`/`blob:`
 * URLs the page made itself). An offline page leaves this empty.
 */
export function foreignRequests(requests: string[], origin: string): string[] {
  const own = new URL(origin);
  return requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    const url = new URL(u);
    return url.hostname !== own.hostname || url.port !== own.port;
  });
}

/**
 * Polls `fn` every `everyMs` until it returns a truthy value and resolves with it; a throw counts
 * as "not yet".
 * @throws Error naming `what` and the last value or error after `timeoutMs`.
 */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A start time as the web client shows it: m:ss, or h:mm:ss from one hour (seconds in). */
export function clock(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}
