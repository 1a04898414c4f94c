// What the citizens' booking pages share: the signed-in citizen, writes with the CSRF token,
// Japan-time days and times, problem JSON shown as text.
import {Api, ApiError} from '../editor/api.js';
import {lang, t} from '../editor/messages.js';

export {busy, submitting} from '../forms.js';

export const $ = (id) => document.getElementById(id);
export const api = new Api();
const TIME_ZONE = 'Asia/Tokyo';

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/** Today (plus offsetDays) in Japan, as YYYY-MM-DD. */
export function japanDay(offsetDays = 0) {
  return new Date(Date.now() + 9 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

export function addDays(day, days) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

function format(value, options) {
  const locale = lang() === 'ja' ? 'ja-JP' : 'en-GB';
  return new Intl.DateTimeFormat(locale, {timeZone: TIME_ZONE, ...options}).format(new Date(value));
}

export function formatDay(value) {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00+09:00` : value;
  return format(day, {month: 'short', day: 'numeric', weekday: 'short'});
}

export function formatTime(value) {
  return format(value, {hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});
}

/** "12月3日(木) 09:00〜12:00" in Japan time. */
export function formatPeriod(start, end) {
  return `${formatDay(start)} ${formatTime(start)}〜${formatTime(end)}`;
}

export function fee(yen) {
  return yen ? t('yFee', {yen: yen.toLocaleString()}) : t('yFree');
}

export const send = (method, url, body) => api.sendJson(method, url, body);

export async function getJson(url) {
  const response = await fetch(url, {headers: {Accept: 'application/json'}});
  const doc = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, doc);
  return doc;
}

/** The problem's detail, and which field it is about, in words for the citizen. */
export function problemText(error) {
  if (!(error instanceof ApiError)) return t('serverError', {detail: String(error.message || error)});
  if (error.status === 401) return t('yLoginAgain');
  return t('serverError', {detail: error.message});
}

/** Who is signed in (null for a visitor); fills the header's name and login link. */
export async function signIn() {
  const me = await api.me().catch(() => null);
  $('who').textContent = me ? me.display_name || me.username : '';
  const link = $('login-link');
  link.hidden = Boolean(me);
  link.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
  return me;
}

export function say(id, text) {
  $(id).textContent = '';
  window.setTimeout(() => { $(id).textContent = text; }, 30);
}

