/**
 * Kazakh Cyrillic → Latin: every letter of both maps in every case against the committed table,
 * the table itself against the letters the issue and the sources fix, İ/ı casing, look-alikes,
 * and the document step (only kk-KZ segments change).
 */
import {
  LETTER_TABLE,
  lowerKazakhLatin,
  normalizeLookalikes,
  prepareDocument,
  renderExport,
  resolveExportOptions,
  transliterate,
  upperKazakhLatin,
  type ExportScript,
} from '../../../src/exports/index.js';
import { fixtureDocument } from '../../helpers/export-docs.js';

const SCRIPTS = [
  ['KAZAKH_LATIN_2021', 'kazakhLatin2021'],
  ['BGN_PCGN', 'bgnPcgn'],
] as const;

describe('the letter table', () => {
  test('has the 42 letters of Kazakh Cyrillic, each once, with a source for both scripts', () => {
    const letters = LETTER_TABLE.map((r) => r.cyrillic[0]).join('');
    expect(letters).toBe('АӘБВГҒДЕЁЖЗИЙКҚЛМНҢОӨПРСТУҰҮФХҺЦЧШЩЪЫІЬЭЮЯ');
    for (const row of LETTER_TABLE) {
      expect(row.cyrillic[1]).toBe(row.cyrillic[0].toLowerCase());
      expect(row.source2021.length).toBeGreaterThan(10);
      expect(row.sourceBgn).toMatch(/BGN\/PCGN 1979/);
    }
  });

  test('2021: the letters the issue names, and only the 31-letter alphabet for Kazakh sounds', () => {
    const lower = Object.fromEntries(
      LETTER_TABLE.map((r) => [r.cyrillic[1], r.kazakhLatin2021.lower]),
    );
    expect(lower).toMatchObject({
      ә: 'ä',
      ғ: 'ğ',
      и: 'i',
      й: 'i',
      і: 'ı',
      қ: 'q',
      ң: 'ñ',
      ө: 'ö',
      ұ: 'ū',
      ү: 'ü',
      ш: 'ş',
      ы: 'y',
      һ: 'h',
      х: 'h',
      у: 'u',
      ж: 'j',
      ц: 'ts',
      ч: 'ch',
      щ: 'şş',
      ю: 'iu',
      я: 'ia',
      ъ: '',
      ь: '',
    });
    const alphabet = new Set(
      'A Ä B D E F G Ğ H I İ J K L M N Ñ O Ö P Q R S Ş T U Ū Ü V Y Z'.split(' '),
    );
    const russianOnly = new Set(['Ц', 'Ч']); // ts / ch: written with letters outside the 31 (C)
    for (const row of LETTER_TABLE) {
      if (russianOnly.has(row.cyrillic[0])) continue;
      for (const ch of row.kazakhLatin2021.caps) expect(alphabet).toContain(ch);
    }
  });

  test('BGN/PCGN: the published digraphs and diacritics', () => {
    const lower = Object.fromEntries(LETTER_TABLE.map((r) => [r.cyrillic[1], r.bgnPcgn.lower]));
    expect(lower).toMatchObject({
      ә: 'ä',
      ғ: 'gh',
      ж: 'zh',
      и: 'ī',
      й: 'y',
      ң: 'ng',
      у: 'ū',
      ұ: 'u',
      х: 'kh',
      һ: 'h',
      ц: 'ts',
      ч: 'ch',
      ш: 'sh',
      щ: 'shch',
      ъ: '”',
      ь: '’',
      э: 'ė',
      ю: 'yu',
      я: 'ya',
      і: 'i',
      ы: 'y',
    });
  });

  test('the all-capitals form of 2021 letters is their Turkish-style upper case', () => {
    for (const row of LETTER_TABLE) {
      const f = row.kazakhLatin2021;
      expect(f.caps).toBe(upperKazakhLatin(f.lower));
      expect(lowerKazakhLatin(f.upper)).toBe(f.lower);
    }
  });
});

describe.each(SCRIPTS)('%s: every letter in every case', (script, column) => {
  test.each(LETTER_TABLE.map((r) => [r.cyrillic[0], r] as const))('%s', (_letter, row) => {
    const f = row[column];
    const [upper, lower] = row.cyrillic;
    // Alone, in a lower-case word, at a word start, inside an all-capitals word.
    expect(transliterate(lower, script)).toBe(f.lower);
    expect(transliterate(`а${lower}а`, script)).toBe(`a${f.lower}a`);
    expect(transliterate(`${upper}а`, script)).toBe(`${f.upper}a`);
    expect(transliterate(`А${upper}А`, script)).toBe(`A${f.caps}A`);
    expect(transliterate(`АА${upper}`, script)).toBe(`AA${f.caps}`);
    expect(transliterate(upper, script)).toBe(f.upper);
  });
});

