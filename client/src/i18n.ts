/**
 * Interface text in Kazakh (`kk`) and Russian (`ru`). The language comes from localStorage, else
 * from `navigator.language`, else Kazakh; `setLang` remembers the choice and sets `<html lang>`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Interface languages. */
export type Lang = 'kk' | 'ru';

const kk = {
  tagline: 'Қазақ және орыс сөйлеуін мәтінге айналдыру',
  demoBanner:
    'Демо режимі: сөйлеуді тану қосылмаған, мәтіндер шынайы емес, үлгі ғана. Нақты тану үшін SpeechKit (YANDEX_API_KEY) немесе Whisper серверін (OPENAI_STT_URL) қосыңыз — README, «Speech engines» бөлімін қараңыз.',
  interfaceLanguage: 'Интерфейс тілі',
  reconnecting: 'Қайта қосылуда…',
  offline: 'Серверге қосылу мүмкін емес. Қайта әрекет жасалуда…',
  retryNow: 'Қазір қайталау',
  retrying: 'Бірнеше секундтан кейін қайта әрекет жасалады…',
  uploadTitle: 'Жазбаны жүктеу',
  dropHint: 'Аудиофайлдарды осында сүйреп әкеліңіз немесе',
  chooseFiles: 'Файлдарды таңдау',
  formats: 'Пішімдер: {formats}.',
  limits: 'Бір файл: {size} дейін, ұзақтығы {duration} дейін.',
  retention: 'Жазбалар мен мәтіндер {retention} кейін жойылады.',
  languagesLabel: 'Сөйлеу тілі',
  langBoth: 'Қазақша және орысша',
  langKk: 'Қазақша',
  langRu: 'Орысша',
  langAuto: 'Автоматты анықтау',
  diarLabel: 'Сөйлеушілерді бөлу',
  engineLabel: 'Тану жүйесі',
  diarAuto: 'Автоматты',
  diarSpeaker: 'Дауыс бойынша',
  diarChannels: 'Арна бойынша (стерео)',
  diarNone: 'Бөлмеу',
  fileWaiting: 'Жіберуді күтуде',
  fileUploading: 'Жіберілуде… {percent}%',
  fileAccepted: 'Қабылданды, өңдеу басталды',
  fileTooBig: 'Файл тым үлкен ({size}). Ең үлкен көлем — {max}.',
  uploadProgress: '«{name}» жіберілуі',
  networkError: 'Серверге қосылу мүмкін болмады. Байланысты тексеріп, қайталап көріңіз.',
  serverError: 'Сервер қатесі (HTTP {status}). Кейінірек қайталап көріңіз.',
  tooLargeHttp: 'Файл сервер үшін тым үлкен.',
  jobsTitle: 'Жұмыстар',
  noJobs: 'Әзірге жұмыс жоқ. Жоғарыда жазбаны жүктеңіз.',
  loadMore: 'Тағы көрсету',
  status_QUEUED: 'Кезекте',
  status_TRANSCODING: 'Аудио дайындалуда',
  status_TRANSCRIBING: 'Мәтінге айналдырылуда',
  status_COMPLETED: 'Дайын',
  status_FAILED: 'Қате',
  status_CANCELLED: 'Тоқтатылды',
  status_EXPIRED: 'Мерзімі өтті',
  jobProgress: '«{name}» орындалуы',
  duration: 'Ұзақтығы: {value}',
  expiresIn: '{value} кейін жойылады',
  expiresSoon: 'Жақында жойылады',
  readyIn: 'Шамамен {n} минутта дайын болады',
  open: 'Мәтінді ашу',
  cancel: 'Тоқтату',
  delete: 'Жою',
  confirmDelete: '«{name}» жойылсын ба? Оны қайтару мүмкін емес.',
  confirmYes: 'Иә, жою',
  confirmNo: 'Жоқ',
  deleted: '«{name}» жойылды',
  cancelled: '«{name}» тоқтатылды',
  jobDone: '«{name}» дайын',
  back: '← Барлық жұмыстар',
  notFound: 'Жұмыс табылмады. Ол жойылған немесе сілтеме қате болуы мүмкін.',
  keyTitle: 'API кілті қажет',
  keyHint:
    'Бұл сервер API кілтімен ғана жұмыс істейді. Кілтті әкімшіден алыңыз; ол осы браузерде сақталады.',
  keyLabel: 'API кілті',
  keySave: 'Кіру',
  keyRefused: 'Кілт қабылданбады: {message}',
  keyForget: 'Кілтті ұмыту',
  loading: 'Жүктелуде…',
  notReady: 'Мәтін әлі дайын емес.',
  speakers: 'Сөйлеушілер',
  rename: 'Атын өзгерту',
  renameLabel: '{name}: жаңа ат',
  save: 'Сақтау',
  cancelEdit: 'Болдырмау',
  renameHint: 'Enter — сақтау, Esc — болдырмау',
  renamed: 'Сөйлеуші енді «{name}» деп аталады',
  emptyName: 'Ат бос болмауы керек.',
  downloads: 'Жүктеп алу:',
  downloadAs: '{format} пішімінде жүктеп алу',
  exportOptions: 'Экспорт баптаулары',
  exportScript: 'Жазу:',
  exportLocale: 'Құжат тілі:',
  exportPreview: 'Таңдалған жазумен алдын ала қарау',
  exportOpt_timestamps: 'уақыт',
  exportOpt_speakers: 'сөйлеушілер',
  exportOpt_languageTags: 'тіл белгілері',
  script_ORIGINAL: 'кирилл (түпнұсқа)',
  script_KAZAKH_LATIN_2021: 'латын (2021)',
  script_BGN_PCGN: 'BGN/PCGN (халықаралық)',
  locale_kk: 'қазақша',
  locale_ru: 'орысша',
  locale_en: 'ағылшынша',
  transcript: 'Мәтін',
  seekTo: '{time} сәтінен тыңдау: {speaker}',
  badge_kk: 'қаз',
  badge_ru: 'орыс',
  langName_kk: 'қазақ тілі',
  langName_ru: 'орыс тілі',
  speakerStats: '{count} үзінді, {time}',
  audioLabel: 'Аудиожазба',
  audioUnavailable: 'Аудионы ойнату мүмкін емес: ол жойылған болуы мүмкін. Мәтін қолжетімді.',
  noSegments: 'Бұл жазбадан сөз табылмады.',
  segmentsFailed: 'Мәтіннің бұл бөлігі жүктелмеді: {message}',
  uploaded: '«{name}» жүктелді',
  // The workbench (issue 12): editing, history, find & replace, search, co-editing.
  editText: 'Мәтінді өзгерту ({time})',
  editLabel: '{time} үзіндісінің мәтіні',
  editHint: 'Enter — сақтау, Shift+Enter — жаңа жол, Esc — болдырмау',
  edited: 'түзетілген',
  editedTitle: 'Мәтінін, сөйлеушісін немесе уақытын адам өзгертті',
  speakerOf: '{time} үзіндісінің сөйлеушісі',
  splitHere: 'Осы жерден бөлу',
  splitAt: '{time} сәтінде екіге бөлу',
  mergeNext: 'Келесімен біріктіру',
  mergeNextLabel: '{time} үзіндісін келесімен біріктіру',
  deleteSegmentLabel: '{time} үзіндісін жою',
  segmentDeleted: 'Үзінді жойылды. Ctrl+Z оны қайтарады.',
  saved: 'Сақталды',
  emptyText: 'Мәтін бос болмауы керек. Үзіндіні алып тастау үшін «Жою» батырмасын басыңыз.',
  keepMine: 'Менікін қалдыру',
  takeTheirs: 'Олардікін алу',
  conflictTitle: 'Сіз түзетіп жатқанда бұл үзіндіні басқа біреу өзгертті. Оның нұсқасы:',
  conflictRetry:
    'Осы уақытта мәтінді басқа біреу өзгертті; енді оның нұсқасы көрсетілген. Қайталап көріңіз.',
  changedByOther: 'Мәтінді басқа біреу өзгертті ({author}, №{number} нұсқа: {summary}).',
  lostDraft: 'Сіз түзеткен үзіндіні басқа біреу алып тастады. Сіздің мәтініңіз: «{text}»',
  dismiss: 'Жабу',
  workbench: 'Түзету құралдары',
  undo: 'Қайтару',
  redo: 'Қайта жасау',
  undoLabel: 'Соңғы өзгерісті қайтару (Ctrl+Z)',
  redoLabel: 'Қайтарылғанды қайта жасау (Ctrl+Shift+Z)',
  undone: 'Өзгеріс қайтарылды',
  redone: 'Өзгеріс қайта жасалды',
  history: 'Өзгерістер тарихы',
  authorUnknown: 'белгісіз',
  restore: 'Қалпына келтіру',
  restoreLabel: '№{number} нұсқаны қалпына келтіру',
  restored: '№{number} нұсқа қалпына келтірілді',
  currentRevision: 'ағымдағы',
  revisionsCount: 'Барлығы {count} нұсқа',
  kind_recognised: 'танылған',
  kind_edit: 'түзету',
  kind_split: 'бөлу',
  kind_merge: 'біріктіру',
  kind_delete: 'жою',
  kind_replace: 'ауыстыру',
  kind_revert: 'қалпына келтіру',
  kind_rename_speaker: 'сөйлеуші аты',
  findReplace: 'Табу және ауыстыру',
  findLabel: 'Табу',
  replaceLabel: 'Неге ауыстыру',
  matchCase: 'Бас және кіші әріптерді ажырату',
  wholeWord: 'Тек тұтас сөз',
  matchCountText: 'Сәйкестік: {count}',
  replaceAll: 'Барлығын ауыстыру ({count})',
  replacedCount: '{count} сәйкестік ауыстырылды',
  findBlank: 'Іздейтін мәтінді жазыңыз.',
  counting: 'Саналуда…',
  searchLabel: 'Барлық мәтіндерден іздеу',
  searchButton: 'Іздеу',
  searchFound: 'Табылды: {count}',
  searchNone: 'Ештеңе табылмады.',
  searchHit: '{file}, {time} сәтінен тыңдау',
  unitH: 'сағ',
  unitMin: 'мин',
  unitS: 'с',
};

