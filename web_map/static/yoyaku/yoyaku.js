// The citizens' booking page: search free rooms for a day, book a time, see and cancel bookings.
import {Api, ApiError} from '../editor/api.js';
import {formatDateTime, installLangSwitch, lang, t} from '../editor/messages.js';

const $ = (id) => document.getElementById(id);
const api = new Api();
const KINDS = JSON.parse($('kinds').textContent);
let me = null;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function japanDay(offsetDays) {
  const now = new Date(Date.now() + 9 * 3600_000 + offsetDays * 86_400_000);
  return now.toISOString().slice(0, 10);
}

function fillKinds() {
  const select = $('kind');
  select.replaceChildren(new Option(t('yAnyKind'), ''),
    ...KINDS.map(([value, ja, en]) => new Option(lang() === 'en' ? en : ja, value)));
}

async function send(method, url, body) {
  const response = await fetch(url, {
    method, headers: {'Content-Type': 'application/json', 'X-CSRF-Token': api.csrf},
    body: body ? JSON.stringify(body) : undefined,
  });
  const doc = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, doc);
  return doc;
}

function fee(yen) {
  return yen ? t('yFee', {yen: yen.toLocaleString()}) : t('yFree');
}

function roomItem(room) {
  const title = `${room.facility_name} ${room.room_name}`;
  const meta = `${room.kind_ja} · ${t('yCapacityOf', {n: room.capacity})} · ${fee(room.fee_yen)}`;
  const item = el('li', {}, el('h3', {textContent: title}), el('p', {className: 'meta', textContent: meta}));
  if (room.lottery) {
    item.append(el('p', {className: 'meta', textContent: t('yLottery')}));
    return item;
  }
  for (const unit of room.free) {
    const button = el('button', {type: 'button', textContent: t('yBook', {label: unit.label})});
    button.setAttribute('aria-label', `${title} ${t('yBook', {label: unit.label})}`);
    button.addEventListener('click', () => book(room, unit, title));
    item.append(button);
  }
  return item;
}

async function search(event) {
  event?.preventDefault();
  const day = $('day').value;
  const [y, m, d] = day.split('-').map(Number);
  const nextDay = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  const params = new URLSearchParams({start: `${day}T00:00:00+09:00`,
                                      end: `${nextDay}T00:00:00+09:00`});
  if ($('kind').value) params.set('kind', $('kind').value);
  if ($('capacity').value) params.set('capacity', $('capacity').value);
  const response = await fetch(`/facilities/availability?${params}`);
  const body = await response.json();
  if (!response.ok) {
    $('search-status').textContent = t('serverError', {detail: body.detail});
    return;
  }
  const rooms = body.rooms.filter((r) => r.free.length);
  $('results').replaceChildren(...rooms.map(roomItem));
  $('search-status').textContent = rooms.length ? t('yFound', {n: rooms.length}) : t('yNone');
}

async function book(room, unit, title) {
  if (!me) {
    $('search-status').textContent = t('yLoginToBook');
    $('login-link').focus();
    return;
  }
  try {
    await send('POST', '/bookings', {room_id: room.room_id, start: unit.start, end: unit.end});
    $('search-status').textContent = t('yBooked', {what: `${title} ${unit.label}`});
    await Promise.all([search(), mine()]);
  } catch (error) {
    $('search-status').textContent = t('serverError', {detail: error.message});
  }
}

function bookingItem(b) {
  const when = `${formatDateTime(b.start)}〜${formatDateTime(b.end).split(' ').pop()}`;
  const item = el('li', {}, el('h3', {textContent: `${b.facility_name ?? ''} ${b.room_name ?? ''}`}),
                  el('p', {className: 'meta', textContent: `${when} · ${b.status}`}));
  if (['confirmed', 'pending_confirmation', 'won'].includes(b.status)) {
    const button = el('button', {type: 'button', textContent: t('yCancel')});
    button.addEventListener('click', async () => {
      if (!window.confirm(t('yConfirmCancel'))) return;
      await send('POST', `/bookings/${b.id}/cancel`);
      $('mine-status').textContent = t('yCancelled');
      await Promise.all([mine(), search()]);
    });
    item.append(button);
  }
  return item;
}

async function mine() {
  if (!me) {
    $('mine-status').textContent = t('yMineLogin');
    return;
  }
  const {bookings} = await api.json('/me/bookings');
  $('mine').replaceChildren(...bookings.map(bookingItem));
  if (!bookings.length) $('mine-status').textContent = t('yNoBookings');
}

async function start() {
  me = await api.me().catch(() => null);
  $('who').textContent = me ? me.display_name || me.username : '';
  $('login-link').hidden = Boolean(me);
  installLangSwitch(() => { fillKinds(); search(); mine(); });
  fillKinds();
  $('day').value = japanDay(1);
  $('search-form').addEventListener('submit', search);
  await Promise.all([search(), mine()]);
  window.citygisBookingReady = true;
}

start();
