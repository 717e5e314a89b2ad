/**
 * Two people renaming the same speaker at once: one wins, the other is told (CONFLICT with
 * reason SPEAKER_CHANGED and the current name), and nothing is overwritten silently.
 */
import path from 'node:path';
import { FIXTURES_DIR, startTestApp, waitForStatus, type TestApp } from '../helpers/harness.js';

const RENAME = `mutation($id: ID!, $label: String!, $v: Int) {
  renameSpeaker(id: $id, label: $label, expectedVersion: $v) { id label version } }`;

let t: TestApp;
let speakerId: string;

beforeAll(async () => {
  t = await startTestApp();
  const up = await t.upload(path.join(FIXTURES_DIR, 'dialogue-mono.ogg'));
  const id = up.data.uploadAudio.id as string;
  await waitForStatus(t, id, ['COMPLETED']);
  const res = await t.gql(
    `query($id: ID!) { job(id: $id) { transcript { speakers { id label version } } } }`,
    { id },
  );
  const speakers = res.data.job.transcript.speakers as { id: string; version: number }[];
  expect(speakers[0]!.version).toBe(1);
  speakerId = speakers[0]!.id;
});
afterAll(async () => {
  await t?.close();
});

async function currentSpeaker(): Promise<{ label: string; version: number }> {
  const res = await t.gql(
    `query { jobs { edges { node { transcript { speakers { id label version } } } } } }`,
  );
  const all = res.data.jobs.edges.flatMap((e: any) => e.node.transcript.speakers);
  return all.find((s: any) => s.id === speakerId);
}

test('a rename based on a stale version is refused with the current name', async () => {
  const first = await t.gql(RENAME, { id: speakerId, label: 'Әйгерім', v: 1 });
  expect(first.errors).toBeUndefined();
  expect(first.data.renameSpeaker).toMatchObject({ label: 'Әйгерім', version: 2 });

  const stale = await t.gql(RENAME, { id: speakerId, label: 'Айгерим', v: 1 });
  expect(stale.errors[0].extensions).toMatchObject({ code: 'CONFLICT', reason: 'SPEAKER_CHANGED' });
  expect(stale.errors[0].message).toContain('Әйгерім');
  expect(await currentSpeaker()).toMatchObject({ label: 'Әйгерім', version: 2 });
});

test('of concurrent renames from the same version exactly one wins', async () => {
  const { version } = await currentSpeaker();
  const names = Array.from({ length: 8 }, (_, i) => `Сөйлеуші ${i + 1}`);
  const results = await Promise.all(
    names.map((label) => t.gql(RENAME, { id: speakerId, label, v: version })),
  );
  const winners = results.filter((r) => !r.errors);
  const losers = results.filter((r) => r.errors);
  expect(winners).toHaveLength(1);
  expect(losers).toHaveLength(7);
  for (const l of losers) expect(l.errors[0].extensions.code).toBe('CONFLICT');
  const winner = winners[0]!.data.renameSpeaker;
  expect(winner.version).toBe(version + 1);
  expect(await currentSpeaker()).toMatchObject({ label: winner.label, version: version + 1 });
  console.log(`concurrent renames: 1 of ${names.length} won ("${winner.label}"), 7 CONFLICT`);
});

test('without expectedVersion, racing renames never lose an update silently', async () => {
  const names = Array.from({ length: 8 }, (_, i) => `Спикер ${i + 1}`);
  const results = await Promise.all(names.map((label) => t.gql(RENAME, { id: speakerId, label })));
  const ok = results.filter((r) => !r.errors).map((r) => r.data.renameSpeaker);
  for (const r of results.filter((x) => x.errors)) {
    expect(r.errors[0].extensions.code).toBe('CONFLICT');
  }
  expect(ok.length).toBeGreaterThanOrEqual(1);
  // Every accepted rename got its own version; the stored name is the last accepted one.
  const versions = ok.map((s: any) => s.version as number);
  expect(new Set(versions).size).toBe(versions.length);
  const last = ok.reduce((a: any, b: any) => (b.version > a.version ? b : a));
  expect(await currentSpeaker()).toMatchObject({ label: last.label, version: last.version });
});

test('an empty name is refused as bad input before any version check', async () => {
  const bad = await t.gql(RENAME, { id: speakerId, label: '   ', v: 99 });
  expect(bad.errors[0].extensions.code).toBe('BAD_USER_INPUT');
});
