/**
 * The web client against a server in `AUTH_MODE=api-key`, in headless Chromium: it asks for a
 * key, says why a wrong one is refused, works with a good one (upload, live progress, transcript,
 * audio through the signed link), shows only its own tenant's jobs, and asks again once the key
 * is revoked or forgotten.
 */
import path from 'node:path';
import { ApiKey } from '../../src/db/entities/index.js';
import { revokeApiKey } from '../../src/auth/keys.js';
import {
  clientIsBuilt,
  foreignRequests,
  launchBrowser,
  type BrowserSession,
} from '../helpers/browser.js';
import { FIXTURES_DIR, startTestApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let b: BrowserSession;
let keyA: string;
let jobOfB: string;

interface AudioLike {
  duration: number;
  readyState: number;
}

const DIALOGUE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');

beforeAll(async () => {
  if (!clientIsBuilt()) throw new Error('dist/client is missing: run `npm run build` first.');
  t = await startTestApp({ AUTH_MODE: 'api-key' });
  keyA = await t.createTenantKey('newsroom');
  const keyB = await t.createTenantKey('court');
  const up = await t.upload(DIALOGUE, null, 'court-hearing.ogg', { apiKey: keyB });
  jobOfB = up.data.uploadAudio.id;
  b = await launchBrowser({ locale: 'ru-RU' });
}, 60_000);

afterAll(async () => {
  await b?.close();
  await t?.close();
});

const keyForm = () => b.page.locator('kazru-app form');
const keyInput = () => b.page.locator('kazru-app #api-key');

test('without a key the page asks for one instead of failing', async () => {
  const { page } = b;
  await page.goto(t.url);
  await keyInput().waitFor();
  await page.getByRole('heading', { name: 'Нужен API-ключ' }).waitFor();
  expect(await page.locator('kazru-upload').count()).toBe(0);
  await b.screenshot('key-1-asked');
});

test('a wrong key is refused with the server’s reason and nothing is stored', async () => {
  const { page } = b;
  await keyInput().fill('kzr_this-is-not-a-key');
  await keyForm().getByRole('button').click();
  const alert = page.locator('kazru-app [role=alert]');
  await alert.waitFor();
  expect(await alert.textContent()).toMatch(/Ключ не принят: The API key is not valid/);
  expect(await page.evaluate(() => localStorage.getItem('kazru.apiKey'))).toBeNull();
  await b.screenshot('key-2-refused');
});

test('with a good key the page works and shows only this tenant’s jobs; audio plays via the signed link', async () => {
  const { page } = b;
  await keyInput().fill(keyA);
  await keyForm().getByRole('button').click();
  await page.locator('kazru-upload [data-testid=limits]').waitFor();
  await page.locator('kazru-job-list').getByText('Заданий пока нет').waitFor();
  expect(await page.content()).not.toContain(jobOfB);

  await page.locator('kazru-upload input[type=file]').setInputFiles(DIALOGUE);
  const row = page
    .locator('kazru-job-list li[data-job-id]')
    .filter({ hasText: 'dialogue-mono.ogg' });
  await row.locator('[role=progressbar][aria-valuenow="100"]').waitFor({ timeout: 50_000 });
  expect(await page.locator('kazru-job-list li[data-job-id]').count()).toBe(1);

  await row.getByRole('link').first().click();
  const audio = page.locator('kazru-transcript audio');
  await audio.waitFor();
  expect(await audio.getAttribute('src')).toMatch(/\/audio\?token=/);
  const duration = await audio.evaluate(
    (el) =>
      new Promise<number>((resolve) => {
        const a = el as unknown as AudioLike & { addEventListener(t: string, f: () => void): void };
        if (a.readyState >= 1) resolve(a.duration);
        else a.addEventListener('loadedmetadata', () => resolve(a.duration));
      }),
  );
  console.log(
    `api-key client: audio metadata through the signed link, duration ${duration.toFixed(2)} s`,
  );
  expect(duration).toBeGreaterThan(19);
  await b.screenshot('key-3-working');
  expect(foreignRequests(b.requests, t.url)).toEqual([]);
});

test('a revoked key sends the page back to the key form with the reason', async () => {
  const { page } = b;
  const em = t.app.resources.orm.em.fork();
  const record = await em.findOneOrFail(ApiKey, { prefix: keyA.slice(0, 12) });
  await revokeApiKey(em, record.id);
  await page.goto(t.url);
  await page.getByText(/Ключ не принят: The API key kzr_\S+ was revoked on/).waitFor();
  await keyInput().waitFor();
  await b.screenshot('key-4-revoked');
});
