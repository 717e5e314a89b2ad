/**
 * The transcript workbench over GraphQL (issue 12), on SQLite and PostgreSQL, against the real
 * api (AUTH_MODE=api-key, two tenants): every mutation and its errors, revisions with their
 * authors, speaker totals and Transcript.text kept current, revert restoring byte-identical
 * exports and redo, tenant isolation, and revisions deleted with the job (deleteJob, expiry).
 */
import type { EntityManager } from '@mikro-orm/core';
import { startTestApp, type CallerOptions, type TestApp } from '../helpers/harness.js';
import { seedCompletedJob, type SeededJob } from '../helpers/long-transcript.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../helpers/postgres.js';
import {
  DELETE,
  EDIT,
  exportsOf,
  invariantViolations,
  MERGE,
  readTranscript,
  RENAME,
  REPLACE,
  REVERT,
  REVISIONS,
  revisionRows,
  SPLIT,
} from '../helpers/workbench.js';

/** The error of a failed mutation: its code, reason, message and current version. */
function errorOf(r: { errors?: any }) {
  expect(r.errors).toBeDefined();
  const e = r.errors[0];
  return {
    code: e.extensions?.code,
    reason: e.extensions?.reason,
    message: String(e.message),
    currentVersion: e.extensions?.currentVersion,
  };
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('workbench on %s', (_name, postgres) => {
  let db: ThrowawayDatabase | null = null;
  let t: TestApp | undefined;
  let em: EntityManager;
  let a: CallerOptions;
  let b: CallerOptions;
  let job: SeededJob;
  let other: SeededJob;
  let recognised: Record<string, string>;

  beforeAll(async () => {
    if (postgres) {
      db = await createThrowawayDatabase();
      if (!db) return;
    }
    t = await startTestApp({
      ROLES: 'api',
      AUTH_MODE: 'api-key',
      ...(db ? { DATABASE_URL: db.url } : {}),
    });
    em = t.app.resources.orm.em.fork();
    a = { apiKey: await t.createTenantKey('tenant-a') };
    b = { apiKey: await t.createTenantKey('tenant-b') };
    job = await seedCompletedJob(em, 120, { tenantId: 'tenant-a' });
    other = await seedCompletedJob(em, 60, { tenantId: 'tenant-b' });
    recognised = await exportsOf(t, job.jobId, a);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  const gql = (q: string, v: Record<string, unknown>, as = a) => t!.gql(q, v, as);

  test('revision 1 is the recognised transcript; edit changes text, words, totals and exports', async () => {
    if (!t) return;
    const before = await readTranscript(t, job.jobId, a);
    expect(before.version).toBe(1);
    expect(before.segments.every((s: any) => s.version === 1 && !s.edited)).toBe(true);
    const seg = before.segments[2];
    // "Түсіндім. Келісімшарт нөміріңізді айтыңызшы, пожалуйста." — fix one word, keep the rest.
    const text = seg.text.replace('нөміріңізді', 'нөміріңізді тағы');
    const r = await gql(EDIT, { id: seg.id, text, v: seg.version });
    expect(r.errors).toBeUndefined();
    const edited = r.data.editSegment;
    expect(edited).toMatchObject({ id: seg.id, text, version: 2, edited: true, index: 2 });
    // Unchanged words keep their times; the new word lies inside the segment.
    for (const w of seg.words) {
      const kept = edited.words.find((x: any) => x.text === w.text);
      expect(kept).toEqual(w);
    }
    const added = edited.words.find((x: any) => x.text === 'тағы');
    expect(added.start).toBeGreaterThanOrEqual(seg.start);
    expect(added.end).toBeLessThanOrEqual(seg.end);

    const after = await readTranscript(t, job.jobId, a);
    expect(after.version).toBe(2);
    expect(after.text.split('\n')[2]).toBe(text);
    const txt = (await exportsOf(t, job.jobId, a)).txt;
    expect(txt).toContain('нөміріңізді тағы');
    const revs = (await gql(REVISIONS, { id: job.jobId })).data.job.transcript.revisions;
    expect(revs.totalCount).toBe(2);
    expect(revs.edges.map((e: any) => e.node.kind)).toEqual(['edit', 'recognised']);
    expect(revs.edges[0].node).toMatchObject({ number: 2, author: 'tenant-a-key' });
    expect(revs.edges[1].node).toMatchObject({ number: 1, author: null });

    // The same edit again changes nothing and makes no revision.
    const same = await gql(EDIT, { id: seg.id, text: ` ${text} ` });
    expect(same.data.editSegment.version).toBe(2);
    expect((await readTranscript(t, job.jobId, a)).version).toBe(2);
  });

  test('bad input is refused with a reason and nothing changes', async () => {
    if (!t) return;
    const tr = await readTranscript(t, job.jobId, a);
    const [s0, s1, s2] = tr.segments;
    const cases: [string, string, Record<string, unknown>, string, RegExp][] = [
      [
        'empty text',
        EDIT,
        { id: s0.id, text: '   ' },
        'EMPTY_TEXT',
        /deleteSegment.*mergeSegments/,
      ],
      [
        'end before start',
        EDIT,
        { id: s0.id, start: 4, end: 3 },
        'END_BEFORE_START',
        /before it starts/,
      ],
      [
        'overlap same speaker',
        EDIT,
        { id: s0.id, end: s2.start + 1 },
        'OVERLAPS_NEIGHBOUR',
        /overlap/,
      ],
      [
        'speaker of another transcript',
        EDIT,
        { id: s0.id, speakerId: (await readTranscript(t, other.jobId, b)).speakers[0].id },
        'SPEAKER_NOT_IN_TRANSCRIPT',
        /not a speaker/,
      ],
      [
        'split outside',
        SPLIT,
        { id: s0.id, at: s0.end + 5 },
        'SPLIT_OUTSIDE_SEGMENT',
        /not inside/,
      ],
      ['merge not adjacent', MERGE, { ids: [s0.id, s2.id] }, 'NOT_ADJACENT', /adjacent/],
      ['merge one', MERGE, { ids: [s0.id] }, 'MERGE_NEEDS_TWO', /two/],
      [
        'find only spaces',
        REPLACE,
        { t: tr.id, find: '   ', replace: 'x' },
        'FIND_EMPTY',
        /only spaces/,
      ],
      [
        'revision out of range',
        REVERT,
        { t: tr.id, to: tr.version + 1 },
        'REVISION_OUT_OF_RANGE',
        /1 to/,
      ],
      ['revision 0', REVERT, { t: tr.id, to: 0 }, 'REVISION_OUT_OF_RANGE', /1 to/],
    ];
    for (const [name, doc, vars, reason, message] of cases) {
      const e = errorOf(await gql(doc, vars));
      expect({ name, code: e.code, reason: e.reason }).toEqual({
        name,
        code: 'BAD_USER_INPUT',
        reason,
      });
      expect(e.message).toMatch(message);
    }
    // Another speaker may talk over this one (stereo calls): overlapping speaker 2 is fine.
    const overlapOther = await gql(EDIT, { id: s0.id, end: s1.start + 0.5, v: s0.version });
    expect(overlapOther.errors).toBeUndefined();
    const now = await readTranscript(t, job.jobId, a);
    expect(now.version).toBe(tr.version + 1);
    expect(await invariantViolations(em, tr.id)).toEqual([]);
  });

  test('a stale expectedVersion is CONFLICT with the current state, for segments and the transcript', async () => {
    if (!t) return;
    const tr = await readTranscript(t, job.jobId, a);
    const seg = tr.segments[4];
    expect(
      (await gql(EDIT, { id: seg.id, text: `${seg.text} бір`, v: seg.version })).errors,
    ).toBeUndefined();
    const stale = errorOf(await gql(EDIT, { id: seg.id, text: 'басқа', v: seg.version }));
    expect(stale).toMatchObject({
      code: 'CONFLICT',
      reason: 'SEGMENT_CHANGED',
      currentVersion: tr.version + 1,
    });
    expect(stale.message).toContain('бір');
    for (const [doc, vars] of [
      [SPLIT, { id: seg.id, at: seg.start + 0.5, v: seg.version }],
      [DELETE, { id: seg.id, v: seg.version }],
      [MERGE, { ids: [seg.id, tr.segments[5].id], v: tr.version }],
      [REPLACE, { t: tr.id, find: 'бір', replace: 'екі', v: tr.version }],
      [REVERT, { t: tr.id, to: 1, v: tr.version }],
    ] as const) {
      const e = errorOf(await gql(doc, vars));
      expect(e.code).toBe('CONFLICT');
      // The segment and the transcript both last changed at the edit above.
      expect(e.currentVersion).toBe(tr.version + 1);
    }
    expect((await readTranscript(t, job.jobId, a)).version).toBe(tr.version + 1);
  });

  test('split, merge and delete keep positions dense and totals current', async () => {
    if (!t) return;
    const tr = await readTranscript(t, job.jobId, a);
    const seg = tr.segments[6];
    const speakerBefore = tr.speakers.find((s: any) => s.id === seg.speaker.id);
    const split = await gql(SPLIT, { id: seg.id, at: (seg.start + seg.end) / 2, v: seg.version });
    expect(split.errors).toBeUndefined();
    const [first, second] = split.data.splitSegment;
    expect([first.index, second.index]).toEqual([6, 7]);
    expect(`${first.text} ${second.text}`).toBe(seg.words.map((w: any) => w.text).join(' '));
    expect(first.start).toBe(seg.start);
    expect(second.end).toBe(seg.end);
    expect(first.end).toBeLessThanOrEqual(second.start);
    let now = await readTranscript(t, job.jobId, a);
    expect(now.segmentCount).toBe(tr.segmentCount + 1);
    expect(now.segments.some((s: any) => s.id === seg.id)).toBe(false);
    const speakerAfter = now.speakers.find((s: any) => s.id === seg.speaker.id);
    expect(speakerAfter.segmentCount).toBe(speakerBefore.segmentCount + 1);
    expect(await invariantViolations(em, tr.id)).toEqual([]);

    const merged = await gql(MERGE, { ids: [second.id, first.id], v: now.version });
    expect(merged.errors).toBeUndefined();
    expect(merged.data.mergeSegments).toMatchObject({
      id: first.id,
      index: 6,
      start: seg.start,
      end: seg.end,
    });
    now = await readTranscript(t, job.jobId, a);
    expect(now.segmentCount).toBe(tr.segmentCount);

    const del = await gql(DELETE, { id: first.id });
    expect(del.errors).toBeUndefined();
    expect(del.data.deleteSegment.segmentCount).toBe(tr.segmentCount - 1);
    now = await readTranscript(t, job.jobId, a);
    expect(now.segments.map((s: any) => s.index)).toEqual(
      now.segments.map((_: any, i: number) => i),
    );
    expect(now.text.split('\n')).toEqual(now.segments.map((s: any) => s.text));
    const total = now.speakers.reduce((n: number, s: any) => n + s.segmentCount, 0);
    expect(total).toBe(now.segmentCount);
    expect(await invariantViolations(em, tr.id)).toEqual([]);
  });

  test('find & replace: preview count, Kazakh capitals, whole words, one revision', async () => {
    if (!t) return;
    const tr = await readTranscript(t, job.jobId, a);
    const count = async (find: string, wholeWord?: boolean, matchCase?: boolean) =>
      (
        await gql(
          `query($id: ID!, $f: String!, $w: Boolean, $c: Boolean) { job(id: $id) { transcript { matchCount(find: $f, wholeWord: $w, matchCase: $c) } } }`,
          { id: job.jobId, f: find, w: wholeWord, c: matchCase },
        )
      ).data.job.transcript.matchCount;
    const expected = tr.segments.filter((s: any) => s.text.includes('Сәлеметсіз')).length;
    expect(expected).toBeGreaterThan(2);
    expect(await count('СӘЛЕМЕТСІЗ')).toBe(expected);
    expect(await count('СӘЛЕМЕТСІЗ', false, true)).toBe(0);
    expect(await count('Сәлемет', true)).toBe(0);
    const r = await gql(REPLACE, { t: tr.id, find: 'сәлеметсіз', replace: 'Сәлем', v: tr.version });
    expect(r.errors).toBeUndefined();
    expect(r.data.replaceInTranscript).toMatchObject({ replacements: expected });
    expect(r.data.replaceInTranscript.transcript.version).toBe(tr.version + 1);
    expect(r.data.replaceInTranscript.transcript.text).not.toContain('Сәлеметсіз');
    expect(await count('Сәлем бе', true)).toBe(expected);
    const none = await gql(REPLACE, { t: tr.id, find: 'жоқ-сөз', replace: 'x' });
    expect(none.data.replaceInTranscript).toMatchObject({ replacements: 0 });
    expect(none.data.replaceInTranscript.transcript.version).toBe(tr.version + 1);
    expect(await invariantViolations(em, tr.id)).toEqual([]);
  });

  test('rename is a revision; revert restores byte-identical exports, and reverting the revert is redo', async () => {
    if (!t) return;
    const tr = await readTranscript(t, job.jobId, a);
    const speaker = tr.speakers[0];
    const renamed = await gql(RENAME, { id: speaker.id, label: 'Әйгерім', v: speaker.version });
    expect(renamed.data.renameSpeaker).toMatchObject({
      label: 'Әйгерім',
      version: speaker.version + 1,
    });
    const stale = errorOf(
      await gql(RENAME, { id: speaker.id, label: 'Айгерим', v: speaker.version }),
    );
    expect(stale).toMatchObject({
      code: 'CONFLICT',
      reason: 'SPEAKER_CHANGED',
      currentVersion: speaker.version + 1,
    });
    const edited = await exportsOf(t, job.jobId, a);
    const editedText = (await readTranscript(t, job.jobId, a)).text;
    expect(edited.txt).toContain('Әйгерім');
    expect(edited.json).not.toBe(recognised.json);
    const latest = tr.version + 1;
    const revs = (await gql(REVISIONS, { id: job.jobId, first: 1 })).data.job.transcript.revisions;
    expect(revs.edges[0].node).toMatchObject({ number: latest, kind: 'rename-speaker' });

    const undo = await gql(REVERT, { t: tr.id, to: 1, v: latest });
    expect(undo.errors).toBeUndefined();
    expect(undo.data.revertTranscript.version).toBe(latest + 1);
    expect(await exportsOf(t, job.jobId, a)).toEqual(recognised);
    const restored = await readTranscript(t, job.jobId, a);
    expect(restored.segments.every((s: any) => !s.edited && s.version >= 1)).toBe(true);
    expect(restored.speakers[0].label).toBe(speaker.label);

    const redo = await gql(REVERT, { t: tr.id, to: latest });
    expect(redo.errors).toBeUndefined();
    expect(await exportsOf(t, job.jobId, a)).toEqual(edited);
    expect((await readTranscript(t, job.jobId, a)).text).toBe(editedText);
    // Restoring the state it is already in changes nothing.
    const again = await gql(REVERT, { t: tr.id, to: latest + 2 });
    expect(again.data.revertTranscript.version).toBe(latest + 2);
    const kinds = (await gql(REVISIONS, { id: job.jobId, first: 2 })).data.job.transcript.revisions;
    expect(kinds.edges.map((e: any) => e.node.kind)).toEqual(['revert', 'revert']);
    expect(kinds.pageInfo.hasNextPage).toBe(true);
    const older = await gql(REVISIONS, {
      id: job.jobId,
      first: 100,
      after: kinds.pageInfo.endCursor,
    });
    expect(older.data.job.transcript.revisions.edges[0].node.number).toBe(latest);
    expect(await invariantViolations(em, tr.id)).toEqual([]);
  });

  test("another tenant's segments, transcripts and speakers are NOT_FOUND", async () => {
    if (!t) return;
    const tr = await readTranscript(t, job.jobId, a);
    const seg = tr.segments[0];
    for (const [doc, vars] of [
      [EDIT, { id: seg.id, text: 'чужой' }],
      [SPLIT, { id: seg.id, at: seg.start + 0.1 }],
      [MERGE, { ids: [seg.id, tr.segments[1].id] }],
      [DELETE, { id: seg.id }],
      [REPLACE, { t: tr.id, find: 'а', replace: 'б' }],
      [REVERT, { t: tr.id, to: 1 }],
      [RENAME, { id: tr.speakers[0].id, label: 'x' }],
    ] as const) {
      expect(errorOf(await gql(doc, vars, b)).code).toBe('NOT_FOUND');
    }
    expect((await readTranscript(t, job.jobId, a)).version).toBe(tr.version);
    // Nor can another tenant follow its changes.
    const sub = t.subscribe(
      `subscription($id: ID!) { transcriptChanged(id: $id) { version } }`,
      { id: tr.id },
      b,
    );
    await sub.done;
    expect(JSON.stringify([...sub.errors, ...sub.events])).toContain('NOT_FOUND');
  });

  test('revisions are deleted with the job: deleteJob and expiry', async () => {
    if (!t) return;
    const gone = await seedCompletedJob(em, 30, { tenantId: 'tenant-a' });
    const expiring = await seedCompletedJob(em, 30, { tenantId: 'tenant-a', retentionHours: -1 });
    for (const j of [gone, expiring]) {
      const s = (await readTranscript(t, j.jobId, a)).segments[0];
      expect((await gql(EDIT, { id: s.id, text: 'өзгерді' })).errors).toBeUndefined();
      expect(await revisionRows(em, j.transcriptId)).toBe(2);
    }
    const del = await gql(`mutation($id: ID!) { deleteJob(id: $id) }`, { id: gone.jobId });
    expect(del.data.deleteJob).toBe(true);
    expect(await revisionRows(em, gone.transcriptId)).toBe(0);
    const expired = await t.app.resources.jobs.expireDue(t.app.resources.orm.em.fork());
    expect(expired).toContain(expiring.jobId);
    expect(await revisionRows(em, expiring.transcriptId)).toBe(0);
    expect(await revisionRows(em, job.transcriptId)).toBeGreaterThan(2);
  });
});
