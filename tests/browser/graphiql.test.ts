/**
 * The offline GraphiQL IDE at /graphiql/ in headless Chromium: it loads with no request leaving
 * the machine, shows the schema's docs, runs a query over HTTP and a subscription over
 * graphql-ws against the real api + worker.
 */
import path from 'node:path';
import {
  clientIsBuilt,
  foreignRequests,
  launchBrowser,
  openGraphiqlDocs,
  type BrowserSession,
} from '../helpers/browser.js';
import { FIXTURES_DIR, startTestApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let b: BrowserSession;

beforeAll(async () => {
  if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
  t = await startTestApp({}, { pollsUntilDone: 6 });
  b = await launchBrowser({ locale: 'en-US' });
}, 60_000);

afterAll(async () => {
  await b?.close();
  await t?.close();
});

/** Text of GraphiQL's result pane (Monaco renders it as lines of spans). */
async function resultText(): Promise<string> {
  return (await b.page.locator('.graphiql-response').innerText()).replace(/\s+/g, ' ');
}

async function waitForResult(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await resultText().catch(() => '');
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`result pane never matched ${pattern}; last text: ${text.slice(0, 500)}`);
}

test('GraphiQL loads offline, shows the docs and runs a query', async () => {
  const { page } = b;
  const res = await page.goto(`${t.url}/graphiql`);
  expect(res?.status()).toBe(200);
  expect(page.url()).toBe(`${t.url}/graphiql/`);
  // Docs come from introspection of this server's schema.
  await openGraphiqlDocs(page);
  await b.screenshot('graphiql-docs');

  await page.locator('.graphiql-execute-button').click();
  const text = await waitForResult(/"maxUploadBytes":/);
  expect(text).toContain(`"maxUploadBytes": ${t.config.maxUploadBytes}`);
  expect(text).toContain('"totalCount": 0');
  await b.screenshot('graphiql-query');

  expect(foreignRequests(b.requests, t.url)).toEqual([]);
  expect(b.consoleErrors).toEqual([]);
}, 60_000);

test('GraphiQL runs a jobProgress subscription over graphql-ws until COMPLETED', async () => {
  const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  const id = (up as any).data.uploadAudio.id as string;
  const query = `subscription Progress($id: ID!) {
  jobProgress(id: $id) { status progress message }
}`;
  const { page } = b;
  await page.goto(
    `${t.url}/graphiql/?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(
      JSON.stringify({ id }),
    )}`,
  );
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
  await page.locator('.graphiql-execute-button').click();
  // Each event replaces the pane: first the current state, then live progress, then COMPLETED.
  await waitForResult(/"jobProgress":/);
  const done = await waitForResult(/"status": "COMPLETED"/, 45_000);
  expect(done).toContain('"progress": 100');
  await b.screenshot('graphiql-subscription');

  const wsUrl = `${t.wsUrl}`;
  expect(b.requests).toContain(wsUrl);
  expect(foreignRequests(b.requests, t.url)).toEqual([]);
  expect(b.consoleErrors).toEqual([]);
}, 60_000);
