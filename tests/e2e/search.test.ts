/**
 * searchTranscripts through the real GraphQL API, on segments written by the real pipeline (upload
 * → worker → SpeechKit double → transcript): a Kazakh word typed in capitals finds its segment
 * with job, start time, speaker and words; another tenant finds nothing of it; errors carry
 * BAD_USER_INPUT; deleting the job removes its segments from the search at once.
 */
import path from 'node:path';
import { FIXTURES_DIR, startTestApp, type TestApp } from '../helpers/harness.js';
import { seedTranscript } from '../helpers/search-seed.js';

const FIXTURE = path.join(FIXTURES_DIR, 'dialogue-mono.ogg');

const SEARCH = `query($q: String!, $language: String, $first: Int, $after: String) {
  searchTranscripts(query: $q, language: $language, first: $first, after: $after) {
    totalCount
    totalCountCapped
    pageInfo { hasNextPage endCursor }
    edges { cursor node { snippet job { id filename status }
      segment { id index start end text language speaker { label } words { text start end } } } }
  }
}`;

describe('searchTranscripts over GraphQL (AUTH_MODE=api-key)', () => {
  let t: TestApp;
  let keyA: string;
  let keyB: string;
  let jobA: string;

  const search = (apiKey: string, variables: Record<string, unknown>) =>
    t.gql(SEARCH, variables, { apiKey });

  beforeAll(async () => {
    t = await startTestApp({ AUTH_MODE: 'api-key' });
    keyA = await t.createTenantKey('search-a');
    keyB = await t.createTenantKey('search-b');
    const up = await t.upload(FIXTURE, null, 'Байланыс орталығы.ogg', { apiKey: keyA });
    jobA = up.data.uploadAudio.id as string;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await t.gql(
        'query($id: ID!) { job(id: $id) { status } }',
        { id: jobA },
        { apiKey: keyA },
      );
      if (r.data?.job?.status === 'COMPLETED') break;
      if (Date.now() > deadline) throw new Error(`job ${jobA}: ${JSON.stringify(r)}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }, 90_000);
  afterAll(async () => t?.close());

  test('a Kazakh word in capitals finds the recognised segment, with job, start and speaker', async () => {
    const r = await search(keyA, { q: 'КЕЛІСІМШАРТ' });
    expect(r.errors).toBeUndefined();
    const conn = r.data.searchTranscripts;
    expect(conn.totalCount).toBe(1);
    expect(conn.totalCountCapped).toBe(false);
    const hit = conn.edges[0].node;
    expect(hit.job).toEqual({ id: jobA, filename: 'Байланыс орталығы.ogg', status: 'COMPLETED' });
    expect(hit.segment.text).toMatch(/^Түсіндім\. Келісімшарт нөміріңізді/);
    expect(hit.snippet).toContain('«Келісімшарт»');
    expect(hit.segment.language).toBe('kk-KZ');
    expect(hit.segment.start).toBeGreaterThan(0);
    expect(hit.segment.speaker.label).toMatch(/\S/);
    expect(hit.segment.words.map((w: { text: string }) => w.text)).toContain('келісімшарт');
    // The same segment as the transcript itself shows at that position.
    const tr = await t.gql(
      'query($id: ID!, $o: Int!) { job(id: $id) { transcript { segments(offset: $o, limit: 1) { id start } } } }',
      { id: jobA, o: hit.segment.index },
      { apiKey: keyA },
    );
    expect(tr.data.job.transcript.segments[0]).toEqual({
      id: hit.segment.id,
      start: hit.segment.start,
    });
  });

  test('partial words and the language filter over the API', async () => {
    const r = await search(keyA, { q: 'догов', language: 'ru-RU' });
    expect(r.data.searchTranscripts.edges.map((e: any) => e.node.segment.text)).toEqual([
      'Номер договора сто двадцать три, четыреста пятьдесят шесть.',
    ]);
    const kk = await search(keyA, { q: 'догов', language: 'kk-KZ' });
    expect(kk.data.searchTranscripts.totalCount).toBe(0);
  });

  test('another tenant never finds it, and finds its own', async () => {
    await seedTranscript(t.app.resources.orm.em.fork(), ['Келісімшарт B тенантында'], {
      tenantId: 'search-b',
    });
    const asB = await search(keyB, { q: 'келісімшарт' });
    expect(asB.errors).toBeUndefined();
    expect(asB.data.searchTranscripts.edges.map((e: any) => e.node.segment.text)).toEqual([
      'Келісімшарт B тенантында',
    ]);
    expect(JSON.stringify(asB.data)).not.toContain(jobA);
    const asA = await search(keyA, { q: 'тенантында' });
    expect(asA.data.searchTranscripts.totalCount).toBe(0);
  });

  test('bad input is BAD_USER_INPUT with a reason; syntax characters are not errors', async () => {
    for (const [variables, reason] of [
      [{ q: '   ' }, 'EMPTY_QUERY'],
      [{ q: 'сөз'.repeat(70) }, 'QUERY_TOO_LONG'],
      [{ q: 'сөз', language: 'kazakh' }, 'INVALID_LANGUAGE'],
      [{ q: 'сөз', first: 0 }, 'INVALID_PAGE_SIZE'],
      [{ q: 'сөз', after: 'nonsense' }, 'INVALID_CURSOR'],
    ] as const) {
      const r = await search(keyA, variables);
      expect({
        variables,
        code: r.errors?.[0]?.extensions?.code,
        reason: r.errors?.[0]?.extensions?.reason,
      }).toEqual({
        variables,
        code: 'BAD_USER_INPUT',
        reason,
      });
    }
    const odd = await search(keyA, { q: '"келісімшарт* AND (NEAR: & !' });
    expect(odd.errors).toBeUndefined();
    expect(odd.data.searchTranscripts.totalCount).toBe(0);
    const quoted = await search(keyA, { q: '"келісімшарт*' });
    expect(quoted.data.searchTranscripts.totalCount).toBe(1);
  });

  test('deleting the job removes its segments from the search at once', async () => {
    const del = await t.gql(
      'mutation($id: ID!) { deleteJob(id: $id) }',
      { id: jobA },
      { apiKey: keyA },
    );
    expect(del.data.deleteJob).toBe(true);
    const r = await search(keyA, { q: 'келісімшарт' });
    expect(r.data.searchTranscripts).toMatchObject({ totalCount: 0, edges: [] });
  });
});
