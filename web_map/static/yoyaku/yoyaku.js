// The citizens' booking page: search free rooms by day, kind, size and place (list and map),
// a room's two-week calendar, book (with party size and purpose) or join the waiting list;
// my bookings: cancel, confirm a lottery win before its deadline, leave a waiting list.
import './messages.js';
import {$, announce, button, el} from 'lib/dom.js';
import {busy, getJson, sendJson, submitting} from 'lib/http.js';
import {installLangSwitch, lang, t} from 'lib/i18n.js';
import {addDays, formatDayAndTime, formatTimeRange, japanDay, japanDayOf, japanIso} from 'lib/time.js';
import {RoomCalendar} from './calendar.js';
import {citizenProblemText, fee, signIn} from './common.js';

const KINDS = JSON.parse($('kinds').textContent);
const CHOME = JSON.parse($('chome-names').textContent);
const params = new URLSearchParams(location.search);
const pointFromMap = params.has('lon') && params.has('lat')
  ? {lon: Number(params.get('lon')), lat: Number(params.get('lat'))} : null;
const RADII = [500, 1000, 2000, 3000];
const PAGE = 8;
const state = {me: null, rooms: [], shown: PAGE, pendingBooking: null, moving: null};

function fillSelects() {
  const kind = $('kind').value;
  $('kind').replaceChildren(new Option(t('yAnyKind'), ''),
    ...KINDS.map(([value, ja, en]) => new Option(lang() === 'en' ? en : ja, value)));
  $('kind').value = kind;
  const place = $('place').value;
  const options = [new Option(t('yAnyPlace'), '')];
  if (pointFromMap) options.push(new Option(t('yNearPoint'), 'near'));
  if ('geolocation' in navigator) options.push(new Option(t('yNearHere'), 'here'));
  options.push(...CHOME.map((name) => new Option(name, `chome:${name}`)));
  $('place').replaceChildren(...options);
  $('place').value = place || (pointFromMap ? 'near' : '');
  const radius = $('radius').value || params.get('radius') || '1000';
  $('radius').replaceChildren(...RADII.map((m) => new Option(t('yWithin', {m}), m)));
  $('radius').value = RADII.includes(Number(radius)) ? radius : '1000';
  showRadius();
}

function showRadius() {
  $('radius-field').hidden = !['near', 'here'].includes($('place').value);
}

/** The point the search is near (the map's, or the phone's own position), or null. */
async function searchPoint() {
  const place = $('place').value;
  if (place === 'near') return pointFromMap;
  if (place !== 'here') return null;
  state.here ??= await new Promise((resolve, reject) => navigator.geolocation.getCurrentPosition(
    (p) => resolve({lon: p.coords.longitude, lat: p.coords.latitude}), reject, {timeout: 10_000}));
  return state.here;
}

function searchParams(point) {
  const day = $('day').value;
  const query = new URLSearchParams({start: japanIso(day), end: japanIso(addDays(day, 1))});
  if ($('kind').value) query.set('kind', $('kind').value);
  if ($('capacity').value) query.set('capacity', $('capacity').value);
  const place = $('place').value;
  if (point) {
    query.set('lon', point.lon.toFixed(6)); query.set('lat', point.lat.toFixed(6));
    query.set('radius', $('radius').value);
  } else if (place.startsWith('chome:')) {
    query.set('chome', place.slice(6));
  }
  return query;
}

function roomTitle(room) {
  return `${room.facility_name} ${room.room_name}`;
}

function roomItem(room) {
  const title = roomTitle(room);
  const distance = room.distance_m != null ? ` · ${t('yDistance', {m: Math.round(room.distance_m)})}` : '';
  const kind = KINDS.find(([value]) => value === room.kind);
  const kindName = kind && lang() === 'en' ? kind[2] : room.kind_ja;
  const meta = `${kindName} · ${t('yCapacityOf', {n: room.capacity})} · ${fee(room.fee_yen)}${distance}`;
  const calendar = button(t('yCalendar'), () => state.calendar.open(room.room_id, $('day').value),
                          {className: 'calendar-button', ariaLabel: `${title} ${t('yCalendar')}`});
  const item = el('li', {id: `room-${room.room_id}`, tabIndex: -1},
                  el('h3', {textContent: title}), el('p', {className: 'meta', textContent: meta}));
  item.dataset.facility = room.facility_id;
  if (room.equipment?.length) {
    item.append(el('p', {className: 'meta equipment', textContent: t('yEquipment', {list: room.equipment.join('、')})}));
  }
  if (room.lottery) {
    item.append(el('p', {className: 'meta'}, t('yLottery'), ' ',
                   el('a', {href: '/yoyaku/chusen', textContent: t('yToLottery')})));
  }
  for (const unit of room.free) {
    const what = `${title} ${unit.label}`;
    item.append(button(t('yBook', {label: unit.label}),
                       () => askBooking(room.room_id, room.capacity, unit, what),
                       {ariaLabel: `${title}: ${t('yBook', {label: unit.label})}`}));
  }
  item.append(calendar);
  return item;
}

