/**
 * Full-text search on real SQLite and PostgreSQL: what a person typing Kazakh or Russian words
 * finds (any case, ё/е, Latin look-alikes, partial words, Russian forms on PostgreSQL), ranking,
 * paging, tenants, query syntax characters, and that the index follows every write to
 * `segments` (insert, update of text, delete, cascade from the transcript) and survives
 * restarts (a second schema update neither drops nor duplicates anything).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { initOrm } from '../../src/db/orm.js';
import type { Config } from '../../src/config/config.js';
import { Job, Transcript } from '../../src/db/entities/index.js';
import { searchTranscripts, type SearchArgs } from '../../src/services/search/index.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../helpers/postgres.js';
import { seedTranscript } from '../helpers/search-seed.js';

type Kind = 'sqlite' | 'postgresql';

const ROWS: Record<Kind, string> = {
  sqlite:
    'select (select count(*) from segment_search) as fts, (select count(*) from segment_search_keys) as keys',
  postgresql: 'select count(*) as fts, count(*) as keys from segment_search',
};

describe.each<Kind>(['sqlite', 'postgresql'])('searchTranscripts on %s', (kind) => {
  let orm: MikroORM;
  let database: Config['database'];
  let pg: ThrowawayDatabase | null = null;
  let dir = '';
  let em: () => EntityManager;
  let a: { jobId: string; transcriptId: string };
  let skip = false;

  const find = (args: SearchArgs | string, tenantId = 'tenant-a') =>
    searchTranscripts(em(), tenantId, typeof args === 'string' ? { query: args } : args);
  const texts = async (args: SearchArgs | string, tenantId?: string) =>
    (await find(args, tenantId)).hits.map((h) => h.segment.text);
  const indexRows = async () => {
    const [r] = await em().getConnection().execute(ROWS[kind]);
    return { fts: Number(r.fts), keys: Number(r.keys) };
  };
  const segmentRows = async () =>
    Number((await em().getConnection().execute('select count(*) as n from segments'))[0].n);

  beforeAll(async () => {
    if (kind === 'postgresql') {
      pg = await createThrowawayDatabase();
      if (!pg) {
        skip = true;
        return;
      }
      database = { kind, url: pg.url };
    } else {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kazru-search-'));
      database = { kind, file: path.join(dir, 'db.sqlite') };
    }
    orm = await initOrm({ database });
    em = () => orm.em.fork();
    a = await seedTranscript(
      em(),
      [
        'ҚАЗАҚСТАН Республикасының астанасы',
        'Біз әлем чемпионатына барамыз',
        { text: 'Ёлка стоит в Алматы', language: 'ru-RU' },
        { text: 'Мы купили елку вчера', language: 'ru-RU' },
        'Алматыда күн ашық',
        'Тəуелсіздік күнi құтты болсын', // Latin ə (U+0259) and Latin i
        { text: 'Номер договора сто двадцать три', language: 'ru-RU' },
        { text: 'Я не дождался звонка оператора', language: 'ru-RU' },
        { text: 'Он читает книги по вечерам', language: 'ru-RU' },
        'Ол «Абай жолы» кітабын оқыды',
      ],
      { tenantId: 'tenant-a' },
    );
    await seedTranscript(em(), ['Қазақстан тек B компаниясының құпиясы'], {
      tenantId: 'tenant-b',
    });
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await pg?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const maybe = (name: string, fn: () => Promise<void>, timeout?: number) =>
    test(
      name,
      async () => {
        if (skip) return console.warn(`skipped on ${kind}: no server`);
        await fn();
      },
      timeout,
    );

  maybe('Kazakh letters match whatever the case, both ways', async () => {
    expect(await texts('қазақстан')).toEqual(['ҚАЗАҚСТАН Республикасының астанасы']);
    expect(await texts('ҚАЗАҚСТАН')).toEqual(['ҚАЗАҚСТАН Республикасының астанасы']);
    expect(await texts('Әлем')).toEqual(['Біз әлем чемпионатына барамыз']);
    expect(await texts('ҒҰҮҢӨҺІ')).toEqual([]);
    expect(await texts('КҮН АШЫҚ')).toEqual(['Алматыда күн ашық']);
  });

  maybe('ё matches е and е matches ё', async () => {
    // On PostgreSQL the Russian stem (елк) also finds the other form: both are checked.
    expect(await texts('ёлка')).toContain('Ёлка стоит в Алматы');
    expect(await texts('елка')).toContain('Ёлка стоит в Алматы');
    expect(await texts('ёлку')).toContain('Мы купили елку вчера');
    expect(await texts({ query: 'ЁЛКА', language: 'kk-KZ' })).toEqual([]);
  });

  maybe('Latin look-alikes (ə, i) match Kazakh ә, і and the other way round', async () => {
    expect(await texts('тәуелсіздік')).toEqual(['Тəуелсіздік күнi құтты болсын']);
    expect(await texts('күні')).toEqual(['Тəуелсіздік күнi құтты болсын']);
    expect(await texts('\u0422\u0259уелс\u0069зд\u0069к')).toEqual([
      'Тəуелсіздік күнi құтты болсын',
    ]);
  });

  maybe('a word finds longer words it begins (partial words)', async () => {
    expect((await texts('Алмат')).sort()).toEqual(
      ['Ёлка стоит в Алматы', 'Алматыда күн ашық'].sort(),
    );
    expect(await texts('республика')).toEqual(['ҚАЗАҚСТАН Республикасының астанасы']);
    expect(await texts('договор')).toEqual(['Номер договора сто двадцать три']);
    // A Russian fleeting vowel: звонок / звонка.
    expect(await texts('звонок')).toEqual(['Я не дождался звонка оператора']);
  });

  maybe('every word must match; one-letter words match whole words only', async () => {
    expect(await texts('алматы күн')).toEqual(['Алматыда күн ашық']);
    expect(await texts('алматы чемпионат')).toEqual([]);
    expect(await texts('в')).toEqual(['Ёлка стоит в Алматы']);
  });

  if (kind === 'postgresql') {
    maybe('PostgreSQL: Russian forms by stem, and parts of words by pg_trgm', async () => {
      expect(await texts('книга')).toEqual(['Он читает книги по вечерам']);
      expect(await texts({ query: 'книга', language: 'kk-KZ' })).toEqual([]);
      expect(await texts('захстан')).toEqual([]);
      expect(await texts('зақстан')).toEqual(['ҚАЗАҚСТАН Республикасының астанасы']);
    });
  }

  maybe('snippets are short plain text with the match marked « »', async () => {
    const [hit] = (await find('алматыда')).hits;
    expect(hit.snippet).toBe('«Алматыда» күн ашық');
    const [quoted] = (await find('абай')).hits;
    expect(quoted.snippet).toBe('Ол ‹«Абай» жолы› кітабын оқыды');
    expect((await find('ҚАЗАҚСТАН')).hits[0].snippet).toBe('«ҚАЗАҚСТАН» Республикасының астанасы');
  });

  maybe('query syntax characters are plain separators, never errors', async () => {
    const plain = await texts('алматы');
    for (const q of [
      '"алматы',
      'алматы*',
      '(алматы',
      'алматы)',
      'алматы:*',
      '&алматы',
      '!алматы',
      "алматы'",
      'алматы -',
      '^алматы',
      'алматы | ',
    ]) {
      expect({ q, texts: await texts(q) }).toEqual({ q, texts: plain });
    }
    // NEAR, AND, OR, NOT are words, not operators: no segment says "near"; with OR every hit
    // has both words (PostgreSQL's Russian half drops English stop words such as "or").
    expect(await texts('NEAR(алматы)')).toEqual([]);
    for (const q of ['алматы OR ёлка', 'ёлка AND алматы', 'алматы NOT ёлка']) {
      expect({ q, texts: await texts(q) }).toEqual({
        q,
        texts: kind === 'postgresql' ? ['Ёлка стоит в Алматы'] : [],
      });
    }
    expect(await find('"*():&!')).toEqual({
      hits: [],
      totalCount: 0,
      totalCountCapped: false,
      hasNextPage: false,
    });
  });

  maybe('empty, too long, bad language and bad cursor are BAD_USER_INPUT', async () => {
    const reason = async (args: SearchArgs) => {
      try {
        await find(args);
        return 'no error';
      } catch (err) {
        const e = err as { code?: string; reason?: string };
        return `${e.code}:${e.reason}`;
      }
    };
    expect(await reason({ query: '' })).toBe('BAD_USER_INPUT:EMPTY_QUERY');
    expect(await reason({ query: '   \t ' })).toBe('BAD_USER_INPUT:EMPTY_QUERY');
    expect(await reason({ query: 'а'.repeat(201) })).toBe('BAD_USER_INPUT:QUERY_TOO_LONG');
    expect(await reason({ query: Array.from({ length: 13 }, (_, i) => `сөз${i}`).join(' ') })).toBe(
      'BAD_USER_INPUT:QUERY_TOO_LONG',
    );
    expect(await reason({ query: 'алматы', language: 'kz' })).toBe(
      'BAD_USER_INPUT:INVALID_LANGUAGE',
    );
    expect(await reason({ query: 'алматы', first: 101 })).toBe('BAD_USER_INPUT:INVALID_PAGE_SIZE');
    expect(await reason({ query: 'алматы', after: 'garbage' })).toBe(
      'BAD_USER_INPUT:INVALID_CURSOR',
    );
    const page = await find({ query: 'алматы', first: 1 });
    expect(await reason({ query: 'ёлка', after: page.hits[0].cursor })).toBe(
      'BAD_USER_INPUT:INVALID_CURSOR',
    );
  });

  maybe('the language argument keeps segments of that language only', async () => {
    expect(await texts({ query: 'алматы', language: 'ru-RU' })).toEqual(['Ёлка стоит в Алматы']);
    expect(await texts({ query: 'алматы', language: 'kk-KZ' })).toEqual(['Алматыда күн ашық']);
  });

  maybe('another tenant’s transcripts are never found', async () => {
    expect(await texts('құпиясы')).toEqual([]);
    expect(await texts('қазақстан')).toEqual(['ҚАЗАҚСТАН Республикасының астанасы']);
    expect(await texts('қазақстан', 'tenant-b')).toEqual(['Қазақстан тек B компаниясының құпиясы']);
    expect(await texts('алматы', 'tenant-b')).toEqual([]);
  });

  maybe('ranked: more of the word in a shorter segment first', async () => {
    const filler = 'сөз '.repeat(30);
    await seedTranscript(
      em(),
      [
        `${filler} бірегейсөз ${filler}`,
        'бірегейсөз бірегейсөз бірегейсөз',
        `бірегейсөз ${filler}`,
      ],
      { tenantId: 'tenant-rank' },
    );
    const ranked = await find('бірегейсөз', 'tenant-rank');
    expect(ranked.hits.map((h) => h.segment.text.length)).toEqual([32, 130, 251]);
    const [, , far] = ranked.hits;
    expect(far.snippet.startsWith('…')).toBe(true);
    expect(far.snippet).toContain('«бірегейсөз»');
    expect(far.snippet.length).toBeLessThanOrEqual(170);
  });

  maybe('paging by cursor: every hit once, no gaps, totalCount on every page', async () => {
    const many = Array.from({ length: 23 }, (_, i) => `жол ${i} ${'парақ '.repeat(1 + (i % 4))}`);
    await seedTranscript(em(), many, { tenantId: 'tenant-pages' });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await find({ query: 'парақ', first: 5, after }, 'tenant-pages');
      expect(page.totalCount).toBe(23);
      seen.push(...page.hits.map((h) => h.segment.id));
      pages++;
      if (!page.hasNextPage) break;
      after = page.hits.at(-1)!.cursor;
    }
    expect(pages).toBe(5);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    const all = await find({ query: 'парақ', first: 100 }, 'tenant-pages');
    expect(all.hits.map((h) => h.segment.id)).toEqual(seen);
    const past = await find(
      { query: 'парақ', first: 5, after: all.hits.at(-1)!.cursor },
      'tenant-pages',
    );
    expect(past).toMatchObject({ hits: [], totalCount: 23, hasNextPage: false });
  });

  maybe('many hits: the count stops at the cap, ranking goes window by window', async () => {
    // Segment i says "терезе" 1 + (i % 3) times: inside a window, more repeats rank first.
    const many = Array.from({ length: 30 }, (_, i) => `үй ${i} ${'терезе '.repeat(1 + (i % 3))}`);
    await seedTranscript(em(), many, { tenantId: 'tenant-windows' });
    const limits = { countCap: 10, rankWindow: 7 };
    const search = (after: string | null) =>
      searchTranscripts(em(), 'tenant-windows', { query: 'терезе', first: 4, after }, limits);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await search(after);
      expect(page).toMatchObject({ totalCount: 10, totalCountCapped: true });
      seen.push(...page.hits.map((h) => h.segment.text));
      if (!page.hasNextPage) break;
      after = page.hits.at(-1)!.cursor;
    }
    expect(new Set(seen).size).toBe(30);
    // The first window is the 7 newest segments (23..29), best first: 3 repeats, then 2, then 1.
    const numbers = seen.map((t) => Number(t.split(' ')[1]));
    expect(numbers.slice(0, 7)).toEqual([29, 26, 23, 28, 25, 27, 24]);
    expect(numbers.slice(7, 14).sort((x, y) => x - y)).toEqual([16, 17, 18, 19, 20, 21, 22]);
    const exact = await searchTranscripts(
      em(),
      'tenant-windows',
      { query: 'терезе' },
      { countCap: 30, rankWindow: 7 },
    );
    expect(exact).toMatchObject({ totalCount: 30, totalCountCapped: false, hasNextPage: true });
    const below = await searchTranscripts(em(), 'tenant-windows', { query: 'терезе' });
    expect(below).toMatchObject({ totalCount: 30, totalCountCapped: false });
  });

  maybe(
    'dense matches (every segment): windows walk the newest segments, no hit lost',
    async () => {
      const many = Array.from(
        { length: 250 },
        (_, i) => `қала ${i} ${'көше '.repeat(1 + (i % 5))}`,
      );
      await seedTranscript(em(), many, { tenantId: 'tenant-dense', words: false });
      const limits = { countCap: 100, rankWindow: 60 };
      const seen: number[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await searchTranscripts(
          em(),
          'tenant-dense',
          { query: 'көше', first: 100, after },
          limits,
        );
        expect(page).toMatchObject({ totalCount: 100, totalCountCapped: true });
        seen.push(...page.hits.map((h) => Number(h.segment.text.split(' ')[1])));
        if (!page.hasNextPage) break;
        after = page.hits.at(-1)!.cursor;
      }
      expect(new Set(seen).size).toBe(250);
      // The first window is the newest 60 (190..249), those with 5 repeats first.
      expect(seen.slice(0, 60).every((i) => i >= 190)).toBe(true);
      expect(seen.slice(0, 12).every((i) => i % 5 === 4)).toBe(true);
      expect(seen.slice(60, 120).every((i) => i >= 130 && i < 190)).toBe(true);
    },
  );

  maybe('hits carry the job, the segment with its start time, and the transcript', async () => {
    const [hit] = (await find('чемпионат')).hits;
    expect(hit).toMatchObject({ jobId: a.jobId });
    expect(hit.segment).toMatchObject({ transcriptId: a.transcriptId, index: 1, start: 4 });
  });

  maybe('the index follows UPDATE of text and DELETE; renumbering rewrites nothing', async () => {
    const s = await seedTranscript(em(), ['бірінші өзгермелі', 'екінші жолақ'], {
      tenantId: 'tenant-edit',
    });
    const conn = () => em().getConnection();
    const [first] = await conn().execute(
      `select id from segments where transcript_id = ? and "index" = 0`,
      [s.transcriptId],
    );
    await conn().execute(`update segments set text = ? where id = ?`, [
      'жаңартылған мәтін',
      first.id,
    ]);
    expect(await texts('өзгермелі', 'tenant-edit')).toEqual([]);
    expect(await texts('жаңартылған', 'tenant-edit')).toEqual(['жаңартылған мәтін']);
    const before = await indexRows();
    if (kind === 'postgresql') {
      const xmin = () =>
        conn().execute(
          `select x.segment_id, x.xmin::text as v from segment_search x join segments s on s.id = x.segment_id where s.transcript_id = ? order by 1`,
          [s.transcriptId],
        );
      const was = await xmin();
      await conn().execute(`update segments set "index" = "index" + 100 where transcript_id = ?`, [
        s.transcriptId,
      ]);
      expect(await xmin()).toEqual(was);
    } else {
      const r = await conn().execute(
        `update segments set "index" = "index" + 100 where transcript_id = ?`,
        [s.transcriptId],
        'run',
      );
      // Only the two segment rows changed: no trigger wrote to the index.
      expect(r.affectedRows).toBe(2);
      const [{ n }] = await conn().execute('select total_changes() as n');
      await conn().execute(`update segments set "index" = "index" - 100 where transcript_id = ?`, [
        s.transcriptId,
      ]);
      const [{ n: after }] = await conn().execute('select total_changes() as n');
      expect(Number(after) - Number(n)).toBe(2);
    }
    expect(await indexRows()).toEqual(before);
    await conn().execute(`delete from segments where id = ?`, [first.id]);
    expect(await texts('жаңартылған', 'tenant-edit')).toEqual([]);
    expect(await indexRows()).toEqual({ fts: before.fts - 1, keys: before.keys - 1 });
  });

  maybe(
    'deleting a transcript or a job removes its segments from the index (cascade)',
    async () => {
      const s = await seedTranscript(em(), ['жойылатын транскрипт', 'тағы бір жол'], {
        tenantId: 'tenant-gone',
      });
      const j = await seedTranscript(em(), ['жойылатын жұмыс'], { tenantId: 'tenant-gone' });
      const before = await indexRows();
      expect(await texts('жойылатын', 'tenant-gone')).toHaveLength(2);
      await em().nativeDelete(Transcript, { id: s.transcriptId }); // what expiry does
      expect(await indexRows()).toEqual({ fts: before.fts - 2, keys: before.keys - 2 });
      await em().nativeDelete(Job, { id: j.jobId }); // what deleteJob does
      expect(await indexRows()).toEqual({ fts: before.fts - 3, keys: before.keys - 3 });
      expect(await texts('жойылатын', 'tenant-gone')).toEqual([]);
    },
  );

  maybe(
    'a restart (schema update again) neither drops nor duplicates the index',
    async () => {
      const before = await indexRows();
      expect(before.fts).toBe(await segmentRows());
      const pending = await orm.schema.getUpdateSchemaSQL({ safe: true });
      expect(pending).not.toMatch(/segment_search|kazru_|drop trigger|drop function/i);
      await orm.close(true);
      orm = await initOrm({ database });
      await orm.schema.update({ safe: true }); // and once more, as a second process would
      expect(await indexRows()).toEqual(before);
      expect(await texts('ҚАЗАҚСТАН')).toEqual(['ҚАЗАҚСТАН Республикасының астанасы']);
      await seedTranscript(em(), ['қайта іске қосылғаннан кейін'], { tenantId: 'tenant-a' });
      expect(await texts('қосылғаннан')).toEqual(['қайта іске қосылғаннан кейін']);
    },
    60_000,
  );

  maybe(
    'segments written before the index existed are indexed once at start-up',
    async () => {
      const drop =
        kind === 'sqlite'
          ? [
              'drop trigger segments_search_insert',
              'drop trigger segments_search_update',
              'drop trigger segments_search_delete',
              'drop trigger segments_search_language',
              'drop table segment_search',
              'drop table segment_search_keys',
            ]
          : [
              'drop trigger segments_search_insert on segments',
              'drop trigger segments_search_update on segments',
              'drop table segment_search',
            ];
      for (const statement of drop) await em().getConnection().execute(statement);
      await seedTranscript(em(), ['индекссіз жазылған сегмент'], { tenantId: 'tenant-a' });
      await orm.close(true);
      orm = await initOrm({ database });
      expect((await indexRows()).fts).toBe(await segmentRows());
      expect((await indexRows()).keys).toBe(await segmentRows());
      expect(await texts('индекссіз')).toEqual(['индекссіз жазылған сегмент']);
      expect(await texts('ҚАЗАҚСТАН')).toEqual(['ҚАЗАҚСТАН Республикасының астанасы']);
      if (kind === 'sqlite') {
        await em().getConnection().execute('vacuum');
        expect(await texts('индекссіз')).toEqual(['индекссіз жазылған сегмент']);
        await em()
          .getConnection()
          .execute(`insert into segment_search(segment_search) values ('integrity-check')`);
      }
    },
    60_000,
  );
});
