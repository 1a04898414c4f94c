// The citizens' booking page: search free rooms by day, kind, size and place (list and map),
// a room's two-week calendar, book (with party size and purpose) or join the waiting list;
// my bookings: cancel, confirm a lottery win before its deadline, leave a waiting list.
import './messages.js';
import {installLangSwitch, lang, t} from '../editor/messages.js';
import {RoomCalendar} from './calendar.js';
import {$, addDays, api, el, fee, formatPeriod, getJson, japanDay, problemText, say, send,
        signIn, submitting, busy} from './common.js';

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
  const query = new URLSearchParams({start: `${day}T00:00:00+09:00`,
                                     end: `${addDays(day, 1)}T00:00:00+09:00`});
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
  const calendar = el('button', {type: 'button', className: 'calendar-button', textContent: t('yCalendar')});
  calendar.setAttribute('aria-label', `${title} ${t('yCalendar')}`);
  calendar.addEventListener('click', () => state.calendar.open(room.room_id, $('day').value));
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
    const button = el('button', {type: 'button', textContent: t('yBook', {label: unit.label})});
    button.setAttribute('aria-label', `${title}: ${t('yBook', {label: unit.label})}`);
    button.addEventListener('click', () => askBooking(room.room_id, room.capacity, unit, what));
    item.append(button);
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
    $('search-status').textContent = problemText(error);
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
    say('search-status', t('yLoginToBook'));
    $('login-link').focus();
    return;
  }
  if (state.moving && state.moving.room_id !== roomId) stopMoving();
  state.pendingBooking = {roomId, unit, what};
  const moving = state.moving;
  $('book-title').textContent = t(moving ? 'yChangeTitle' : 'yBookTitle');
  $('book-what').textContent = moving
    ? t('yChangeFromTo', {from: formatPeriod(moving.start, moving.end), to: formatPeriod(unit.start, unit.end)})
    : `${what}（${formatPeriod(unit.start, unit.end)}）`;
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
    await submitting($('book-form'), () => send(...bookingRequest(roomId, unit)));
  } catch (error) {
    $('book-error').textContent = problemText(error);
    return;
  }
  $('book-dialog').close();
  if (changing) stopMoving();
  say(changing ? 'calendar-status' : 'search-status', t(changing ? 'yChanged' : 'yBooked', {what}));
  await refresh();
}

// --- changing a booking: pick its new time (or only a new party size) in the calendar --------

async function startMoving(booking) {
  state.moving = booking;
  $('calendar-move-text').textContent = t('yMoveHint', {what: formatPeriod(booking.start, booking.end)});
  $('calendar-move').hidden = false;
  await state.calendar.open(booking.room_id, dayOf(booking.start));
}

function stopMoving() {
  state.moving = null;
  $('calendar-move').hidden = true;
  state.calendar.render();
}

function dayOf(instant) {
  return new Date(Date.parse(instant) + 9 * 3600_000).toISOString().slice(0, 10);
}

function ownBookingControl(room, unit, what) {
  const moving = state.moving;
  if (!moving || moving.room_id !== room.id || moving.start !== unit.start) return null;
  const button = el('button', {type: 'button', className: 'book-button', textContent: t('yPartyOnly')});
  button.setAttribute('aria-label', `${what} ${t('yPartyOnly')}`);
  button.addEventListener('click', () => askBooking(room.id, null, unit, what));
  return button;
}

async function joinWaitlist(room, unit, what) {
  if (!state.me) {
    say('calendar-status', t('yLoginToBook'));
    return;
  }
  try {
    await send('POST', '/waitlist', {room_id: room.id, start: unit.start, end: unit.end});
    say('calendar-status', t('yWaiting', {what}));
  } catch (error) {
    say('calendar-status', problemText(error));
  }
  await mine();
}

async function refresh() {
  await Promise.all([search(), mine(), state.calendar.load()]);
}

// --- my bookings ----------------------------------------------------------------------------

function actionButton(label, ariaLabel, action) {
  const button = el('button', {type: 'button', textContent: label});
  button.setAttribute('aria-label', ariaLabel);
  button.addEventListener('click', action);
  return button;
}

function bookingItem(b) {
  const name = `${b.facility_name ?? ''} ${b.room_name ?? ''}`.trim();
  const when = formatPeriod(b.start, b.end);
  const item = el('li', {}, el('h3', {textContent: name}),
                  el('p', {className: 'meta', textContent: `${when} · ${t(`yStatus_${b.status}`)}`}));
  if (b.status === 'won') {
    item.append(el('p', {className: 'deadline', textContent: t('yConfirmBy', {when: formatPeriod(b.confirm_by, b.confirm_by).split('〜')[0]})}));
    item.append(actionButton(t('yConfirmWin'), `${name} ${when} ${t('yConfirmWin')}`, async () => {
      await act(() => send('POST', `/bookings/${b.id}/confirm`), t('yWinConfirmed'));
    }));
  }
  if (b.status === 'confirmed' && b.source !== 'lottery' && Date.parse(b.start) > Date.now()) {
    item.append(actionButton(t('yChange'), `${name} ${when} ${t('yChange')}`, () => startMoving(b)));
  }
  if (['confirmed', 'won'].includes(b.status)) {
    item.append(actionButton(t('yCancel'), `${name} ${when} ${t('yCancel')}`, async () => {
      if (!window.confirm(t('yConfirmCancel'))) return;
      await act(() => send('POST', `/bookings/${b.id}/cancel`), t('yCancelled'));
    }));
  }
  return item;
}

function waitItem(w) {
  const name = `${w.facility_name ?? ''} ${w.room_name ?? ''}`.trim();
  const when = formatPeriod(w.start, w.end);
  const item = el('li', {}, el('h3', {textContent: name}),
                  el('p', {className: 'meta', textContent: `${when} · ${t(`yWait_${w.status}`, {n: w.position})}`}));
  if (w.status === 'waiting') {
    item.append(actionButton(t('yLeaveWait'), `${name} ${when} ${t('yLeaveWait')}`, async () => {
      await act(() => send('DELETE', `/waitlist/${w.id}`), t('yLeftWait'));
    }));
  }
  return item;
}

async function act(call, done) {
  try {
    await call();
    say('mine-status', done);
  } catch (error) {
    say('mine-status', problemText(error));
  }
  await refresh();
}

async function mine() {
  if (!state.me) {
    $('mine-status').textContent = t('yMineLogin');
    return;
  }
  const [{bookings}, {entries}] = await Promise.all([api.json('/me/bookings'),
                                                     api.json('/me/waitlist')]);
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
