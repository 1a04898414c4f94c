// Japanese first, English on request: the page's texts, MapLibre's own control strings, and
// number and date formats (dates always in Japan time).

const STORAGE_KEY = 'citygis.lang';
export const TIME_ZONE = 'Asia/Tokyo';

const MESSAGES = {
  ja: {
    title: '{cityJa} くらしの地図',
    skipToSearch: '検索へ移動',
    skipToMap: '地図へ移動',
    layersButton: 'レイヤー',
    langSwitch: 'English', bookingLink: '施設予約',
    langSwitchLabel: 'Switch to English',
    searchLabel: '場所を探す（町丁目・施設・避難所）',
    searchHint: 'かな・漢字で入力し、↑↓で選んで Enter',
    searchClear: '検索語を消す',
    searchResults: '検索結果',
    searchCount: '{n}件見つかりました。↑↓で選べます。',
    searchNone: '見つかりませんでした。',
    searchError: '検索できませんでした。時間をおいて再度お試しください。',
    close: '閉じる',
    placeTitle: 'この場所',
    layersTitle: '地図に表示する情報',
    layersError: 'レイヤーの一覧を読み込めませんでした。',
    whatsHere: '地図の中心を調べる',
    wholeCity: '市全体を表示',
    footerData: '地図データ: 東大和市・国土数値情報・Geolonia 住所データほか（各レイヤーの出典を参照）。「サンプル」表示のデータは実データではありません。',
    footerApi: '地理空間情報 API（OGC API）',
    sample: 'サンプル',
    sampleNote: '実データではありません',
    source: '出典',
    license: 'ライセンス',
    loadedAt: '更新',
    chome: '町丁目',
    approximate: '区域は近似です',
    outside: '東大和市の外です',
    nearestShelters: '近くの避難所・避難場所',
    nearestFacilities: '近くの公共施設',
    distance: '直線 {m} m・徒歩 約{min}分',
    designatedShelter: '指定避難所',
    emergencySite: '指定緊急避難場所',
    loading: '読み込み中…',
    placeError: 'この場所の情報を取得できませんでした。',
    mapError: '地図を表示できませんでした: {detail}',
    updatedAt: '更新日時',
    yes: 'はい',
    no: 'いいえ',
    roadPrimary: '幹線道路',
    roadSecondary: '主要道路',
    roadResidential: '生活道路',
    onlineBasemap: '背景地図',
    dataNote: '距離は直線距離、徒歩時間は分速80mでの目安です。',
    shown: '{name} を表示しました。',
    mapLabel: '地図。クリックした場所の情報を表示します。キーボードでは「地図の中心を調べる」を使えます。',
    emergencyTitle: '緊急情報',
    emergencyDefault: '災害対応中です。身の安全を確保してください。',
    emergencyLink: '避難所と防災情報を見る',
    routeButton: '避難所への経路',
    hazardsHere: 'この場所の災害の危険',
    shelterOpen: '開設中', shelterFull: '満員', shelterClosed: '未開設',
    bookableRooms: '近くの予約できる部屋（今日・明日）',
    freeTimes: '空き {n} 枠',
    bookHere: '施設予約へ',
    routeFound: '{shelter}まで徒歩約{min}分（{m} m）。浸水の深い道を避けた経路です。',
    routeNone: '安全な経路が見つかりませんでした: {detail}',
  },
  en: {
    title: '{cityEn} Map',
    skipToSearch: 'Skip to search',
    skipToMap: 'Skip to the map',
    layersButton: 'Layers',
    langSwitch: '日本語', bookingLink: 'Book a facility',
    langSwitchLabel: '日本語に切り替え (Switch to Japanese)',
    searchLabel: 'Find a place (chome, facility, shelter)',
    searchHint: 'Type in kana or kanji, choose with ↑↓ and press Enter',
    searchClear: 'Clear the search',
    searchResults: 'Search results',
    searchCount: '{n} found. Use ↑↓ to choose.',
    searchNone: 'Nothing found.',
    searchError: 'The search failed. Please try again later.',
    close: 'Close',
    placeTitle: 'This place',
    layersTitle: 'What the map shows',
    layersError: 'The list of layers could not be loaded.',
    whatsHere: "What's at the map centre?",
    wholeCity: 'Whole city',
    footerData: 'Map data: Higashiyamato City, National Land Numerical Information, Geolonia address data and others (see each layer\'s source). Data marked "Sample" is not real data.',
    footerApi: 'Geospatial API (OGC API)',
    sample: 'Sample',
    sampleNote: 'not real data',
    source: 'Source',
    license: 'Licence',
    loadedAt: 'Updated',
    chome: 'Chome',
    approximate: 'approximate area',
    outside: 'Outside Higashiyamato City',
    nearestShelters: 'Nearby shelters and evacuation sites',
    nearestFacilities: 'Nearby public facilities',
    distance: '{m} m in a straight line, about {min} min on foot',
    designatedShelter: 'Designated shelter',
    emergencySite: 'Emergency evacuation site',
    loading: 'Loading…',
    placeError: 'Could not get information on this place.',
    mapError: 'The map could not be shown: {detail}',
    updatedAt: 'Updated',
    yes: 'Yes',
    no: 'No',
    roadPrimary: 'Main road',
    roadSecondary: 'Secondary road',
    roadResidential: 'Local street',
    onlineBasemap: 'Background map',
    dataNote: 'Distances are straight-line; walking times assume 80 m per minute.',
    shown: 'Showing {name}.',
    mapLabel: 'Map. Click a place to see what is there; from the keyboard, use "What\'s at the map centre?".',
    emergencyTitle: 'Emergency',
    emergencyDefault: 'A disaster response is under way. Stay safe.',
    emergencyLink: 'Shelters and emergency information',
    routeButton: 'Route to a shelter',
    hazardsHere: 'Hazards at this place',
    shelterOpen: 'open', shelterFull: 'full', shelterClosed: 'closed',
    bookableRooms: 'Rooms to book nearby (today, tomorrow)',
    freeTimes: '{n} free times',
    bookHere: 'Book a facility',
    routeFound: '{shelter}: about {min} min on foot ({m} m), avoiding deep water.',
    routeNone: 'No safe route was found: {detail}',
  },
};

