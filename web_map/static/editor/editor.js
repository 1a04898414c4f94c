// The planners' layer editor: pick a layer, draw / move / reshape / delete, edit attributes,
// save with If-Match (a 412 conflict offers reload-and-reapply), undo, history.
import './messages.js';
import {$, button, el} from 'lib/dom.js';
import {ApiError, problemText} from 'lib/http.js';
import {installLangSwitch, pick, t} from 'lib/i18n.js';
import {Api} from './api.js';
import {MODE_OF, createDraw, createMap, drawIdOf, toDrawGeometry, toLayerGeometry} from './draw.js';
import {editableProperties, readForm, renderForm} from './form.js';
import {renderHistory} from './history.js';

const PAGE_LIMIT = 500;
const api = new Api();
const state = {
  layers: [], layer: null, props: [], features: new Map(), selected: null, undo: [],
  map: null, draw: null,
};

function say(text) {
  $('status').textContent = text;
}

function explain(error) {
  if (error instanceof ApiError && error.status === 401) {
    window.location.assign('/login?next=/editor');
  }
  $('form-error').textContent = problemText(error, {nameField: true});
}

// --- layers and features -------------------------------------------------------------------

async function loadSchema(layerId) {
  try {
    return await api.json(`/collections/${layerId}/schema`);
  } catch {
    return api.queryables(layerId);
  }
}

async function chooseLayer(layerId) {
  closePanel();
  say(t('loading'));  // not the last layer's count while this one's schema loads
  state.layer = state.layers.find((l) => l.id === layerId);
  state.props = editableProperties(await loadSchema(layerId));
  await loadFeatures();
}

function featureLabel(feature) {
  const p = feature.properties || {};
  return p.name || p.title || t('featureTitle', {id: feature.id});
}

function listFeature(feature) {
  $('feature-list').append(el('li', {}, button(featureLabel(feature),
                                              () => openFeature(feature.id, {fly: true}))));
}

function addToDraw(feature) {
  const geometry = toDrawGeometry(feature.geometry);
  state.features.set(String(feature.id), {geometry: feature.geometry, drawable: !!geometry});
  if (!geometry) return;
  state.draw.addFeatures([{id: drawIdOf(feature.id), type: 'Feature', geometry,
                           properties: {mode: MODE_OF[geometry.type]}}]);
}

async function loadFeatures({force = false} = {}) {
  say(t('loading'));
  const bounds = state.map.getBounds().toArray().flat();
  const collection = await api.items(state.layer.id, bounds, PAGE_LIMIT);
  if (state.selected && !force) return;  // a feature is being edited: keep the drawing as it is
  state.draw.clear();
  state.features.clear();
  $('feature-list').replaceChildren();
  for (const feature of collection.features) {
    addToDraw(feature);
    listFeature(feature);
  }
  say(collection.features.length >= PAGE_LIMIT ? t('tooMany')
    : t('loaded', {count: collection.features.length}));
}

// --- the feature panel ----------------------------------------------------------------------

function fidOfDrawId(drawId) {
  return drawId.startsWith('f-') ? drawId.slice(2) : null;
}

function showPanel(title, values) {
  $('feature-panel').hidden = false;
  $('feature-title').textContent = title;
  $('conflict').hidden = true;
  $('history').hidden = true;
  $('form-error').textContent = '';
  renderForm($('attribute-fields'), state.props, values);
  $('delete').hidden = !state.selected.fid;
  $('history-button').hidden = !state.selected.fid;
  $('feature-title').focus();
}

function closePanel() {
  state.selected = null;
  $('feature-panel').hidden = true;
}

async function openFeature(fid, {fly = false} = {}) {
  try {
    const {feature, etag} = await api.feature(state.layer.id, fid);
    state.selected = {fid: String(fid), drawId: drawIdOf(fid), etag, original: feature,
                      geometryChanged: false};
    if (fly) flyTo(feature.geometry);
    showPanel(featureLabel(feature), feature.properties || {});
    if (!state.features.get(String(fid))?.drawable) say(t('multiPart'));
  } catch (error) {
    explain(error);
  }
}

function openNew(drawId) {
  const drawn = state.draw.getSnapshotFeature(drawId);
  state.selected = {fid: null, drawId, etag: null, original: null, geometryChanged: true,
                    geometry: drawn?.geometry};
  showPanel(t('newFeature'), {});
}