/** The keys every language defines. */
export type MessageKey = keyof typeof kk;

const ru: Record<MessageKey, string> = {
  tagline: 'Расшифровка казахской и русской речи',
  demoBanner:
    'Демо-режим: распознавание не подключено, тексты — заглушки, а не расшифровка. Для настоящего распознавания подключите SpeechKit (YANDEX_API_KEY) или сервер Whisper (OPENAI_STT_URL) — см. раздел «Speech engines» в README.',
  interfaceLanguage: 'Язык интерфейса',
  reconnecting: 'Переподключение…',
  offline: 'Сервер недоступен. Повторяем попытку…',
  retryNow: 'Повторить сейчас',
  retrying: 'Повторная попытка через несколько секунд…',
  uploadTitle: 'Загрузка записи',
  dropHint: 'Перетащите аудиофайлы сюда или',
  chooseFiles: 'Выбрать файлы',
  formats: 'Форматы: {formats}.',
  limits: 'Один файл: до {size}, длительность до {duration}.',
  retention: 'Записи и тексты удаляются через {retention}.',
  languagesLabel: 'Язык речи',
  langBoth: 'Казахский и русский',
  langKk: 'Казахский',
  langRu: 'Русский',
  langAuto: 'Определить автоматически',
  diarLabel: 'Разделение по говорящим',
  engineLabel: 'Движок распознавания',
  diarAuto: 'Автоматически',
  diarSpeaker: 'По голосу',
  diarChannels: 'По каналам (стерео)',
  diarNone: 'Не разделять',
  fileWaiting: 'Ожидает отправки',
  fileUploading: 'Отправка… {percent}%',
  fileAccepted: 'Принят, обработка началась',
  fileTooBig: 'Файл слишком большой ({size}). Наибольший размер — {max}.',
  uploadProgress: 'Отправка «{name}»',
  networkError: 'Не удалось связаться с сервером. Проверьте соединение и попробуйте снова.',
  serverError: 'Ошибка сервера (HTTP {status}). Попробуйте позже.',
  tooLargeHttp: 'Файл слишком большой для сервера.',
  jobsTitle: 'Задания',
  noJobs: 'Заданий пока нет. Загрузите запись выше.',
  loadMore: 'Показать ещё',
  status_QUEUED: 'В очереди',
  status_TRANSCODING: 'Подготовка аудио',
  status_TRANSCRIBING: 'Распознавание',
  status_COMPLETED: 'Готово',
  status_FAILED: 'Ошибка',
  status_CANCELLED: 'Отменено',
  status_EXPIRED: 'Срок хранения истёк',
  jobProgress: 'Выполнение «{name}»',
  duration: 'Длительность: {value}',
  expiresIn: 'Удалится через {value}',
  expiresSoon: 'Скоро удалится',
  readyIn: 'Будет готово примерно через {n} мин',
  open: 'Открыть текст',
  cancel: 'Отменить',
  delete: 'Удалить',
  confirmDelete: 'Удалить «{name}»? Это действие нельзя отменить.',
  confirmYes: 'Да, удалить',
  confirmNo: 'Нет',
  deleted: '«{name}» удалено',
  cancelled: '«{name}» отменено',
  jobDone: '«{name}» готово',
  back: '← Все задания',
  notFound: 'Задание не найдено. Возможно, оно удалено или ссылка неверна.',
  keyTitle: 'Нужен API-ключ',
  keyHint:
    'Этот сервер работает только с API-ключом. Получите ключ у администратора; он сохранится в этом браузере.',
  keyLabel: 'API-ключ',
  keySave: 'Войти',
  keyRefused: 'Ключ не принят: {message}',
  keyForget: 'Забыть ключ',
  loading: 'Загрузка…',
  notReady: 'Текст ещё не готов.',
  speakers: 'Говорящие',
  rename: 'Переименовать',
  renameLabel: '{name}: новое имя',
  save: 'Сохранить',
  cancelEdit: 'Отмена',
  renameHint: 'Enter — сохранить, Esc — отмена',
  renamed: 'Говорящий переименован: «{name}»',
  emptyName: 'Имя не может быть пустым.',
  downloads: 'Скачать:',
  downloadAs: 'Скачать в формате {format}',
  exportOptions: 'Настройки экспорта',
  exportScript: 'Письмо:',
  exportLocale: 'Язык документа:',
  exportPreview: 'Предпросмотр в выбранном письме',
  exportOpt_timestamps: 'время',
  exportOpt_speakers: 'спикеры',
  exportOpt_languageTags: 'метки языка',
  script_ORIGINAL: 'кириллица (как есть)',
  script_KAZAKH_LATIN_2021: 'латиница (2021)',
  script_BGN_PCGN: 'BGN/PCGN (международная)',
  locale_kk: 'казахский',
  locale_ru: 'русский',
  locale_en: 'английский',
  transcript: 'Текст',
  seekTo: 'Слушать с {time}: {speaker}',
  badge_kk: 'каз',
  badge_ru: 'рус',
  langName_kk: 'казахский',
  langName_ru: 'русский',
  speakerStats: 'фрагментов: {count}, {time}',
  audioLabel: 'Аудиозапись',
  audioUnavailable: 'Аудио недоступно для прослушивания: возможно, оно удалено. Текст доступен.',
  noSegments: 'В записи не найдено речи.',
  segmentsFailed: 'Не удалось загрузить эту часть текста: {message}',
  uploaded: '«{name}» загружен',
  editText: 'Изменить текст ({time})',
  editLabel: 'Текст фрагмента {time}',
  editHint: 'Enter — сохранить, Shift+Enter — новая строка, Esc — отмена',
  edited: 'изменено',
  editedTitle: 'Текст, говорящего или время изменил человек',
  speakerOf: 'Говорящий фрагмента {time}',
  splitHere: 'Разделить здесь',
  splitAt: 'Разделить в {time}',
  mergeNext: 'Объединить со следующим',
  mergeNextLabel: 'Объединить фрагмент {time} со следующим',
  deleteSegmentLabel: 'Удалить фрагмент {time}',
  segmentDeleted: 'Фрагмент удалён. Ctrl+Z вернёт его.',
  saved: 'Сохранено',
  emptyText: 'Текст не может быть пустым. Чтобы убрать фрагмент, нажмите «Удалить».',
  keepMine: 'Оставить мой',
  takeTheirs: 'Взять их вариант',
  conflictTitle: 'Пока вы правили, этот фрагмент изменил кто-то другой. Его вариант:',
  conflictRetry:
    'Тем временем текст изменил кто-то другой; теперь показан его вариант. Попробуйте ещё раз.',
  changedByOther: 'Текст изменил кто-то другой ({author}, версия №{number}: {summary}).',
  lostDraft: 'Фрагмент, который вы правили, удалил кто-то другой. Ваш текст: «{text}»',
  dismiss: 'Закрыть',
  workbench: 'Инструменты правки',
  undo: 'Отменить',
  redo: 'Повторить',
  undoLabel: 'Отменить последнее изменение (Ctrl+Z)',
  redoLabel: 'Повторить отменённое (Ctrl+Shift+Z)',
  undone: 'Изменение отменено',
  redone: 'Изменение повторено',
  history: 'История изменений',
  authorUnknown: 'неизвестно',
  restore: 'Восстановить',
  restoreLabel: 'Восстановить версию №{number}',
  restored: 'Восстановлена версия №{number}',
  currentRevision: 'текущая',
  revisionsCount: 'Всего версий: {count}',
  kind_recognised: 'распознано',
  kind_edit: 'правка',
  kind_split: 'разделение',
  kind_merge: 'объединение',
  kind_delete: 'удаление',
  kind_replace: 'замена',
  kind_revert: 'восстановление',
  kind_rename_speaker: 'имя говорящего',
  findReplace: 'Найти и заменить',
  findLabel: 'Найти',
  replaceLabel: 'Заменить на',
  matchCase: 'Учитывать регистр',
  wholeWord: 'Только слово целиком',
  matchCountText: 'Совпадений: {count}',
  replaceAll: 'Заменить все ({count})',
  replacedCount: 'Заменено совпадений: {count}',
  findBlank: 'Введите, что искать.',
  counting: 'Подсчёт…',
  searchLabel: 'Поиск по всем текстам',
  searchButton: 'Найти',
  searchFound: 'Найдено: {count}',
  searchNone: 'Ничего не найдено.',
  searchHit: '{file}, слушать с {time}',
  unitH: 'ч',
  unitMin: 'мин',
  unitS: 'с',
};