// MapLibre's own UI strings (the `locale` option of the Map).
const MAPLIBRE_LOCALE = {
  ja: {
    'AttributionControl.ToggleAttribution': '出典の表示切替',
    'AttributionControl.MapFeedback': '地図へのご意見',
    'FullscreenControl.Enter': '全画面表示',
    'FullscreenControl.Exit': '全画面表示を終了',
    'GeolocateControl.FindMyLocation': '現在地を表示',
    'GeolocateControl.LocationNotAvailable': '現在地を取得できません',
    'LogoControl.Title': 'MapLibre ロゴ',
    'Map.Title': '地図（矢印キーで移動、＋／−キーで拡大・縮小）',
    'Marker.Title': '選んだ地点',
    'NavigationControl.ResetBearing': '北を上にする（ドラッグで回転）',
    'NavigationControl.ZoomIn': '拡大',
    'NavigationControl.ZoomOut': '縮小',
    'Popup.Close': '閉じる',
    'ScaleControl.Feet': 'フィート',
    'ScaleControl.Meters': 'm',
    'ScaleControl.Kilometers': 'km',
    'ScaleControl.Miles': 'マイル',
    'ScaleControl.NauticalMiles': '海里',
    'GlobeControl.Enable': '地球儀表示にする',
    'GlobeControl.Disable': '平面表示にする',
    'TerrainControl.Enable': '地形を表示',
    'TerrainControl.Disable': '地形を隠す',
    'CooperativeGesturesHandler.WindowsHelpText': 'Ctrl を押しながらスクロールで拡大・縮小',
    'CooperativeGesturesHandler.MacHelpText': '⌘ を押しながらスクロールで拡大・縮小',
    'CooperativeGesturesHandler.MobileHelpText': '2本指で地図を動かします',
  },
  en: {
    'AttributionControl.ToggleAttribution': 'Toggle attribution',
    'AttributionControl.MapFeedback': 'Map feedback',
    'FullscreenControl.Enter': 'Enter fullscreen',
    'FullscreenControl.Exit': 'Exit fullscreen',
    'GeolocateControl.FindMyLocation': 'Find my location',
    'GeolocateControl.LocationNotAvailable': 'Location not available',
    'LogoControl.Title': 'MapLibre logo',
    'Map.Title': 'Map (arrow keys move, + and − zoom)',
    'Marker.Title': 'Chosen place',
    'NavigationControl.ResetBearing': 'Reset north (drag to rotate)',
    'NavigationControl.ZoomIn': 'Zoom in',
    'NavigationControl.ZoomOut': 'Zoom out',
    'Popup.Close': 'Close popup',
    'ScaleControl.Feet': 'ft',
    'ScaleControl.Meters': 'm',
    'ScaleControl.Kilometers': 'km',
    'ScaleControl.Miles': 'mi',
    'ScaleControl.NauticalMiles': 'nm',
    'GlobeControl.Enable': 'Enable globe',
    'GlobeControl.Disable': 'Disable globe',
    'TerrainControl.Enable': 'Enable terrain',
    'TerrainControl.Disable': 'Disable terrain',
    'CooperativeGesturesHandler.WindowsHelpText': 'Use Ctrl + scroll to zoom the map',
    'CooperativeGesturesHandler.MacHelpText': 'Use ⌘ + scroll to zoom the map',
    'CooperativeGesturesHandler.MobileHelpText': 'Use two fingers to move the map',
  },
};

