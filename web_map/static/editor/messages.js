// Texts of the pages beside the map (login, editor, dashboard, booking), Japanese first. The language choice is shared with
// the citizens' map (same storage key, through i18n.js).
import {initialLang, maplibreLocale, setLang as setMapLang} from '../i18n.js';

const MESSAGES = {
  ja: {
    loginTitle: '職員ログイン', citizenLoginTitle: 'ログイン（施設予約）',
    username: 'ユーザー名', password: 'パスワード', login: 'ログイン',
    backToMap: 'くらしの地図へ戻る', loginFailed: 'ユーザー名またはパスワードが違います。',
    loginWait: '失敗が続いたため、{seconds} 秒たってからもう一度お試しください。',
    loginMissing: 'ユーザー名とパスワードを入力してください。',
    editorTitle: 'レイヤー編集', skipToTools: '編集ツールへ移動', logout: 'ログアウト',
    toolsTitle: '編集するレイヤー', layerLabel: 'レイヤー', modeLabel: '操作',
    modeSelect: '選択・移動', modePoint: '点を追加', modeLine: '線を追加', modePolygon: '面を追加',
    coordinateLabel: '座標で点を追加（経度, 緯度）', coordinateAdd: '追加',
    coordinateInvalid: '「経度, 緯度」の形で入力してください（例: 139.4265, 35.7454）。',
    undo: '元に戻す', featuresTitle: '表示範囲の地物', mapLabel: '編集用の地図',
    save: '保存', cancel: '取り消し', delete: '削除', history: '履歴', historyTitle: '変更履歴',
    newFeature: '新しい地物', featureTitle: '地物 {id}', saved: '保存しました。',
    created: '地物 {id} を追加しました。', deleted: '地物 {id} を削除しました。',
    undone: '元に戻しました。', confirmDelete: '地物 {id} を削除しますか？',
    conflictText: '他の人がこの地物を先に更新しました。あなたの変更はまだ保存されていません。',
    conflictReapply: '最新を読み込み、自分の変更を再適用して保存',
    conflictDiscard: '自分の変更を捨てて最新を表示',
    noEditable: '編集できるレイヤーがありません。',
    loading: '読み込み中…', loaded: '{count} 件の地物を読み込みました。',
    tooMany: '表示範囲の地物が多すぎます。拡大してください。',
    multiPart: '複数の部分からなる地物は地図上で形を編集できません（属性は編集できます）。',
    version: '第 {version} 版', by: '{who}', revert: 'この版に戻す', reverted: '第 {version} 版に戻しました。',
    noHistory: '履歴はありません。', changed: '変更: {fields}', geometry: '形状',
    required: '{field} を入力してください。', notNumber: '{field} は数値で入力してください。',
    notInteger: '{field} は整数で入力してください。', yes: 'はい', no: 'いいえ', unset: '未設定',
    serverError: 'エラー: {detail}', sessionExpired: 'ログインの有効期限が切れました。',
    langSwitch: 'English', langSwitchLabel: 'Switch to English',
    opCreate: '追加', opUpdate: '更新', opDelete: '削除', opRevert: '復元',
    dashTitle: '災害対策ダッシュボード', dashSkip: '報告の一覧へ移動',
    emergencyTitle: '緊急モード', emergencyOn: '緊急モード中', emergencyOff: '平常時',
    emergencyStart: '緊急モードを開始', emergencyStop: '緊急モードを終了',
    emergencyMessageJa: '市民へのお知らせ（日本語）', emergencyMessageEn: '市民へのお知らせ（英語）',
    emergencyConfirmOn: '緊急モードを開始しますか？市民の地図と防災ページが切り替わります。',
    emergencyConfirmOff: '緊急モードを終了しますか？',
    sheltersTitle: '避難所', shelterName: '名称', shelterCapacity: '収容人数',
    shelterStatus: '状況', shelterOccupancy: '避難者数',
    statusOpen: '開設中', statusFull: '満員', statusClosed: '未開設', statusUnknown: '情報なし',
    reportsTitle: '市民からの報告', reportsNone: '報告はありません。', reportWhen: '日時',
    reportCategory: '種類', reportNote: '内容', reportStatus: '対応', reportNearby: '近くの同種の報告',
    reportConfirm: '確認済みにする', reportReject: '却下', reportResolve: '対応済み',
    reportDuplicate: '報告 {id} の重複にする', reportPhoto: '写真',
    rnew: '未確認', rconfirmed: '確認済み', rduplicate: '重複', rresolved: '対応済み',
    rrejected: '却下', updatedAt: '更新: {time}',
    shelterExposed: '浸水想定区域の人口', shelterGap: '不足', shelterSave: '更新',
    exposureTotals: '浸水想定区域の人口 {exposed} 人（市全体 {population} 人）。避難所の不足 {gap} 人。',
  },
  en: {
    loginTitle: 'Staff login', citizenLoginTitle: 'Log in (facility booking)',
    username: 'User name', password: 'Password', login: 'Log in',
    backToMap: 'Back to the city map', loginFailed: 'Wrong user name or password.',
    loginWait: 'Too many failed attempts: try again in {seconds} s.',
    loginMissing: 'Enter your user name and password.',
    editorTitle: 'Layer editor', skipToTools: 'Skip to the editing tools', logout: 'Log out',
    toolsTitle: 'Layer to edit', layerLabel: 'Layer', modeLabel: 'Action',
    modeSelect: 'Select / move', modePoint: 'Add point', modeLine: 'Add line',
    modePolygon: 'Add polygon', coordinateLabel: 'Add a point by coordinates (lon, lat)',
    coordinateAdd: 'Add',
    coordinateInvalid: 'Enter "longitude, latitude" (e.g. 139.4265, 35.7454).',
    undo: 'Undo', featuresTitle: 'Features in view', mapLabel: 'Editing map',
    save: 'Save', cancel: 'Cancel', delete: 'Delete', history: 'History',
    historyTitle: 'Change history', newFeature: 'New feature', featureTitle: 'Feature {id}',
    saved: 'Saved.', created: 'Feature {id} added.', deleted: 'Feature {id} deleted.',
    undone: 'Undone.', confirmDelete: 'Delete feature {id}?',
    conflictText: 'Someone else updated this feature first. Your changes are not saved yet.',
    conflictReapply: 'Load the latest, reapply my changes and save',
    conflictDiscard: 'Discard my changes and show the latest',
    noEditable: 'There is no layer you may edit.',
    loading: 'Loading…', loaded: '{count} features loaded.',
    tooMany: 'Too many features in view: zoom in.',
    multiPart: 'Multi-part features cannot be reshaped on the map (attributes can be edited).',
    version: 'Version {version}', by: '{who}', revert: 'Restore this version',
    reverted: 'Restored version {version}.', noHistory: 'No history.', changed: 'Changed: {fields}',
    geometry: 'geometry', required: 'Enter {field}.', notNumber: '{field} must be a number.',
    notInteger: '{field} must be a whole number.', yes: 'Yes', no: 'No', unset: 'Not set',
    serverError: 'Error: {detail}', sessionExpired: 'Your login has expired.',
    langSwitch: '日本語', langSwitchLabel: '日本語に切り替え',
    opCreate: 'created', opUpdate: 'updated', opDelete: 'deleted', opRevert: 'restored',
    dashTitle: 'Disaster dashboard', dashSkip: 'Skip to the reports',
    emergencyTitle: 'Emergency mode', emergencyOn: 'Emergency mode is ON',
    emergencyOff: 'Normal operation', emergencyStart: 'Start emergency mode',
    emergencyStop: 'End emergency mode', emergencyMessageJa: 'Message to citizens (Japanese)',
    emergencyMessageEn: 'Message to citizens (English)',
    emergencyConfirmOn: 'Start emergency mode? The citizens\' map and emergency page change.',
    emergencyConfirmOff: 'End emergency mode?',
    sheltersTitle: 'Shelters', shelterName: 'Name', shelterCapacity: 'Capacity',
    shelterStatus: 'Status', shelterOccupancy: 'People',
    statusOpen: 'Open', statusFull: 'Full', statusClosed: 'Closed', statusUnknown: 'Unknown',
    reportsTitle: 'Citizens\' reports', reportsNone: 'No reports.', reportWhen: 'When',
    reportCategory: 'Category', reportNote: 'Details', reportStatus: 'Triage',
    reportNearby: 'Similar reports nearby', reportConfirm: 'Confirm', reportReject: 'Reject',
    reportResolve: 'Resolved', reportDuplicate: 'Duplicate of {id}', reportPhoto: 'Photo',
    rnew: 'new', rconfirmed: 'confirmed', rduplicate: 'duplicate', rresolved: 'resolved',
    rrejected: 'rejected', updatedAt: 'Updated {time}',
    shelterExposed: 'People in flood zones', shelterGap: 'Shortfall', shelterSave: 'Update',
    exposureTotals: '{exposed} people in flood zones (city: {population}); shelter shortfall {gap}.',
  },
};

