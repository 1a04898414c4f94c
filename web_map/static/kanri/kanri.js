// The facility staff's page: rooms and closed days, lottery rounds (lottery.js), the bookings
// of a day with their holders, and address verification.
import './messages.js';
import {$, button, el, say} from 'lib/dom.js';
import {busy, currentUser, getJson, sendJson, submitting} from 'lib/http.js';
import {installLangSwitch, lang, t} from 'lib/i18n.js';
import {formatDateTime, formatDateTimeRange, japanDay} from 'lib/time.js';
import {attempt} from './common.js';
import {loadRounds, openRound, refreshLottery} from './lottery.js';
import {DEFAULT_HOURS, DEFAULT_UNITS, hoursDoc, scheduleEditor} from './schedule.js';

const KINDS = JSON.parse($('kinds').textContent);
const ACTIVE_BOOKINGS = ['confirmed', 'won'];
let rooms = [];
let newSchedule = null;

function kindName(kind) {
  const found = KINDS.find(([value]) => value === kind);
  return found ? (lang() === 'en' ? found[2] : found[1]) : kind;
}

function fee(yen) {
  return yen ? t('kFeeOf', {yen: yen.toLocaleString()}) : t('kFree');
}

function field(id, labelKey, input) {
  input.id = id;
  return el('div', {className: 'field'}, el('label', {htmlFor: id, textContent: t(labelKey)}), input);
}

function checkbox(id, labelKey, checked) {
  const input = el('input', {type: 'checkbox', id, checked});
  return el('label', {className: 'check'}, input, ' ', el('span', {textContent: t(labelKey)}));
}

// --- 1. rooms ---------------------------------------------------------------------------------

function roomSummary(room) {
  const parts = [kindName(room.kind), t('kCapacityOf', {n: room.capacity}), fee(room.fee_yen)];
  if (room.lottery) parts.push(t('kLotteryRoom'));
  if (!room.active) parts.push(t('kInactive'));
  return el('summary', {}, el('strong', {textContent: room.name}), ` — ${parts.join(' · ')}`);
}

function statusRegion(id) {
  const region = el('p', {id, className: 'room-status'});
  region.setAttribute('role', 'status');
  region.setAttribute('aria-live', 'polite');
  return region;
}

function roomForm(room) {
  const schedule = scheduleEditor(`r${room.id}`, room.units, room.hours);
  const form = el('form', {className: 'room-form'},
    el('div', {className: 'inline-fields'},
      field(`cap-${room.id}`, 'kCapacity', el('input', {type: 'number', min: 1, max: 10000,
                                                        value: room.capacity, required: true})),
      field(`fee-${room.id}`, 'kFee', el('input', {type: 'number', min: 0, max: 1000000,
                                                   value: room.fee_yen, required: true}))),
    checkbox(`lot-${room.id}`, 'kLottery', room.lottery),
    checkbox(`act-${room.id}`, 'kActive', room.active),
    schedule.element,
    el('button', {type: 'submit', className: 'primary-button', textContent: t('kSaveRoom')}));
  form.addEventListener('submit', (event) => saveRoom(event, room, schedule));
  return form;
}

/** Only what differs from the room as loaded: the API replaces units or hours as a whole. */
function roomChanges(room, schedule) {
  const {units, hours} = schedule.check();
  const now = {capacity: Number($(`cap-${room.id}`).value), fee_yen: Number($(`fee-${room.id}`).value),
               lottery: $(`lot-${room.id}`).checked, active: $(`act-${room.id}`).checked};
  const body = Object.fromEntries(Object.entries(now).filter(([key, value]) => value !== room[key]));
  if (JSON.stringify(units) !== JSON.stringify(room.units)) body.units = units;
  if (JSON.stringify(hoursDoc(hours)) !== JSON.stringify(room.hours)) body.hours = hours;
  return body;
}

async function saveRoom(event, room, schedule) {
  event.preventDefault();
  const status = `room-status-${room.id}`;
  say(status, '');
  await attempt(status, async () => {
    const body = roomChanges(room, schedule);
    if (!Object.keys(body).length) {
      say(status, t('kNoChanges'));
      return;
    }
    await sendJson('PATCH', `/rooms/${room.id}`, body);
    await loadRooms(room.id);
    document.querySelector(`#room-${room.id} .room-form button[type=submit]`).focus();
    say('rooms-status', t('kRoomSaved', {name: room.name}));
  });
}

function retireButton(room) {
  return button(t('kRetire'), () => retire(room), {className: 'danger-button retire-button',
                                                  ariaLabel: t('kRetireLabel', {name: room.name})});
}