let current = 'ja';
const listeners = [];
let shared = {};  // parameters every message may use, e.g. {cityJa}

export function lang() {
  return current;
}

export function initialLang() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'ja' || stored === 'en') return stored;
  } catch {
    // storage may be disabled (private mode, kiosk policy): Japanese is the default
  }
  return 'ja';
}

export function setSharedParams(params) {
  shared = {...params};
}

export function t(key, params = {}) {
  const text = MESSAGES[current][key] ?? MESSAGES.ja[key] ?? key;
  const all = {...shared, ...params};
  return text.replace(/\{(\w+)\}/g, (_, name) => String(all[name] ?? ''));
}

export function maplibreLocale(language = current) {
  return {...MAPLIBRE_LOCALE[language]};
}

/** Pick the Japanese or English member of a pair (e.g. title / x-title-en). */
export function pick(ja, en) {
  return current === 'en' && en ? en : ja;
}

export function onLangChange(listener) {
  listeners.push(listener);
}

export function setLang(language, {remember = true} = {}) {
  current = language;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, language);
    } catch {
      // not remembered, still switched
    }
  }
  document.documentElement.lang = language;
  translateDocument();
  for (const listener of listeners) listener(language);
}

export function translateDocument() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
  document.title = t('title');
  const switcher = document.getElementById('lang-switch');
  if (switcher) switcher.lang = current === 'ja' ? 'en' : 'ja';
}

const numberFormats = {};
export function formatNumber(value, digits = 0) {
  const key = `${current}:${digits}`;
  numberFormats[key] ??= new Intl.NumberFormat(current === 'ja' ? 'ja-JP' : 'en-GB',
                                               {maximumFractionDigits: digits});
  return numberFormats[key].format(value);
}

/** A date and time, always in Japan time, in the reader's language. */
export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const text = new Intl.DateTimeFormat(current === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: TIME_ZONE, dateStyle: 'medium', timeStyle: 'short',
  }).format(date);
  return current === 'ja' ? text : `${text} JST`;
}