let current = initialLang();

/** Adds a page's own texts ({ja: {...}, en: {...}}) to the shared ones. */
export function addMessages(extra) {
  for (const language of Object.keys(MESSAGES)) Object.assign(MESSAGES[language], extra[language]);
}

export function lang() {
  return current;
}

export function t(key, params = {}) {
  const text = MESSAGES[current][key] ?? MESSAGES.ja[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

export function pick(ja, en) {
  return current === 'en' && en ? en : ja;
}

export {maplibreLocale};

export function translatePage() {
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  for (const el of document.querySelectorAll('[data-t-attr]')) {
    const [attr, key] = el.dataset.tAttr.split(':');
    el.setAttribute(attr, t(key));
  }
  const switcher = document.getElementById('lang-switch');
  switcher.textContent = t('langSwitch');
  switcher.lang = current === 'ja' ? 'en' : 'ja';
  switcher.setAttribute('aria-label', t('langSwitchLabel'));
}

/** The language button: switch, remember (shared with the map), re-render. */
export function installLangSwitch(onChange = () => {}) {
  translatePage();
  document.getElementById('lang-switch').addEventListener('click', () => {
    current = current === 'ja' ? 'en' : 'ja';
    setMapLang(current);
    translatePage();
    onChange(current);
  });
}

/** A date and time in Japan time. */
export function formatDateTime(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const text = new Intl.DateTimeFormat(current === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo', dateStyle: 'medium', timeStyle: 'short',
  }).format(date);
  return current === 'ja' ? text : `${text} JST`;
}
