/**
 * SpeechKit goes down in the middle of a recognition: the circuit breaker opens, nothing is
 * sent while it is open, the job waits (telling subscribers why) instead of failing, and it
 * completes once a trial request succeeds — without a second submit.
 */
import path from 'node:path';
import { Job } from '../../src/db/entities/index.js';
import { FIXTURES_DIR, startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';

const HALF_OPEN_AFTER_MS = 1500;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp(
    {},
    {
      pollsUntilDone: 2,
      sttOptions: {
        retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 60 },
        breaker: { consecutiveFailures: 1, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
      },
    },
  );
});
afterAll(async () => {
  await t?.close();
});

test('a job waits out an open circuit and completes without resubmitting', async () => {
  // Every attempt of one logical poll fails: that opens the circuit.
  t.double.faults.push({ on: 'poll', status: 503, times: 3 });
  const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  const id = up.data.uploadAudio.id as string;
  const sub = t.subscribe(`subscription($id: ID!) { jobProgress(id: $id) { status message } }`, {
    id,
  });
  const job = await waitForStatus(t, id, ['COMPLETED', 'FAILED'], 30_000);
  await sub.done;
  expect(job.status).toBe('COMPLETED');

  const messages = sub.events.map((e) => e.data?.jobProgress?.message as string | null);
  expect(messages.some((m) => /SpeechKit is unavailable; waiting \d+ s/.test(m ?? ''))).toBe(true);

  const polls = t.double.requests.filter((r) => r.endpoint === 'poll');
  const lastFault = polls.filter((r) => r.status === 503).at(-1)!;
  const nextPoll = polls.find((r) => r.at > lastFault.at)!;
  const quietMs = nextPoll.at - lastFault.at;
  // Nothing reached SpeechKit while the circuit was open.
  expect(quietMs).toBeGreaterThanOrEqual(HALF_OPEN_AFTER_MS - 100);
  expect(t.double.submits).toBe(1);

  const row = await t.app.resources.orm.em.fork().findOneOrFail(Job, id);
  expect(row.attempts).toBe(1);
  console.log(
    `SpeechKit outage: 3 failed polls opened the circuit; no request for ${quietMs} ms; job COMPLETED on attempt 1 with 1 submit`,
  );

  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  expect(metrics).toMatch(/kazru_stt_circuit_open\{[^}]*engine="speechkit"[^}]*\} 0\n/);
  expect(metrics).toMatch(
    /kazru_pipeline_stage_duration_seconds_count\{[^}]*stage="recognition"[^}]*\} 1\n/,
  );
  // 20.6 s of mono audio, billed by SpeechKit's rule as 21 s (whole seconds, one pair of channels).
  expect(metrics).toMatch(/kazru_stt_audio_seconds_total\{[^}]*channels="1"[^}]*\} 21\n/);
});