function flyTo(geometry) {
  const flat = JSON.stringify(geometry.coordinates).match(/-?\d+(\.\d+)?/g).map(Number);
  state.map.flyTo({center: [flat[0], flat[1]], zoom: Math.max(state.map.getZoom(), 16)});
}

function currentGeometry() {
  const {selected, layer} = state;
  const drawn = state.draw.getSnapshotFeature(selected.drawId)?.geometry ?? selected.geometry;
  if (drawn) return toLayerGeometry(drawn, layer['x-geometry-type']);
  return selected.original.geometry;
}

// --- writes ---------------------------------------------------------------------------------

function featureBody(properties, geometry, fid) {
  return {type: 'Feature', ...(fid ? {id: fid} : {}), geometry, properties};
}

async function save(event) {
  event.preventDefault();
  let values;
  try {
    values = readForm($('attribute-fields'), state.props);
  } catch (error) {
    $('form-error').textContent = error.message;
    return;
  }
  let geometry;
  try {
    geometry = currentGeometry();
    if (!state.selected.fid) await createFeature(values, geometry);
    else await updateFeature(values, geometry, state.selected.etag);
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) showConflict(values, geometry);
    else explain(error);
  }
}

async function createFeature(values, geometry) {
  const result = await api.create(state.layer.id, featureBody(values, geometry));
  const fid = String(result.feature?.id ?? result.location.split('/').pop());
  state.undo.push({op: 'create', layerId: state.layer.id, fid});
  await afterWrite(fid, t('created', {id: fid}));
}

async function updateFeature(values, geometry, etag) {
  const {selected} = state;
  await api.replace(state.layer.id, selected.fid, featureBody(values, geometry, selected.fid),
                    etag);
  state.undo.push({op: 'update', layerId: state.layer.id, fid: selected.fid,
                   before: selected.original});
  await afterWrite(selected.fid, t('saved'));
}

async function afterWrite(fid, message) {
  $('undo').disabled = state.undo.length === 0;
  await loadFeatures({force: true});
  if (fid) await openFeature(fid);
  else closePanel();
  if (message) say(message);  // after the reload, which reports its own count
}

async function deleteFeature() {
  const {selected} = state;
  if (!window.confirm(t('confirmDelete', {id: selected.fid}))) return;
  try {
    await api.remove(state.layer.id, selected.fid, selected.etag);
    state.undo.push({op: 'delete', layerId: state.layer.id, before: selected.original});
    await afterWrite(null, t('deleted', {id: selected.fid}));
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) showConflict(null, null);
    else explain(error);
  }
}

// --- 412: somebody else was first ----------------------------------------------------------

function showConflict(values, geometry) {
  state.selected.pending = {values, geometry};
  $('conflict').hidden = false;
  $('conflict-reapply').focus();
}

function changedValues(mine, original) {
  return Object.fromEntries(Object.entries(mine)
    .filter(([name, value]) => value !== (original.properties?.[name] ?? null)));
}

async function reapply() {
  const {selected} = state;
  const {values, geometry} = selected.pending;
  const {feature, etag} = await api.feature(state.layer.id, selected.fid);
  const merged = {...feature.properties, ...changedValues(values ?? {}, selected.original)};
  const keep = selected.geometryChanged ? geometry : feature.geometry;
  selected.original = feature;
  try {
    if (values === null) await api.remove(state.layer.id, selected.fid, etag);
    else await updateFeature(merged, keep, etag);
    if (values === null) await afterWrite(null);
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) showConflict(values, geometry);
    else explain(error);
  }
}

async function discard() {
  const fid = state.selected.fid;
  await loadFeatures({force: true});
  await openFeature(fid);
}

// --- undo and history ----------------------------------------------------------------------

async function undoLast() {
  const step = state.undo.pop();
  if (!step) return;
  try {
    if (step.op === 'create') {
      const {etag} = await api.feature(step.layerId, step.fid);
      await api.remove(step.layerId, step.fid, etag);
    } else if (step.op === 'update') {
      const {etag} = await api.feature(step.layerId, step.fid);
      await api.replace(step.layerId, step.fid, step.before, etag);
    } else {
      const {properties, geometry} = step.before;
      await api.create(step.layerId, featureBody(properties, geometry));
    }
  } catch (error) {
    explain(error);
    await afterWrite(null);
    return;
  }
  await afterWrite(null, t('undone'));
}