async function retire(room) {
  if (!window.confirm(t('kConfirmRetire', {name: room.name}))) return;
  await attempt(`room-status-${room.id}`, async () => {
    const answer = await sendJson('DELETE', `/rooms/${room.id}`);
    await loadRooms(answer.deleted ? null : room.id);
    const left = answer.deleted ? `#facility-${room.facility_id} > summary` : `#room-${room.id} > summary`;
    document.querySelector(left)?.focus();
    say('rooms-status', t(answer.deleted ? 'kRetiredDeleted' : 'kRetiredDeactivated', {name: room.name}));
  });
}

function closureList(room) {
  if (!room.closures.length) return el('p', {className: 'hint', textContent: t('kNoClosures')});
  return el('ul', {className: 'closures'}, ...room.closures.map((c) => {
    return el('li', {}, `${c.day} ${c.reason} `, button(t('kReopen', {day: c.day}), () => reopen(room, c.day)));
  }));
}

function closureForm(room) {
  const form = el('form', {className: 'inline-fields closure-form'},
    field(`close-day-${room.id}`, 'kCloseDay', el('input', {type: 'date', min: japanDay(), required: true})),
    field(`close-reason-${room.id}`, 'kCloseReason',
          el('input', {value: t('kCloseReasonDefault'), maxLength: 200, required: true})),
    el('button', {type: 'submit', textContent: t('kCloseButton')}));
  form.addEventListener('submit', (event) => closeDay(event, room));
  return form;
}

async function closeDay(event, room) {
  event.preventDefault();
  const day = $(`close-day-${room.id}`).value;
  await attempt(`room-status-${room.id}`, async () => {
    await sendJson('POST', `/rooms/${room.id}/closures`,
               {day, reason: $(`close-reason-${room.id}`).value});
    await loadRooms(room.id);
    say('rooms-status', t('kClosed', {name: room.name, day}));
  });
}

async function reopen(room, day) {
  await attempt(`room-status-${room.id}`, async () => {
    await sendJson('DELETE', `/rooms/${room.id}/closures/${day}`);
    await loadRooms(room.id);
    say('rooms-status', t('kReopened', {name: room.name, day}));
  });
}

function roomItem(room, open) {
  return el('details', {className: 'room', id: `room-${room.id}`, open},
    roomSummary(room), roomForm(room), statusRegion(`room-status-${room.id}`),
    el('h4', {textContent: t('kClosures')}), closureList(room), closureForm(room),
    el('h4', {textContent: t('kRetireTitle')}), el('p', {className: 'hint', textContent: t('kRetireHint')}),
    retireButton(room));
}

function facilities() {
  const seen = new Map();
  for (const room of rooms) seen.set(room.facility_id, room.facility_name);
  return [...seen.entries()];
}

function facilityItem(id, name, openIds) {
  const own = rooms.filter((r) => r.facility_id === id);
  const open = openIds.has(id) || own.some((r) => r.id === openIds.room);
  return el('details', {className: 'facility', id: `facility-${id}`, open},
    el('summary', {}, el('strong', {textContent: name}), ` — ${t('kRoomCount', {n: own.length})}`),
    ...own.map((r) => roomItem(r, r.id === openIds.room)));
}

function renderRooms(openId) {
  const openIds = new Set([...document.querySelectorAll('details.facility[open]')]
    .map((d) => Number(d.id.split('-')[1])));
  openIds.room = openId;
  $('rooms').replaceChildren(...facilities().map(([id, name]) => facilityItem(id, name, openIds)));
  const options = () => facilities().map(([id, name]) => new Option(name, id));
  $('new-facility').replaceChildren(...options());
  $('day-facility').replaceChildren(new Option(t('kAllFacilities'), ''), ...options());
}

async function loadRooms(openId = null) {
  const chosen = $('day-facility').value;
  rooms = (await getJson('/staff/rooms')).rooms;
  renderRooms(openId);
  $('day-facility').value = chosen;
  if (!$('rooms-status').textContent) {
    say('rooms-status', rooms.length ? t('kRoomsLoaded', {n: rooms.length}) : t('kNoRooms'));
  }
}

function newRoomBody() {
  const {units, hours} = newSchedule.check();
  return {facility_id: Number($('new-facility').value), name: $('new-name').value.trim(),
          kind: $('new-kind').value, capacity: Number($('new-capacity').value),
          fee_yen: Number($('new-fee').value), lottery: $('new-lottery').checked, units, hours};
}

async function addRoom(event) {
  event.preventDefault();
  if (busy(event.target)) return;
  await attempt('rooms-status', async () => {
    const room = await submitting(event.target, () => sendJson('POST', '/rooms', newRoomBody()));
    $('new-name').value = '';
    await loadRooms(room.id);
    say('rooms-status', t('kRoomAdded', {name: room.name}));
  });
}

