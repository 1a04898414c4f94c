// Days and times, always in Japan time (Asia/Tokyo, UTC+9 with no daylight saving), written in
// the reader's language. A "day" is a YYYY-MM-DD string of a Japanese calendar day.
import {lang} from './i18n.js';

export const TIME_ZONE = 'Asia/Tokyo';
const OFFSET = '+09:00';
const OFFSET_MS = 9 * 3600_000;
const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function locale() {
  return lang() === 'ja' ? 'ja-JP' : 'en-GB';
}

function format(value, options) {
  const date = value instanceof Date ? value : new Date(value);
  return new Intl.DateTimeFormat(locale(), {timeZone: TIME_ZONE, ...options}).format(date);
}

/** The Japanese day of an instant (an ISO string, a Date or milliseconds). */
export function japanDayOf(instant) {
  const ms = typeof instant === 'string' ? Date.parse(instant) : Number(instant);
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
}

/** Today (plus offsetDays) in Japan. */
export function japanDay(offsetDays = 0) {
  return japanDayOf(Date.now() + offsetDays * DAY_MS);
}

export function addDays(day, days) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** An instant as the API takes it: a day and a time of day in Japan, "…T09:00:00+09:00". */
export function japanIso(day, time = '00:00') {
  return `${day}T${time}:00${OFFSET}`;
}

/** "12月3日(水)" / "Wed 3 Dec", of a day or an instant. */
export function formatDate(value) {
  const instant = ISO_DAY.test(value) ? japanIso(value, '12:00') : value;
  return format(instant, {month: 'short', day: 'numeric', weekday: 'short'});
}

/** "09:00". */
export function formatTime(value) {
  return format(value, {hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});
}

/** "12月3日(水) 09:00": formatDate and formatTime together. */
export function formatDayAndTime(value) {
  return `${formatDate(value)} ${formatTime(value)}`;
}

/** "12月3日(水) 09:00〜12:00". */
export function formatTimeRange(start, end) {
  return `${formatDate(start)} ${formatTime(start)}〜${formatTime(end)}`;
}

/** "2025/12/03 9:00" / "3 Dec 2025, 09:00 JST"; a value that is no date is shown as it is. */
export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const text = format(date, {dateStyle: 'medium', timeStyle: 'short'});
  return lang() === 'ja' ? text : `${text} JST`;
}

/** "2025/12/03 9:00〜12:00" / "3 Dec 2025, 09:00 JST〜12:00 JST": formatDateTime's style. */
export function formatDateTimeRange(start, end) {
  const endTime = format(end, {timeStyle: 'short'});
  return `${formatDateTime(start)}〜${lang() === 'ja' ? endTime : `${endTime} JST`}`;
}