async function showHistory() {
  const {selected} = state;
  $('history').hidden = false;
  try {
    renderHistory($('history-list'), await api.versions(state.layer.id, selected.fid), revert);
  } catch (error) {
    explain(error);
  }
}

async function revert(version) {
  const {selected} = state;
  try {
    const {etag} = await api.feature(state.layer.id, selected.fid);
    await api.revert(state.layer.id, selected.fid, version, etag);
    await afterWrite(selected.fid, t('reverted', {version}));
    await showHistory();
  } catch (error) {
    explain(error);
  }
}

// --- drawing and keyboard input ------------------------------------------------------------

function setMode(mode) {
  state.draw.setMode(mode);
  for (const modeButton of document.querySelectorAll('.mode-button')) {
    modeButton.setAttribute('aria-pressed', String(modeButton.dataset.mode === mode));
  }
}

function onFinish(drawId, context) {
  if (context.action === 'draw') {
    setMode('select');
    openNew(String(drawId));
  } else if (state.selected?.drawId === drawId) {
    state.selected.geometryChanged = true;
  }
}

function onSelect(drawId) {
  const fid = fidOfDrawId(String(drawId));
  if (fid && state.selected?.fid !== fid) openFeature(fid);
}

function addPointByCoordinates(event) {
  event.preventDefault();
  const numbers = $('coordinate-input').value.split(/[\s,、]+/).filter(Boolean).map(Number);
  const [lon, lat] = numbers;
  if (numbers.length !== 2 || !Number.isFinite(lon) || !Number.isFinite(lat)) {
    say(t('coordinateInvalid'));
    return;
  }
  const [added] = state.draw.addFeatures([{
    id: `new-key-${Date.now()}`, type: 'Feature',
    geometry: {type: 'Point', coordinates: [lon, lat]}, properties: {mode: 'point'},
  }]);
  state.map.flyTo({center: [lon, lat]});
  openNew(String(added.id));
}

function rerenderForm() {
  if (!state.selected) return;
  const container = $('attribute-fields');
  const raw = Object.fromEntries([...container.querySelectorAll('[name]')]
    .map((input) => [input.name, input.value]));
  renderForm(container, state.props, raw);
}

// --- start ---------------------------------------------------------------------------------

function fillLayerSelect(collections, editable) {
  state.layers = collections.filter((c) => editable.includes(c.id));
  const select = $('layer-select');
  select.replaceChildren(...state.layers.map((c) => new Option(pick(c.title, c['x-title-en']), c.id)));
  select.addEventListener('change', () => chooseLayer(select.value));
}

function wire() {
  $('attribute-form').addEventListener('submit', save);
  $('cancel').addEventListener('click', () => { closePanel(); loadFeatures(); });
  $('delete').addEventListener('click', deleteFeature);
  $('history-button').addEventListener('click', showHistory);
  $('conflict-reapply').addEventListener('click', reapply);
  $('conflict-discard').addEventListener('click', discard);
  $('undo').addEventListener('click', undoLast);
  $('coordinate-form').addEventListener('submit', addPointByCoordinates);
  $('logout').addEventListener('click', async () => {
    await api.logout();
    window.location.assign('/');
  });
  for (const modeButton of document.querySelectorAll('.mode-button')) {
    modeButton.addEventListener('click', () => setMode(modeButton.dataset.mode));
  }
  state.draw.on('finish', onFinish);
  state.draw.on('select', onSelect);
  state.map.on('moveend', () => { if (!state.selected) loadFeatures(); });
}

async function start() {
  installLangSwitch(rerenderForm);
  let me;
  try {
    me = await api.me();
  } catch {
    window.location.assign('/login?next=/editor');
    return;
  }
  $('who').textContent = me.display_name || me.username;
  const {collections} = await api.collections();
  fillLayerSelect(collections, me.editable_collections || []);
  state.map = createMap(collections);
  await new Promise((resolve) => state.map.once('load', resolve));
  state.draw = createDraw(state.map);
  wire();
  if (!state.layers.length) {
    say(t('noEditable'));
    return;
  }
  await chooseLayer(state.layers[0].id);
  window.citygisEditorReady = true;
}

start();