async function search(event) {
  event?.preventDefault();
  let body, point;
  try {
    point = await searchPoint();
  } catch {
    $('search-status').textContent = t('yNoPosition');
    return;
  }
  try {
    body = await getJson(`/facilities/availability?${searchParams(point)}`);
  } catch (error) {
    $('search-status').textContent = citizenProblemText(error);
    return;
  }
  state.rooms = body.rooms.filter((r) => r.free.length || r.lottery);
  state.shown = PAGE;
  showResults();
  const free = state.rooms.filter((r) => r.free.length).length;
  $('search-status').textContent = free ? t('yFound', {n: free}) : t('yNone');
  state.point = point ? [point.lon, point.lat] : null;
  state.map?.show(state.rooms, state.point);
}

function showResults() {
  $('results').replaceChildren(...state.rooms.slice(0, state.shown).map(roomItem));
  $('more-results').hidden = state.rooms.length <= state.shown;
  $('more-results').textContent = t('yMore', {n: state.rooms.length - state.shown});
}

function showMore() {
  const first = state.shown;
  state.shown += PAGE;
  showResults();
  $('results').children[first]?.focus();
}

function focusFacility(facilityId) {
  const index = state.rooms.findIndex((r) => r.facility_id === facilityId);
  if (index < 0) return;
  if (index >= state.shown) {
    state.shown = index + 1;
    showResults();
  }
  const item = $('results').querySelector(`li[data-facility="${facilityId}"]`);
  item.scrollIntoView({block: 'nearest'});
  item.focus();
}

// --- booking --------------------------------------------------------------------------------

function askBooking(roomId, capacity, unit, what) {
  if (!state.me) {
    announce('search-status', t('yLoginToBook'));
    $('login-link').focus();
    return;
  }
  if (state.moving && state.moving.room_id !== roomId) stopMoving();
  state.pendingBooking = {roomId, unit, what};
  const moving = state.moving;
  $('book-title').textContent = t(moving ? 'yChangeTitle' : 'yBookTitle');
  $('book-what').textContent = moving
    ? t('yChangeFromTo', {from: formatTimeRange(moving.start, moving.end), to: formatTimeRange(unit.start, unit.end)})
    : `${what}（${formatTimeRange(unit.start, unit.end)}）`;
  $('party-size').value = moving ? moving.party_size : 1;
  $('party-size').max = capacity || 10000;
  $('purpose-field').hidden = Boolean(moving);
  $('book-error').textContent = '';
  $('book-dialog').showModal();
}

function bookingRequest(roomId, unit) {
  const partySize = Number($('party-size').value || 1);
  if (state.moving) {
    const sameTime = unit.start === state.moving.start && unit.end === state.moving.end;
    const body = sameTime ? {party_size: partySize} : {start: unit.start, end: unit.end, party_size: partySize};
    return ['PATCH', `/bookings/${state.moving.id}`, body];
  }
  const body = {room_id: roomId, start: unit.start, end: unit.end, party_size: partySize};
  if ($('purpose').value.trim()) body.purpose = $('purpose').value.trim();
  return ['POST', '/bookings', body];
}

async function confirmBooking(event) {
  event.preventDefault();
  if (busy($('book-form'))) return;
  const {roomId, unit, what} = state.pendingBooking;
  const changing = Boolean(state.moving);
  try {
    await submitting($('book-form'), () => sendJson(...bookingRequest(roomId, unit)));
  } catch (error) {
    $('book-error').textContent = citizenProblemText(error);
    return;
  }
  $('book-dialog').close();
  if (changing) stopMoving();
  await refresh();  // it rewrites both statuses: the news goes in after it
  announce(changing ? 'calendar-status' : 'search-status', t(changing ? 'yChanged' : 'yBooked', {what}));
}

// --- changing a booking: pick its new time (or only a new party size) in the calendar --------

async function startMoving(booking) {
  state.moving = booking;
  $('calendar-move-text').textContent = t('yMoveHint', {what: formatTimeRange(booking.start, booking.end)});
  $('calendar-move').hidden = false;
  await state.calendar.open(booking.room_id, japanDayOf(booking.start));
}

function stopMoving() {
  state.moving = null;
  $('calendar-move').hidden = true;
  state.calendar.render();
}

function ownBookingControl(room, unit, what) {
  const moving = state.moving;
  if (!moving || moving.room_id !== room.id || moving.start !== unit.start) return null;
  return button(t('yPartyOnly'), () => askBooking(room.id, null, unit, what),
                {className: 'book-button', ariaLabel: `${what} ${t('yPartyOnly')}`});
}

