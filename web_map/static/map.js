// The citizens' map: the city's own vector tiles in MapLibre, the layer panel, place search,
// "this place" on click, Japanese first with an English switch, phones and kiosks. In
// emergency mode: a banner to the emergency page, shelters on top, the flood-depth scenario.
import './messages.js';
import {$, escapeHtml} from 'lib/dom.js';
import {ApiError, getJson} from 'lib/http.js';
import {installLangSwitch, lang, setSharedParams, t, translatePage} from 'lib/i18n.js';
import {maplibreLocale, maplibregl} from 'lib/maplibre.js';
import {BASEMAP_SOURCE, CLICKABLE, COLLECTION_KEY, buildStyle, cityBounds} from 'lib/map_style.js';
import {InfoPanel} from './info_panel.js';
import {LayersPanel} from './layers_panel.js';
import {PlaceSearch} from './search.js';

const CONFIG = JSON.parse($('citygis-config').textContent);
const PHONE = window.matchMedia('(max-width: 700px)');
const state = {
  map: null, collections: [], bounds: null, controls: [], revalidateUntil: 0, place: null,
};

/** MapLibre shows its attribution as HTML; a layer's source is data, so it goes in as text. */
function attribution(collections) {
  return escapeHtml([...new Set(collections.map((c) => c.attribution).filter(Boolean))].join(' | '));
}

// --- the map --------------------------------------------------------------------------------

function addControls(map) {
  for (const control of state.controls) map.removeControl(control);
  state.controls = [
    new maplibregl.NavigationControl({visualizePitch: false}),
    new maplibregl.ScaleControl({unit: 'metric'}),
  ];
  map.addControl(state.controls[0], 'top-right');
  map.addControl(state.controls[1], 'bottom-left');
}

/** Tiles re-asked of the server (not the browser's cache) for a few seconds after a
 * shelter changed, so the new status shows at once. */
function transformRequest(url, resourceType) {
  if (resourceType === 'Tile' && Date.now() < state.revalidateUntil) {
    return {url, cache: 'no-cache'};
  }
  return {url};
}

function createMap(style) {
  const map = new maplibregl.Map({
    container: 'map', style, bounds: state.bounds, fitBoundsOptions: {padding: 16},
    locale: maplibreLocale(), transformRequest, maxZoom: 19,
    attributionControl: {compact: true, customAttribution: attribution(state.collections)},
  });
  addControls(map);
  // The compact attribution opens expanded; on a phone it would cover the map's own buttons.
  map.once('load', () => {
    if (PHONE.matches) map.getContainer().querySelector('.maplibregl-compact-show')?.classList.remove('maplibregl-compact-show');
  });
  map.getCanvas().setAttribute('aria-label', t('mapLabel'));
  return map;
}

function clickableLayers(map) {
  return CLICKABLE.filter((id) => map.getLayer(id)
                          && map.getLayoutProperty(id, 'visibility') !== 'none');
}

function featureAt(map, point) {
  const [feature] = map.queryRenderedFeatures(point, {layers: clickableLayers(map)});
  if (!feature) return {};
  const collectionId = feature.layer.metadata?.[COLLECTION_KEY];
  return {feature, collection: state.collections.find((c) => c.id === collectionId)};
}

function markReady(map) {
  const check = () => {
    if (map.queryRenderedFeatures().length > 0) {
      window.citygisReady = true;
      map.off('idle', check);
    }
  };
  map.on('idle', check);
}

// --- emergency mode -------------------------------------------------------------------------

function floodLayer(map) {
  map.addSource('flood-depth', {
    type: 'raster', tileSize: 256, maxzoom: 17,
    tiles: [`${window.location.origin}/rasters/flood_depth/tiles/WebMercatorQuad/{z}/{y}/{x}`],
  });
  const before = map.getLayer('roads-casing') ? 'roads-casing' : undefined;
  map.addLayer({id: 'flood-depth', type: 'raster', source: 'flood-depth',
                paint: {'raster-opacity': 0.6}}, before);
}

const ROUTE_LAYER = 'evacuation-route';

function drawRoute(map, route) {
  const source = map.getSource(ROUTE_LAYER);
  if (source) {
    source.setData(route);
  } else {
    map.addSource(ROUTE_LAYER, {type: 'geojson', data: route});
    map.addLayer({id: ROUTE_LAYER, type: 'line', source: ROUTE_LAYER,
                  layout: {'line-cap': 'round', 'line-join': 'round'},
                  paint: {'line-color': '#c62828', 'line-width': 6, 'line-opacity': 0.85}});
  }
  const coords = route.geometry.coordinates;
  const lons = coords.map((c) => c[0]);
  const lats = coords.map((c) => c[1]);
  map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]],
                {padding: 60, maxZoom: 17});
}

/** The walking route from the last place looked at (or the map centre) to the nearest open
 * shelter with room, avoiding streets under deep water. */
async function showRoute(map) {
  const from = state.place ?? map.getCenter();
  let route;
  try {
    route = await getJson(`/evacuation/route?lon=${from.lng.toFixed(6)}&lat=${from.lat.toFixed(6)}`,
                          {accept: 'application/geo+json'});
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    $('route-status').textContent = t('routeNone', {detail: error.problem.detail ?? error.status});
    return;
  }
  drawRoute(map, route);
  const p = route.properties;
  $('route-status').textContent = t('routeFound', {
    shelter: p.shelter.name, min: p.minutes, m: Math.round(p.distance_m).toLocaleString()});
}

