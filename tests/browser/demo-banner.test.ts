/**
 * The honest demo in headless Chromium: with the demo engine as the default (what
 * `scripts/start.sh` runs without credentials), every page says that transcripts are placeholders
 * and how to connect a real engine; with a real engine (SpeechKit, here its double) no page does.
 */
import path from 'node:path';
import { clientIsBuilt, launchBrowser, until, type BrowserSession } from '../helpers/browser.js';
import { FIXTURES_DIR, startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';
import { startOpenAiDouble, type OpenAiDouble } from '../openai-double/index.js';

let b: BrowserSession;

beforeAll(async () => {
  if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
  b = await launchBrowser({ locale: 'ru-RU' });
}, 60_000);
afterAll(async () => b?.close());

const banner = () => b.page.locator('kazru-app [data-testid=demo-banner]');
/** The `value`s of the `<option>`s a locator finds. */
const values = (l: ReturnType<typeof b.page.locator>) =>
  l.evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));

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
    // The demo labels no speakers, so the upload form does not offer it.
    await b.page.goto(t.url);
    const diarization = b.page.locator('kazru-upload [data-testid=diarization] option');
    await until(
      'the demo’s diarization modes',
      async () => (await values(diarization)).length === 3,
    );
    expect(await values(diarization)).toEqual(['AUTO', 'CHANNELS', 'NONE']);
  }, 90_000);
});

describe('with real engines (SpeechKit and a Whisper server)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { openAi: { flavour: 'whisper.cpp' } });
  }, 60_000);
  afterAll(async () => t?.close());

  test('no page shows the banner; the form offers both engines and only what the chosen one can do', async () => {
    await b.page.goto(t.url);
    await b.page.locator('kazru-upload [data-testid=limits]').waitFor();
    await until(
      'both engines offered',
      async () =>
        (await values(b.page.locator('kazru-upload [data-testid=engine] option'))).length === 2,
    );
    expect(await banner().count()).toBe(0);
    const engine = b.page.locator('kazru-upload [data-testid=engine]');
    const diarization = b.page.locator('kazru-upload [data-testid=diarization] option');
    expect(await values(engine.locator('option'))).toEqual(['speechkit', 'openai']);
    expect(await values(diarization)).toEqual(['AUTO', 'SPEAKER_LABELING', 'CHANNELS', 'NONE']);
    await engine.selectOption('openai');
    await until(
      'the engine’s diarization modes',
      async () => (await values(diarization)).length === 3,
      5_000,
    );
    expect(await values(diarization)).toEqual(['AUTO', 'CHANNELS', 'NONE']);
    // An upload from the form goes to the chosen engine.
    await b.page
      .locator('kazru-upload input[type=file]')
      .setInputFiles(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
    await until(
      'a request at the Whisper server',
      async () => t.openai!.requests.length > 0,
      30_000,
    );
    const jobs = await t.gql(`{ jobs(first: 5) { edges { node { engine } } } }`);
    expect(jobs.data.jobs.edges.map((e: { node: { engine: string } }) => e.node.engine)).toEqual([
      'openai',
    ]);
  }, 60_000);
});