const messages: Record<Lang, Record<MessageKey, string>> = { kk, ru };
const STORAGE_KEY = 'kazru.lang';
const listeners = new Set<() => void>();

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'kk' || saved === 'ru') return saved;
  } catch {
    // Storage can be unavailable (privacy settings); fall back to the browser language.
  }
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'kk';
}

let current: Lang = initialLang();
document.documentElement.lang = current;

/** The interface language now in use. */
export function getLang(): Lang {
  return current;
}

/** Switches the interface language, remembers it and re-renders every component using it. */
export function setLang(lang: Lang): void {
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; the switch still applies to this page.
  }
  for (const fn of listeners) fn();
}

/** Text for `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return messages[current][key].replace(/\{(\w+)\}/g, (_, name: string) =>
    String(params[name] ?? `{${name}}`),
  );
}

/** Whether `key` is an interface text (for keys built from server values, e.g. `kind_…`). */
export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(messages[current], key);
}

/** Short badge for a BCP-47 language tag ("қаз", "рус"), or null for other languages. */
export function languageBadge(tag: string | null): { text: string; title: string } | null {
  const base = tag?.slice(0, 2).toLowerCase();
  if (base === 'kk') return { text: t('badge_kk'), title: t('langName_kk') };
  if (base === 'ru') return { text: t('badge_ru'), title: t('langName_ru') };
  return null;
}

/** A Lit controller that re-renders its host when the interface language changes. */
export class LangController implements ReactiveController {
  private readonly update = () => this.host.requestUpdate();
  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }
  hostConnected(): void {
    listeners.add(this.update);
  }
  hostDisconnected(): void {
    listeners.delete(this.update);
  }
}