/** The flood layer's legend: the depth classes of Japanese hazard maps, in the reader's
 * language (the same facts as the colours, for people who cannot tell them apart). */
async function showLegend() {
  const legend = await getJson('/rasters/flood_depth/legend').catch(() => null);
  if (!legend) return;
  const [titleJa, titleEn] = legend.title.split(' / ');
  $('hazard-legend-title').textContent = lang() === 'en' ? titleEn ?? titleJa : titleJa;
  $('hazard-legend-list').replaceChildren(...legend.classes.map((c) => {
    const item = document.createElement('li');
    const swatch = Object.assign(document.createElement('span'), {className: 'legend-swatch'});
    swatch.style.background = c.colour;
    item.append(swatch, ' ', lang() === 'en' ? c.label_en : c.label_ja);
    return item;
  }));
  $('hazard-legend').hidden = false;
}

async function showEmergency(map) {
  const emergency = await getJson('/emergency').catch(() => ({active: false}));
  const banner = $('emergency-banner');
  banner.hidden = !emergency.active;
  $('route-button').hidden = !emergency.active;
  document.body.classList.toggle('emergency', emergency.active);
  if (!emergency.active) return;
  $('emergency-message').textContent = lang() === 'en'
    ? emergency.message_en || emergency.message_ja || t('emergencyDefault')
    : emergency.message_ja || t('emergencyDefault');
  if (!map.getSource('flood-depth')) {
    const rasters = await getJson('/rasters').catch(() => ({rasters: []}));
    if ((rasters.rasters ?? []).some((r) => r.id === 'flood_depth')) floodLayer(map);
  }
  if (map.getSource('flood-depth')) await showLegend();
}

function followShelters(map) {
  if (!window.EventSource) return;
  new EventSource('/shelters/events').addEventListener('message', () => {
    state.revalidateUntil = Date.now() + 5000;
    const source = map.getSource(BASEMAP_SOURCE);
    source?.setTiles(source.tiles);
  });
}

// --- panels ---------------------------------------------------------------------------------

function setLayersOpen(open, {focus = false} = {}) {
  document.body.classList.toggle('layers-open', open);
  $('layers-toggle').setAttribute('aria-expanded', String(open));
  if (open && focus) $('layers-title').focus();
}

function wirePanels(map, info) {
  $('layers-toggle').addEventListener('click', () =>
    setLayersOpen(!document.body.classList.contains('layers-open'), {focus: true}));
  $('layers-close').addEventListener('click', () => {
    setLayersOpen(false);
    $('layers-toggle').focus();
  });
  $('here-button').addEventListener('click', () => {
    const {lng, lat} = map.getCenter();
    info.show(lng, lat, {focus: true});
  });
  $('home-button').addEventListener('click', () =>
    map.fitBounds(state.bounds, {padding: 16}));
  $('route-button').addEventListener('click', () => showRoute(map));
  map.on('click', (event) => {
    state.place = event.lngLat;
    const {feature, collection} = featureAt(map, event.point);
    info.show(event.lngLat.lng, event.lngLat.lat, {feature, collection});
  });
  map.on('mousemove', (event) => {
    map.getCanvas().style.cursor = featureAt(map, event.point).feature ? 'pointer' : '';
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !$('info-panel').hidden) info.close();
  });
}

function flyToResult(map, info, result) {
  state.place = {lng: result.lon, lat: result.lat};
  if (result.bbox) {
    map.fitBounds([[result.bbox[0], result.bbox[1]], [result.bbox[2], result.bbox[3]]],
                  {padding: 40, maxZoom: 17});
  } else {
    map.flyTo({center: [result.lon, result.lat], zoom: Math.max(map.getZoom(), 16)});
  }
  info.show(result.lon, result.lat, {focus: false});
  $('search-status').textContent = t('shown', {name: result.name});
}

function onLanguage(map, layers, info) {
  installLangSwitch(() => {
    layers.render();
    info.render();
    map.setLocale?.(maplibreLocale());
    map._locale = {...map._locale, ...maplibreLocale()};  // for controls built from now on
    addControls(map);
    map.getCanvas().setAttribute('aria-label', t('mapLabel'));
    showEmergency(map);
  });
}

function fail(error) {
  const message = $('map-message');
  message.hidden = false;
  message.textContent = t('mapError', {detail: error.message});
}

async function start() {
  setSharedParams({cityJa: CONFIG.cityNameJa, cityEn: CONFIG.cityNameEn});
  translatePage();
  state.collections = (await getJson('/collections')).collections;
  state.bounds = cityBounds(state.collections);
  const style = buildStyle(state.collections, {
    bounds: state.bounds.flat(), onlineBasemapUrl: CONFIG.onlineBasemapUrl});
  const map = state.map = createMap(style);
  const layers = new LayersPanel(map, style, state.collections);
  layers.render();
  const info = new InfoPanel({onClose: () => map.getCanvas().focus()});
  new PlaceSearch((result) => flyToResult(map, info, result));
  wirePanels(map, info);
  onLanguage(map, layers, info);
  setLayersOpen(!PHONE.matches && !document.body.classList.contains('kiosk'));
  markReady(map);
  map.on('load', () => {
    showEmergency(map);
    followShelters(map);
  });
  window.citygisMap = map;
}

start().catch(fail);
