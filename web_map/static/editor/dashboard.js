// The disaster officers' dashboard: emergency switch, shelters, reports to triage. Refreshes
// every REFRESH_MS; every change goes through the audited API.
import {Api} from './api.js';
import {formatDateTime, installLangSwitch, t} from './messages.js';

const REFRESH_MS = 10_000;
const $ = (id) => document.getElementById(id);
const api = new Api();
const CATEGORIES = JSON.parse($('categories').textContent);
let emergency = null;

function cell(content) {
  const td = document.createElement('td');
  td.append(content ?? '');
  return td;
}

function button(label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

async function send(method, url, body) {
  const response = await fetch(url, {
    method, headers: {'Content-Type': 'application/json', 'X-CSRF-Token': api.csrf},
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    window.alert(t('serverError', {detail: problem.detail ?? response.status}));
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
  });
  save.setAttribute('aria-label', `${shelter.name} ${t('save')}`);
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
    api.json('/emergency'), api.json('/collections/shelters/items?limit=1000'),
    api.json('/exposure?by=shelter'), api.json('/reports?limit=200'),
  ]);
  showEmergency(state);
  showShelters(shelters.features, exposure);
  showReports(reports.reports);
}

async function start() {
  await api.me();
  installLangSwitch(() => refresh());
  $('emergency-form').addEventListener('submit', switchEmergency);
  await refresh();
  window.citygisDashboardReady = true;
  setInterval(refresh, REFRESH_MS);
  new EventSource('/shelters/events').addEventListener('message', () => refresh());
}

start();
