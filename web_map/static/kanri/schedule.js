// A room's booking units (利用区分) and opening hours per weekday (開館時間): one editor, used by
// the add-room form and by each room's settings. A unit row and a weekday are each a fieldset.
import {button, el} from 'lib/dom.js';
import {t} from 'lib/i18n.js';

export const DEFAULT_UNITS = [{label: '午前', starts: '09:00', ends: '12:00'},
                              {label: '午後', starts: '13:00', ends: '17:00'},
                              {label: '夜間', starts: '18:00', ends: '21:30'}];
export const DEFAULT_HOURS = Object.fromEntries(
  [1, 2, 3, 4, 5, 6, 7].map((d) => [String(d), {opens: '09:00', closes: '21:30'}]));

function labelled(id, text, input) {
  input.id = id;
  return el('div', {className: 'field'}, el('label', {htmlFor: id, textContent: text}), input);
}

function unitRow(prefix, unit, n, onRemove) {
  const id = `${prefix}-unit-${n}`;
  const name = t('kUnitN', {n});
  const remove = button(t('kRemoveUnit'), onRemove,
                        {className: 'remove-unit', ariaLabel: t('kRemoveUnitLabel', {name})});
  return el('fieldset', {className: 'unit-row', id},
    el('legend', {textContent: name}),
    labelled(`${id}-label`, t('kUnitLabel'), el('input', {value: unit.label, maxLength: 30, required: true,
                                                           autocomplete: 'off'})),
    labelled(`${id}-starts`, t('kUnitStarts'), el('input', {type: 'time', value: unit.starts, required: true})),
    labelled(`${id}-ends`, t('kUnitEnds'), el('input', {type: 'time', value: unit.ends, required: true})),
    remove);
}

function weekdayGroup(prefix, day, name, span, usual) {
  const id = `${prefix}-day-${day}`;
  const open = el('input', {type: 'checkbox', id: `${id}-open`, checked: Boolean(span)});
  const {opens: from, closes: until} = span ?? usual;
  const opens = el('input', {type: 'time', value: from, required: true, disabled: !span});
  const closes = el('input', {type: 'time', value: until, required: true, disabled: !span});
  open.addEventListener('change', () => { opens.disabled = closes.disabled = !open.checked; });
  return el('fieldset', {className: 'weekday', id},
    el('legend', {textContent: name}),
    el('label', {className: 'check', htmlFor: open.id}, open, ` ${t('kOpenThatDay')}`),
    el('div', {className: 'time-pair'},
      labelled(`${id}-opens`, t('kOpens'), opens), labelled(`${id}-closes`, t('kCloses'), closes)));
}

/**
 * The editor of ``units`` ([{label, starts, ends}]) and ``hours`` ({"1": {opens, closes}, …},
 * ISO weekdays as the API shows them). ``values()`` reads it back as the API takes it:
 * {units: [...], hours: [{weekday, opens, closes}]}; ``check()`` also refuses an empty one.
 */
export function scheduleEditor(prefix, units, hours) {
  let current = units.map((u) => ({...u}));
  const list = el('div', {className: 'unit-rows'});
  const add = el('button', {type: 'button', className: 'add-unit', textContent: t('kAddUnit')});
  const usual = Object.values(hours)[0] ?? {opens: '09:00', closes: '17:00'};  // for a day reopened
  const days = el('div', {className: 'weekday-groups'}, ...t('kWeekdayNames').split(',').map(
    (name, i) => weekdayGroup(prefix, i + 1, name, hours[String(i + 1)], usual)));

  function readUnits() {
    return [...list.querySelectorAll('.unit-row')].map((row) => ({
      label: row.querySelector('[id$="-label"]').value.trim(),
      starts: row.querySelector('[id$="-starts"]').value,
      ends: row.querySelector('[id$="-ends"]').value,
    }));
  }

  function draw(focusIndex = null) {
    list.replaceChildren(...current.map((unit, i) => unitRow(prefix, unit, i + 1, () => {
      current = readUnits();
      current.splice(i, 1);
      draw(Math.min(i, current.length - 1));
    })));
    if (focusIndex === null) return;
    const target = focusIndex < 0 ? add : list.querySelector(`#${prefix}-unit-${focusIndex + 1}-label`);
    target.focus();
  }

  add.addEventListener('click', () => {
    current = readUnits();
    const last = current.at(-1);
    current.push({label: '', starts: last?.ends ?? '09:00', ends: ''});
    draw(current.length - 1);
  });
  draw();

  const values = () => ({
    units: readUnits(),
    hours: [...days.querySelectorAll('.weekday')].map((group, i) => ({
      weekday: i + 1, open: group.querySelector('[type=checkbox]').checked,
      opens: group.querySelector('[id$="-opens"]').value,
      closes: group.querySelector('[id$="-closes"]').value,
    })).filter((h) => h.open).map(({weekday, opens, closes}) => ({weekday, opens, closes})),
  });

  function check() {
    const found = values();
    if (!found.units.length) throw new Error(t('kNoUnits'));
    if (found.units.some((u) => !u.label || !u.starts || !u.ends)) throw new Error(t('kUnitIncomplete'));
    if (!found.hours.length) throw new Error(t('kNoWeekday'));
    if (found.hours.some((h) => !h.opens || !h.closes)) throw new Error(t('kHoursIncomplete'));
    return found;
  }

  const element = el('div', {className: 'schedule'},
    el('fieldset', {className: 'units'}, el('legend', {textContent: t('kUnitsLegend')}), list, add),
    el('fieldset', {className: 'hours'}, el('legend', {textContent: t('kHoursLegend')}),
       el('p', {className: 'hint', textContent: t('kHoursHint')}), days));
  return {element, values, check};
}

/** The hours as the API shows them ({"1": {opens, closes}}) from ``values().hours``. */
export function hoursDoc(hours) {
  return Object.fromEntries(hours.map(({weekday, opens, closes}) => [String(weekday), {opens, closes}]));
}