async function joinWaitlist(room, unit, what) {
  if (!state.me) {
    announce('calendar-status', t('yLoginToBook'));
    return;
  }
  try {
    await sendJson('POST', '/waitlist', {room_id: room.id, start: unit.start, end: unit.end});
    announce('calendar-status', t('yWaiting', {what}));
  } catch (error) {
    announce('calendar-status', citizenProblemText(error));
  }
  await mine();
}

async function refresh() {
  await Promise.all([search(), mine(), state.calendar.load()]);
}

// --- my bookings ----------------------------------------------------------------------------

function actionButton(label, ariaLabel, action) {
  return button(label, action, {ariaLabel});
}

function bookingItem(b) {
  const name = `${b.facility_name ?? ''} ${b.room_name ?? ''}`.trim();
  const when = formatTimeRange(b.start, b.end);
  const item = el('li', {}, el('h3', {textContent: name}),
                  el('p', {className: 'meta', textContent: `${when} · ${t(`yStatus_${b.status}`)}`}));
  if (b.status === 'won') {
    item.append(el('p', {className: 'deadline', textContent: t('yConfirmBy', {when: formatDayAndTime(b.confirm_by)})}));
    item.append(actionButton(t('yConfirmWin'), `${name} ${when} ${t('yConfirmWin')}`, async () => {
      await act(() => sendJson('POST', `/bookings/${b.id}/confirm`), t('yWinConfirmed'));
    }));
  }
  if (b.status === 'confirmed' && b.source !== 'lottery' && Date.parse(b.start) > Date.now()) {
    item.append(actionButton(t('yChange'), `${name} ${when} ${t('yChange')}`, () => startMoving(b)));
  }
  if (['confirmed', 'won'].includes(b.status)) {
    item.append(actionButton(t('yCancel'), `${name} ${when} ${t('yCancel')}`, async () => {
      if (!window.confirm(t('yConfirmCancel'))) return;
      await act(() => sendJson('POST', `/bookings/${b.id}/cancel`), t('yCancelled'));
    }));
  }
  return item;
}

function waitItem(w) {
  const name = `${w.facility_name ?? ''} ${w.room_name ?? ''}`.trim();
  const when = formatTimeRange(w.start, w.end);
  const item = el('li', {}, el('h3', {textContent: name}),
                  el('p', {className: 'meta', textContent: `${when} · ${t(`yWait_${w.status}`, {n: w.position})}`}));
  if (w.status === 'waiting') {
    item.append(actionButton(t('yLeaveWait'), `${name} ${when} ${t('yLeaveWait')}`, async () => {
      await act(() => sendJson('DELETE', `/waitlist/${w.id}`), t('yLeftWait'));
    }));
  }
  return item;
}

async function act(call, done) {
  try {
    await call();
    announce('mine-status', done);
  } catch (error) {
    announce('mine-status', citizenProblemText(error));
  }
  await refresh();
}

async function mine() {
  if (!state.me) {
    $('mine-status').textContent = t('yMineLogin');
    return;
  }
  const [{bookings}, {entries}] = await Promise.all([getJson('/me/bookings'),
                                                     getJson('/me/waitlist')]);
  $('mine').replaceChildren(...bookings.map(bookingItem));
  $('waits').replaceChildren(...entries.map(waitItem));
  $('waits-title').hidden = !entries.length;
  if (!bookings.length) $('mine-status').textContent = t('yNoBookings');
}

// --- start ----------------------------------------------------------------------------------

/** The map loads after the list: MapLibre is most of the page's bytes, the list needs none. */
async function startMap() {
  try {
    const {ResultsMap} = await import('./results_map.js');
    const map = new ResultsMap('results-map', focusFacility);
    await map.start();
    state.map = map;
    map.show(state.rooms, state.point);
  } catch (error) {
    console.warn('map', error);
  }
}

function rerender() {
  fillSelects();
  search();
  mine();
  state.calendar.render();
}

async function start() {
  state.me = await signIn();
  state.calendar = new RoomCalendar({
    book: (room, unit, what) => askBooking(room.id, null, unit, `${room.facility_name} ${room.name} ${what}`),
    wait: joinWaitlist,
    mine: ownBookingControl,
  });
  $('calendar-move-cancel').addEventListener('click', stopMoving);
  installLangSwitch(rerender);
  $('day').value = /^\d{4}-\d{2}-\d{2}$/.test(params.get('day') || '') ? params.get('day') : japanDay(1);
  $('day').min = japanDay();
  fillSelects();
  $('search-form').addEventListener('submit', search);
  $('book-form').addEventListener('submit', confirmBooking);
  $('more-results').addEventListener('click', showMore);
  $('place').addEventListener('change', showRadius);
  $('book-cancel').addEventListener('click', () => $('book-dialog').close());
  startMap();
  await Promise.all([search(), mine()]);
  if (/^\d+$/.test(params.get('room') || '')) await state.calendar.open(Number(params.get('room')));
  window.citygisBookingReady = true;
}

start();