describe('capitals', () => {
  const latin = (text: string) => transliterate(text, 'KAZAKH_LATIN_2021');

  test('İ for и/й and I for і, never the JavaScript upper case of i', () => {
    expect(latin('Ит Иә Йогурт Іні Ізгі')).toBe('İt İä İogurt Inı Izgı');
    expect('i'.toUpperCase()).toBe('I'); // why the table carries capitals explicitly
  });

  test('all-capitals words keep every letter capital, digraphs included', () => {
    expect(latin('ҚАЗАҚСТАН ЖӘНЕ ІШКІ ИСТЕР')).toBe('QAZAQSTAN JÄNE IŞKI İSTER');
    expect(latin('ЩИТ ЮНИСЕФ ЦИРК ЧЕМПИОН')).toBe('ŞŞİT İUNİSEF TSİRK CHEMPİON');
    expect(transliterate('ЖЕҢІС ШЫҒЫС ЦЕХ', 'BGN_PCGN')).toBe('ZHENGIS SHYGHYS TSEKH');
  });

  test('sentence starts: a capital then lower case, digraphs in title case', () => {
    expect(latin('Иә. Іздеу керек! Юлия келді? Шымкент.')).toBe(
      'İä. Izdeu kerek! İuliia keldı? Şymkent.', // и + я gives i + ia
    );
    expect(transliterate('Щучинск. Жаңаөзен.', 'BGN_PCGN')).toBe('Shchūchīnsk. Zhangaözen.');
  });

  test('upper/lower helpers follow the 2021 alphabet', () => {
    expect(upperKazakhLatin('bırınşı iş')).toBe('BIRINŞI İŞ');
    expect(lowerKazakhLatin('BIRINŞI İŞ')).toBe('bırınşı iş');
    expect('İ'.toLowerCase()).not.toBe('i'); // i + combining dot, which the helper avoids
  });
});

describe('look-alike characters', () => {
  test('ə ɵ (and capitals) become ә ө everywhere', () => {
    expect(normalizeLookalikes('əке Ɵзен ɵмір Əлем')).toBe('әке Өзен өмір Әлем');
    expect(transliterate('Əке ɵмір', 'KAZAKH_LATIN_2021')).toBe('Äke ömır');
  });

  test('Latin letters inside Cyrillic words become the Cyrillic ones; Latin words stay', () => {
    expect(normalizeLookalikes('бiр мектeп Iс')).toBe('бір мектеп Іс');
    expect(normalizeLookalikes('iPhone Wi-Fi OK')).toBe('iPhone Wi-Fi OK');
    expect(transliterate('бiр iPhone', 'KAZAKH_LATIN_2021')).toBe('bır iPhone');
    expect(normalizeLookalikes('мектeп').length).toBe('мектeп'.length);
  });
});

describe('published BGN/PCGN examples (interscript/maps tests, bgnpcgn-kaz-Cyrl-Latn-1979)', () => {
  test.each([
    ['Өтебас Артезиан Құдығы', 'Ötebas Artezīan Qudyghy'],
    ['Әулиетөбе Тауы', 'Äūlīetöbe Taūy'],
    ['Ұялы Метеорологиялық Станциясы', 'Uyaly Meteorologīyalyq Stantsīyasy'],
    ['Энгельс Көшесi', 'Ėngel’s Köshesi'],
    ['Щебнюха Тауы', 'Shchebnyukha Taūy'],
    ['Горько-Солёное Көлі', 'Gor’ko-Solyonoe Köli'],
    ['Іңқардария', 'Ingqardarīya'],
    ['Оңтүстік Қазақстан Облысы', 'Ongtüstik Qazaqstan Oblysy'],
  ])('%s → %s', (cyr, latin) => {
    expect(transliterate(cyr, 'BGN_PCGN')).toBe(latin);
  });
});

describe('the document step', () => {
  const doc = fixtureDocument('dialogue-mono.json'.replace('.json', '.ogg'));

  test.each<ExportScript>(['KAZAKH_LATIN_2021', 'BGN_PCGN'])(
    '%s changes kk-KZ segments and their words only; Russian stays Cyrillic',
    (script) => {
      const prepared = prepareDocument(doc, resolveExportOptions({ script }));
      for (const [i, seg] of prepared.segments.entries()) {
        const original = doc.segments[i];
        if (original.language === 'kk-KZ') {
          expect(seg.text).toBe(transliterate(original.text, script));
          expect(seg.text).not.toMatch(/\p{Script=Cyrillic}/u);
          expect(seg.words.map((w) => w.text).join(' ')).toBe(seg.text);
        } else {
          expect(seg.text).toBe(original.text);
        }
      }
      expect(doc.segments[0].text).toMatch(/^Сәлеметсіз/); // the input is not modified
    },
  );

  test('default labels and headers come from the locale; renamed speakers keep their names', () => {
    const txt = (options: object, d = doc) => renderExport(d, 'TXT', options);
    expect(txt({})).toMatch(/^Транскрипт: .*\nҰзақтығы: 00:00:20\n/);
    expect(txt({})).toContain('] Сөйлеуші 1: Сәлеметсіз бе');
    expect(txt({ locale: 'ru' })).toContain('] Спикер 2: Здравствуйте');
    expect(txt({ locale: 'en' })).toContain('] Speaker 2: Здравствуйте');
    expect(txt({ script: 'KAZAKH_LATIN_2021' })).toMatch(/^Transkript: .*\nŪzaqtyğy:/);
    expect(txt({ script: 'KAZAKH_LATIN_2021' })).toContain('] Söileuşı 1: Sälemetsız be');
    const renamed = fixtureDocument('dialogue-mono.ogg', { '0': 'Әлия Серікқызы', '1': 'Иван' });
    expect(txt({ locale: 'ru', script: 'KAZAKH_LATIN_2021' }, renamed)).toContain(
      '] Äliia Serıkqyzy: Sälemetsız be',
    );
    expect(txt({ locale: 'en' }, renamed)).toContain('] Иван: Здравствуйте');
  });
});
