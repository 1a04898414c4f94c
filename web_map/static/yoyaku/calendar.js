// A room's calendar (空き状況): two weeks, a row a day, a column a booking unit. Free units
// are buttons to book; a booked unit offers the waiting list; closed days say why.
import {$, button, el} from 'lib/dom.js';
import {getJson, problemText} from 'lib/http.js';
import {t} from 'lib/i18n.js';
import {addDays, formatDate, japanDay} from 'lib/time.js';

const DAYS = 14;

function unitLabels(days) {
  const labels = [];
  for (const day of days) {
    for (const unit of day.units) if (!labels.includes(unit.label)) labels.push(unit.label);
  }
  return labels;
}

export class RoomCalendar {
  /** actions: {book(room, unit, what), wait(room, unit, what), mine(room, unit, what) → a
   * control for the viewer's own booking, or nothing} */
  constructor(actions) {
    this.actions = actions;
    this.roomId = null;
    this.first = japanDay();
    this.doc = null;
    $('calendar-prev').addEventListener('click', () => this.move(-DAYS));
    $('calendar-next').addEventListener('click', () => this.move(DAYS));
    $('calendar-close').addEventListener('click', () => this.close());
  }

  async open(roomId, first = japanDay()) {
    this.roomId = roomId;
    this.first = first < japanDay() ? japanDay() : first;
    $('calendar-section').hidden = false;
    await this.load();
    $('calendar-title').focus();
  }

  close() {
    this.roomId = null;
    $('calendar-section').hidden = true;
    $('results').querySelector('button')?.focus();
  }

  async move(days) {
    const first = addDays(this.first, days);
    this.first = first < japanDay() ? japanDay() : first;
    await this.load();
  }

  async load() {
    if (this.roomId === null) return;
    const last = addDays(this.first, DAYS - 1);
    $('calendar-status').textContent = t('loading');
    try {
      this.doc = await getJson(`/rooms/${this.roomId}/calendar?start=${this.first}&end=${last}`);
    } catch (error) {
      $('calendar-status').textContent = problemText(error);
      return;
    }
    this.render();
    $('calendar-status').textContent = t('yCalendarShown', {
      from: formatDate(this.first), to: formatDate(last), n: this.freeCount()});
  }

  freeCount() {
    return this.doc.days.reduce((n, d) => n + d.units.filter((u) => u.state === 'free').length, 0);
  }

  render() {
    if (!this.doc) return;
    const {room, days} = this.doc;
    $('calendar-title').textContent = t('yCalendarOf', {name: `${room.facility_name} ${room.room_name ?? room.name}`});
    $('calendar-prev').disabled = this.first <= japanDay();
    $('calendar-lottery').hidden = !room.lottery;
    const labels = unitLabels(days);
    const head = el('tr', {}, el('th', {scope: 'col', textContent: t('yDate')}),
                    ...labels.map((label) => el('th', {scope: 'col', textContent: label})));
    const rows = days.map((day) => this.row(room, day, labels));
    $('calendar-table').replaceChildren(
      el('caption', {className: 'visually-hidden', textContent: $('calendar-title').textContent}),
      el('thead', {}, head), el('tbody', {}, ...rows));
  }

  row(room, day, labels) {
    const holiday = day.holiday ? ` ${day.holiday}` : '';
    const dateCell = el('th', {scope: 'row', textContent: `${formatDate(day.date)}${holiday}`});
    if (day.holiday || ['土', '日'].includes(day.weekday_ja)) dateCell.className = 'holiday';
    if (day.closed) {
      return el('tr', {}, dateCell, el('td', {colSpan: labels.length || 1, className: 'closed',
                                              textContent: t('yClosed', {reason: day.closed})}));
    }
    const cells = labels.map((label) => {
      const unit = day.units.find((u) => u.label === label);
      return el('td', {className: `unit ${unit?.state ?? 'none'}`},
                ...(unit ? this.unitContent(room, day, unit) : ['—']));
    });
    return el('tr', {}, dateCell, ...cells);
  }

  unitContent(room, day, unit) {
    const what = `${formatDate(day.date)} ${unit.label}`;
    if (unit.state === 'free') {
      return [button(t('yBookShort'), () => this.actions.book(room, unit, what),
                     {className: 'book-button', ariaLabel: t('yBook', {label: what})})];
    }
    const text = el('span', {textContent: t(`yState_${unit.state}`)});
    if (unit.state === 'mine') return [text, this.actions.mine?.(room, unit, what)];
    if (unit.state !== 'booked') return [text];
    return [text, button(t('yWaitShort'), () => this.actions.wait(room, unit, what),
                         {className: 'wait-button', ariaLabel: t('yWait', {label: what})})];
  }
}
