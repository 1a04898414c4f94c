// Japanese first, English on request, for every page. Each page registers its own texts
// (registerMessages) and marks translated elements with data-t="key" (text) and
// data-t-attr="attribute:key;…" (attributes). The choice is remembered for all pages.

const STORAGE_KEY = 'citygis.lang';

/** Texts more than one page uses (a page's own registration may override them). */
const MESSAGES = {
  ja: {
    langSwitch: 'English', langSwitchLabel: 'Switch to English', loading: '読み込み中…',
    login: 'ログイン', serverError: 'エラー: {detail}',
  },
  en: {
    langSwitch: '日本語', langSwitchLabel: '日本語に切り替え', loading: 'Loading…',
    login: 'Log in', serverError: 'Error: {detail}',
  },
};

const listeners = [];
let shared = {};  // parameters every message may use, e.g. {cityJa}

/** The remembered language, or Japanese. */
export function initialLang() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'ja' || stored === 'en') return stored;
  } catch {
    // storage may be disabled (private mode, kiosk policy): Japanese is the default
  }
  return 'ja';
}

let current = initialLang();

export function lang() {
  return current;
}

/** Adds a page's texts ({ja: {...}, en: {...}}) to the shared ones. */
export function registerMessages(texts) {
  for (const language of Object.keys(MESSAGES)) Object.assign(MESSAGES[language], texts[language]);
}

export function setSharedParams(params) {
  shared = {...params};
}

/** The text of `key` in the current language (Japanese if it has no English), with its
 * {name} placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = MESSAGES[current][key] ?? MESSAGES.ja[key] ?? key;
  const all = {...shared, ...params};
  return text.replace(/\{(\w+)\}/g, (_, name) => String(all[name] ?? ''));
}

/** Pick the Japanese or English member of a pair (e.g. title / x-title-en). */
export function pick(ja, en) {
  return current === 'en' && en ? en : ja;
}

export function onLangChange(listener) {
  listeners.push(listener);
}

/** Switch language: remember it (unless told not to), translate the page, tell listeners. */
export function setLang(language, {remember = true} = {}) {
  current = language;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, language);
    } catch {
      // not remembered, still switched
    }
  }
  translatePage();
  for (const listener of listeners) listener(language);
}

export function translatePage() {
  document.documentElement.lang = current;
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll('[data-t-attr]')) {
    for (const pair of node.dataset.tAttr.split(';')) {
      const [attribute, key] = pair.split(':');
      node.setAttribute(attribute, t(key));
    }
  }
  const switcher = document.getElementById('lang-switch');
  if (switcher) switcher.lang = current === 'ja' ? 'en' : 'ja';  // it names the other language
}

/** The page's language button (#lang-switch): translate now, switch on a click, then call
 * onChange(language) so the page can render its own parts again. */
export function installLangSwitch(onChange = null) {
  if (onChange) onLangChange(onChange);
  translatePage();
  document.getElementById('lang-switch')
    .addEventListener('click', () => setLang(current === 'ja' ? 'en' : 'ja'));
}

const numberFormats = {};

/** A number in the reader's language, with at most `digits` decimals. */
export function formatNumber(value, digits = 0) {
  const key = `${current}:${digits}`;
  numberFormats[key] ??= new Intl.NumberFormat(current === 'ja' ? 'ja-JP' : 'en-GB',
                                               {maximumFractionDigits: digits});
  return numberFormats[key].format(value);
}
