// The disaster officers' dashboard: emergency switch, shelters, reports to triage. Refreshes
// every REFRESH_MS; every change goes through the audited API.
import './messages.js';
import {$, button, el} from 'lib/dom.js';
import {ApiError, currentUser, getJson, sendJson} from 'lib/http.js';
import {installLangSwitch, t} from 'lib/i18n.js';
import {formatDateTime} from 'lib/time.js';

const REFRESH_MS = 10_000;
const CATEGORIES = JSON.parse($('categories').textContent);
let emergency = null;

function cell(content) {
  return el('td', {}, content ?? '');
}

/** A write whose refusal is shown to the officer at once (the table refreshes either way). */
async function send(method, url, body) {
  try {
    await sendJson(method, url, body);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    window.alert(t('serverError', {detail: error.problem.detail ?? error.status}));
  }
}

function showEmergency(state) {
  emergency = state;
  const label = $('emergency-state');
  label.textContent = state.active ? t('emergencyOn') : t('emergencyOff');
  label.classList.toggle('on', state.active);
  $('emergency-button').textContent = state.active ? t('emergencyStop') : t('emergencyStart');
  if (document.activeElement?.tagName !== 'TEXTAREA') {
    $('message-ja').value = state.message_ja;
    $('message-en').value = state.message_en;
  }
}

async function switchEmergency(event) {
  event.preventDefault();
  const active = !emergency.active;
  if (!window.confirm(t(active ? 'emergencyConfirmOn' : 'emergencyConfirmOff'))) return;
  await send('PUT', '/emergency', {active, message_ja: $('message-ja').value,
                                   message_en: $('message-en').value});
  await refresh();
}

function statusText(status) {
  return t({open: 'statusOpen', full: 'statusFull', closed: 'statusClosed'}[status] ?? 'statusUnknown');
}

function statusSelect(shelter) {
  const select = document.createElement('select');
  select.setAttribute('aria-label', `${shelter.name} ${t('shelterStatus')}`);
  for (const status of ['open', 'full', 'closed']) {
    select.append(new Option(statusText(status), status, false, status === shelter.status));
  }
  return select;
}

function occupancyInput(shelter) {
  const input = Object.assign(document.createElement('input'), {
    type: 'number', min: '0', value: String(shelter.occupancy ?? 0)});
  input.setAttribute('aria-label', `${shelter.name} ${t('shelterOccupancy')}`);
  return input;
}

function shelterRow(shelter) {
  const row = document.createElement('tr');
  const name = document.createElement('th');
  name.scope = 'row';
  name.textContent = shelter.name;
  const status = statusSelect(shelter);
  const occupancy = occupancyInput(shelter);
  const save = button(t('save'), async () => {
    await send('PATCH', `/shelters/${shelter.shelter_id}`,
               {status: status.value, occupancy: Number(occupancy.value)});
    await refresh();
  }, {ariaLabel: `${shelter.name} ${t('save')}`});
  row.append(name, cell(status), cell(occupancy), cell(shelter.capacity ?? '—'),
             cell(shelter.exposed ?? '—'), cell(shelter.capacity_gap ?? '—'), cell(save));
  return row;
}

/** Every shelter (closed ones too, so they can be reopened), with its catchment's exposure. */
function showShelters(features, exposure) {
  const editing = document.activeElement?.closest?.('#shelter-rows');
  if (editing) return;  // never replace a row under the officer's hands
  const catchments = new Map(exposure.catchments.map((c) => [c.shelter_id, c]));
  const shelters = features.map(({id, properties: p}) => ({
    shelter_id: id, name: p.name, status: p.status, occupancy: p.occupancy,
    capacity: p.capacity, ...(catchments.get(id) ? {
      exposed: catchments.get(id).exposed, capacity_gap: catchments.get(id).capacity_gap} : {}),
  }));
  $('shelter-rows').replaceChildren(...shelters.map(shelterRow));
  const totals = exposure.totals;
  $('exposure-totals').textContent = t('exposureTotals', {
    exposed: totals.exposed.toLocaleString(), population: totals.population.toLocaleString(),
    gap: (totals.capacity_gap ?? 0).toLocaleString()});
}

function category(value) {
  const [ja, en] = CATEGORIES[value] ?? [value, value];
  return document.documentElement.lang === 'en' ? en : ja;
}

function triageCell(report) {
  const td = cell(t(`r${report.status}`));
  const triage = (body) => async () => { await send('PATCH', `/reports/${report.id}`, body); await refresh(); };
  if (report.status === 'new') {
    td.append(' ', button(t('reportConfirm'), triage({status: 'confirmed'})),
              button(t('reportReject'), triage({status: 'rejected'})));
    for (const other of report.suggested_duplicates) {
      td.append(button(t('reportDuplicate', {id: other.id}),
                       triage({status: 'duplicate', duplicate_of: other.id})));
    }
  } else if (report.status === 'confirmed') {
    td.append(' ', button(t('reportResolve'), triage({status: 'resolved'})));
  }
  return td;
}

function nearbyCell(report) {
  return cell(report.suggested_duplicates.map((o) => `#${o.id} (${o.metres} m)`).join(', ') || '—');
}

function showReports(reports) {
  const rows = reports.map((report) => {
    const row = document.createElement('tr');
    const note = document.createElement('span');
    note.textContent = `#${report.id} ${report.note}`;
    const noteCell = cell(note);
    if (report.has_photo) {
      const link = Object.assign(document.createElement('a'), {
        href: `/reports/${report.id}/photo`, textContent: t('reportPhoto'), target: '_blank'});
      noteCell.append(' ', link);
    }
    row.append(cell(formatDateTime(report.created_at)), cell(category(report.category)), noteCell,
               nearbyCell(report), triageCell(report));
    return row;
  });
  if (!rows.length) {
    const empty = document.createElement('tr');
    const td = cell(t('reportsNone'));
    td.colSpan = 5;
    empty.append(td);
    rows.push(empty);
  }
  $('report-rows').replaceChildren(...rows);
  $('reports-updated').textContent = t('updatedAt', {time: formatDateTime(new Date())});
}

async function refresh() {
  const [state, shelters, exposure, reports] = await Promise.all([
    getJson('/emergency'), getJson('/collections/shelters/items?limit=1000'),
    getJson('/exposure?by=shelter'), getJson('/reports?limit=200'),
  ]);
  showEmergency(state);
  showShelters(shelters.features, exposure);
  showReports(reports.reports);
}

async function start() {
  await currentUser();
  installLangSwitch(() => refresh());
  $('emergency-form').addEventListener('submit', switchEmergency);
  await refresh();
  window.citygisDashboardReady = true;
  setInterval(refresh, REFRESH_MS);
  new EventSource('/shelters/events').addEventListener('message', () => refresh());
}

start();
