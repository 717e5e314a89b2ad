/**
 * Language facts and deterministic text transforms of the OpenAI-compatible test double.
 *
 * The language table is Whisper's: the ISO-639-1 codes (plus `haw`, `yue`) and the lower-case
 * English names that openai/whisper@whisper/tokenizer.py `LANGUAGES` lists. OpenAI's
 * `verbose_json` and whisper.cpp (`whisper_lang_str_full`) report the name; speaches
 * (faster-whisper `TranscriptionInfo.language`) and vLLM report the code.
 */

/** Whisper language code → full name (openai/whisper@whisper/tokenizer.py `LANGUAGES`). */
export const WHISPER_LANGUAGES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    (
      'en english,zh chinese,de german,es spanish,ru russian,ko korean,fr french,ja japanese,' +
      'pt portuguese,tr turkish,pl polish,ca catalan,nl dutch,ar arabic,sv swedish,it italian,' +
      'id indonesian,hi hindi,fi finnish,vi vietnamese,he hebrew,uk ukrainian,el greek,ms malay,' +
      'cs czech,ro romanian,da danish,hu hungarian,ta tamil,no norwegian,th thai,ur urdu,' +
      'hr croatian,bg bulgarian,lt lithuanian,la latin,mi maori,ml malayalam,cy welsh,sk slovak,' +
      'te telugu,fa persian,lv latvian,bn bengali,sr serbian,az azerbaijani,sl slovenian,' +
      'kn kannada,et estonian,mk macedonian,br breton,eu basque,is icelandic,hy armenian,' +
      'ne nepali,mn mongolian,bs bosnian,kk kazakh,sq albanian,sw swahili,gl galician,mr marathi,' +
      'pa punjabi,si sinhala,km khmer,sn shona,yo yoruba,so somali,af afrikaans,oc occitan,' +
      'ka georgian,be belarusian,tg tajik,sd sindhi,gu gujarati,am amharic,yi yiddish,lo lao,' +
      'uz uzbek,fo faroese,ht haitian creole,ps pashto,tk turkmen,nn nynorsk,mt maltese,' +
      'sa sanskrit,lb luxembourgish,my myanmar,bo tibetan,tl tagalog,mg malagasy,as assamese,' +
      'tt tatar,haw hawaiian,ln lingala,ha hausa,ba bashkir,jw javanese,su sundanese,yue cantonese'
    )
      .split(',')
      .map((pair) => {
        const space = pair.indexOf(' ');
        return [pair.slice(0, space), pair.slice(space + 1)];
      }),
  ),
);

/** True when `code` is one of {@link WHISPER_LANGUAGES}' codes. */
export function isWhisperLanguage(code: string): boolean {
  return Object.hasOwn(WHISPER_LANGUAGES, code);
}

/** Full lower-case name of a Whisper code (`kk` → `kazakh`); the code itself when unknown. */
export function languageName(code: string): string {
  return WHISPER_LANGUAGES[code] ?? code;
}

/** The ISO-639-1 part of a BCP-47 tag from a fixture manifest (`kk-KZ` → `kk`). */
export function isoCode(bcp47: string): string {
  return bcp47.split('-')[0].toLowerCase();
}

/** Kazakh letters a Russian decoder does not have, and the letter it writes instead. */
const KK_TO_RU: Record<string, string> = {
  ә: 'а',
  ғ: 'г',
  қ: 'к',
  ң: 'н',
  ө: 'о',
  ұ: 'у',
  ү: 'у',
  һ: 'х',
  і: 'и',
};
/** Russian letters a Kazakh decoder tends to "hear" as Kazakh ones (deterministic, not phonetics). */
const RU_TO_KK: Record<string, string> = { о: 'ө', у: 'ұ', к: 'қ', г: 'ғ', н: 'ң', и: 'і', а: 'ә' };

function mapLetters(text: string, table: Record<string, string>): string {
  return Array.from(text, (ch) => {
    const lower = ch.toLowerCase();
    const to = table[lower];
    if (to === undefined) return ch;
    return ch === lower ? to : to.toUpperCase();
  }).join('');
}

/**
 * What a Whisper decoder forced to language `decodeAs` writes for speech in another language: a
 * deterministic mangling of the true text, never equal to it. Letters are mapped towards the
 * target alphabet (Kazakh-only letters become Russian ones for `ru`, some Russian letters become
 * Kazakh ones for `kk`) and, in every word of 4+ letters, the 2nd and 3rd letters swap places.
 */
export function garble(text: string, decodeAs: string): string {
  const table = decodeAs === 'ru' ? KK_TO_RU : decodeAs === 'kk' ? RU_TO_KK : {};
  const swapped = text.replace(/\p{L}{4,}/gu, (w) => {
    const cs = Array.from(w);
    [cs[1], cs[2]] = [cs[2], cs[1]];
    return cs.join('');
  });
  const out = mapLetters(swapped, table);
  return out === text ? `${text} ${text}` : out;
}

/** Cyrillic (Russian and Kazakh letters) → Latin, for the double's fake English "translation". */
const TRANSLIT: Record<string, string> = {
  а: 'a', ә: 'ae', б: 'b', в: 'v', г: 'g', ғ: 'gh', д: 'd', е: 'e', ё: 'yo', ж: 'zh', з: 'z',
  и: 'i', й: 'y', і: 'i', к: 'k', қ: 'q', л: 'l', м: 'm', н: 'n', ң: 'ng', о: 'o', ө: 'oe',
  п: 'p', р: 'r', с: 's', т: 't', у: 'u', ұ: 'u', ү: 'ue', ф: 'f', х: 'kh', һ: 'h', ц: 'ts',
  ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
}; // prettier-ignore

/** Marker that starts every fake English "translation" the double returns. */
export const TRANSLATION_MARK = '[translated to English]';

/**
 * The double's stand-in for Whisper translating non-English speech into English (what a server
 * defaulting to `en` does, see whisper.cpp `language = "en"`): `[translated to English] ` plus
 * a Latin transliteration of the text. Deliberately not a plausible transcript.
 */
export function fakeEnglish(text: string): string {
  const latin = Array.from(text, (ch) => {
    const lower = ch.toLowerCase();
    const to = TRANSLIT[lower];
    if (to === undefined) return ch;
    return ch === lower || to === '' ? to : to[0].toUpperCase() + to.slice(1);
  }).join('');
  return `${TRANSLATION_MARK} ${latin}`;
}
