/**
 * The honest demo in headless Chromium: with the demo engine as the default (what
 * `scripts/start.sh` runs without credentials), every page says that transcripts are placeholders
 * and how to connect a real engine; with a real engine (SpeechKit, here its double) no page does.
 */
import path from 'node:path';
import { clientIsBuilt, launchBrowser, type BrowserSession } from '../helpers/browser.js';
import { FIXTURES_DIR, startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';
import { startOpenAiDouble, type OpenAiDouble } from '../openai-double/index.js';

let b: BrowserSession;

beforeAll(async () => {
  if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
  b = await launchBrowser({ locale: 'ru-RU' });
}, 60_000);
afterAll(async () => b?.close());

const banner = () => b.page.locator('kazru-app [data-testid=demo-banner]');

describe('with the demo engine', () => {
  let demo: OpenAiDouble;
  let t: TestApp;
  beforeAll(async () => {
    demo = await startOpenAiDouble({ flavour: 'whisper.cpp' });
    t = await startTestApp({ STT_ENGINES: 'demo', DEMO_STT_URL: demo.url });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await demo?.close();
  });

  test('the upload page and a transcript page both carry the banner, saying how to connect an engine', async () => {
    const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
    const id = up.data.uploadAudio.id as string;
    expect((await waitForStatus(t, id, ['COMPLETED', 'FAILED'], 60_000)).status).toBe('COMPLETED');
    for (const url of [t.url, `${t.url}/#/jobs/${id}`]) {
      await b.page.goto(url);
      await banner().waitFor();
      const text = (await banner().textContent())!;
      expect(text).toContain('Демо-режим');
      expect(text).toMatch(/YANDEX_API_KEY/);
      expect(text).toMatch(/OPENAI_STT_URL/);
    }
    await b.screenshot('demo-banner');
  }, 90_000);
});

describe('with a real engine', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(async () => t?.close());

  test('no page shows the banner', async () => {
    await b.page.goto(t.url);
    await b.page.locator('kazru-upload').waitFor();
    await b.page.locator('kazru-upload [data-testid=limits]').waitFor();
    expect(await banner().count()).toBe(0);
  });
});