function fillStaticChoices() {
  const kind = $('new-kind').value;
  $('new-kind').replaceChildren(...KINDS.map(([value, ja, en]) => new Option(lang() === 'en' ? en : ja, value)));
  if (kind) $('new-kind').value = kind;
  const kept = newSchedule?.values();
  newSchedule = scheduleEditor('new', kept ? kept.units : DEFAULT_UNITS,
                               kept ? hoursDoc(kept.hours) : DEFAULT_HOURS);
  $('new-schedule').replaceChildren(newSchedule.element);
}

async function logout() {
  await attempt('header-status', async () => {
    await sendJson('POST', '/auth/logout');
    window.location.assign('/login?next=/yoyaku/kanri');
  });
}

// --- 3. the day's bookings --------------------------------------------------------------------

function holder(b) {
  if (!b.username) return '—';
  return b.display_name ? `${b.display_name}（${b.username}）` : b.username;
}

function bookingItem(b) {
  const what = `${formatDateTimeRange(b.start, b.end)} ${b.facility_name} ${b.room_name}`;
  const item = el('li', {id: `booking-${b.id}`},
    el('h3', {textContent: what}),
    el('p', {className: 'meta', textContent: `${t('kHolder')}: ${holder(b)} · ${t(`bs_${b.status}`)} · ${t('kParty', {n: b.party_size})}`}));
  if (b.purpose) item.append(el('p', {className: 'meta', textContent: b.purpose}));
  if (ACTIVE_BOOKINGS.includes(b.status) && new Date(b.start) > Date.now()) {
    item.append(button(t('kCancelBooking'), () => cancelBooking(b, what),
                       {className: 'danger-button', ariaLabel: `${holder(b)} ${what} ${t('kCancelBooking')}`}));
  }
  return item;
}

async function loadDay(event) {
  event?.preventDefault();
  const params = new URLSearchParams({day: $('day').value});
  if ($('day-facility').value) params.set('facility', $('day-facility').value);
  await attempt('today-status', async () => {
    const {day, bookings} = await getJson(`/staff/bookings?${params}`);
    $('day-bookings').replaceChildren(...bookings.map(bookingItem));
    say('today-status', bookings.length ? t('kTodayLoaded', {day, n: bookings.length}) : t('kNoBookings', {day}));
  });
}

async function cancelBooking(b, what) {
  if (!window.confirm(t('kConfirmCancel', {who: holder(b), what}))) return;
  await attempt('today-status', async () => {
    await sendJson('POST', `/bookings/${b.id}/cancel`);
    await loadDay();
    say('today-status', t('kCancelled', {id: b.id}));
  });
}

// --- 4. address verification ------------------------------------------------------------------

function pendingItem(c) {
  const who = c.display_name || c.username;
  const verifyButton = button(t('kVerifyButton'), () => verify(c, who),
                              {className: 'primary-button', ariaLabel: t('kVerifyLabel', {who})});
  return el('li', {id: `citizen-${c.user_id}`}, el('h3', {textContent: `${who}（${c.username}）`}),
    el('p', {className: 'meta', textContent: `${c.address} · ${t('kSince', {when: formatDateTime(c.since)})}`}),
    verifyButton);
}

async function loadPending() {
  await attempt('verify-status', async () => {
    const {citizens} = await getJson('/staff/citizens/pending');
    $('pending').replaceChildren(...citizens.map(pendingItem));
    if (!citizens.length) say('verify-status', t('kNoPending'));
    else if (!$('verify-status').textContent) say('verify-status', t('kPendingCount', {n: citizens.length}));
  });
}

async function verify(citizen, who) {
  await attempt('verify-status', async () => {
    await sendJson('POST', `/citizens/${citizen.user_id}/verify`);
    await loadPending();
    say('verify-status', t('kVerified', {who}));
  });
}

// --- start ------------------------------------------------------------------------------------

function rerender() {
  fillStaticChoices();
  renderRooms(null);
  return Promise.all([refreshLottery(), loadDay(), loadPending()]);
}

async function start() {
  await currentUser();
  installLangSwitch(rerender);
  fillStaticChoices();
  $('day').value = japanDay();
  $('new-room-form').addEventListener('submit', addRoom);
  $('logout').addEventListener('click', logout);
  $('round-form').addEventListener('submit', openRound);
  $('day-form').addEventListener('submit', loadDay);
  await attempt('rooms-status', () => Promise.all([loadRooms(), loadRounds()]));
  await Promise.all([loadDay(), loadPending()]);
  window.citygisKanriReady = true;
}

start();
