// The maps' style (the citizens' map, the editor, the booking results), built from the city's
// own layers: the basemap vector tiles (one source, one source-layer per collection) and, for
// other public collections, their own tiles.
//
// No `glyphs` URL: MapLibre GL JS 6 then draws every label glyph in the browser (TinySDF) from
// the local font named in `text-font` — Noto Sans CJK JP here (Debian fonts-noto-cjk), or the
// system sans-serif — so labels need no font server and work offline, Latin and digits included.

export const BASEMAP_SOURCE = 'citygis-basemap';
export const COLLECTION_KEY = 'citygis:collection';
export const LABEL_FONT = ['Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', 'Meiryo'];
const TMS = 'WebMercatorQuad';

export const COLOURS = {
  background: '#e4e2dc',
  city: '#fbf9f4',
  cityLine: '#5c3d8f',
  chomeLine: '#a39a8c',
  water: '#a7d0ee',
  waterLine: '#5b8fb9',
  river: '#3f7fc4',
  primary: '#f49a52',
  primaryCasing: '#b5601c',
  secondary: '#ffd966',
  secondaryCasing: '#c29a1f',
  residential: '#ffffff',
  residentialCasing: '#c9c1b3',
  facility: '#1b7f4c',
  shelter: '#c62828',
  label: '#333333',
};
const EXTRA_PALETTE = ['#2f6fde', '#8e44ad', '#d35400', '#16a085', '#7f8c8d'];
const FLOOD_DEPTH_RAMP = [0, '#f7f5a9', 0.5, '#ffd8c0', 3, '#ffb7b7', 5, '#ff9191', 10, '#f285c9',
                          20, '#dc7adc'];

const kind = ['get', 'kind'];
const byRoadKind = (primary, secondary, residential) =>
  ['match', kind, 'primary', primary, 'secondary', secondary, residential];
const zoomed = (...stops) => ['interpolate', ['linear'], ['zoom'], ...stops];

function tag(collection, layers) {
  return layers.map((layer) => ({...layer, metadata: {[COLLECTION_KEY]: collection}}));
}

function label(id, sourceLayer, extra) {
  return {
    id, type: 'symbol', source: BASEMAP_SOURCE, 'source-layer': sourceLayer,
    layout: {'text-font': LABEL_FONT, 'text-size': 12, 'text-max-width': 8, ...extra.layout},
    paint: {'text-color': COLOURS.label, 'text-halo-color': '#ffffff', 'text-halo-width': 1.6,
            ...extra.paint},
    ...(extra.minzoom ? {minzoom: extra.minzoom} : {}),
  };
}

const BASE_LAYERS = {
  water_areas: () => [
    {id: 'water_areas-fill', type: 'fill', source: BASEMAP_SOURCE, 'source-layer': 'water_areas',
     paint: {'fill-color': COLOURS.water, 'fill-outline-color': COLOURS.waterLine}},
  ],
  chome_areas: () => [
    {id: 'chome_areas-line', type: 'line', source: BASEMAP_SOURCE, 'source-layer': 'chome_areas',
     paint: {'line-color': COLOURS.chomeLine, 'line-width': zoomed(12, 0.6, 17, 1.5),
             'line-dasharray': [3, 2]}},
  ],
  city_boundary: () => [
    {id: 'city_boundary-line', type: 'line', source: BASEMAP_SOURCE,
     'source-layer': 'city_boundary',
     paint: {'line-color': COLOURS.cityLine, 'line-width': zoomed(10, 2, 16, 4), 'line-opacity': 0.85}},
  ],
  rivers: () => [
    {id: 'rivers-line', type: 'line', source: BASEMAP_SOURCE, 'source-layer': 'rivers',
     layout: {'line-cap': 'round', 'line-join': 'round'},
     paint: {'line-color': COLOURS.river, 'line-width': zoomed(11, 1.5, 17, 5)}},
  ],
  roads: () => [
    {id: 'roads-casing', type: 'line', source: BASEMAP_SOURCE, 'source-layer': 'roads',
     layout: {'line-cap': 'round', 'line-join': 'round',
              'line-sort-key': byRoadKind(3, 2, 1)},
     paint: {'line-color': byRoadKind(COLOURS.primaryCasing, COLOURS.secondaryCasing,
                                      COLOURS.residentialCasing),
             'line-width': zoomed(11, byRoadKind(2.5, 2, 1), 17, byRoadKind(14, 11, 7))}},
    {id: 'roads-line', type: 'line', source: BASEMAP_SOURCE, 'source-layer': 'roads',
     layout: {'line-cap': 'round', 'line-join': 'round',
              'line-sort-key': byRoadKind(3, 2, 1)},
     paint: {'line-color': byRoadKind(COLOURS.primary, COLOURS.secondary, COLOURS.residential),
             'line-width': zoomed(11, byRoadKind(1.5, 1, 0.4), 17, byRoadKind(11, 8.5, 5))}},
  ],
  shelters: () => [
    {id: 'shelters-circle', type: 'circle', source: BASEMAP_SOURCE, 'source-layer': 'shelters',
     paint: {'circle-color': COLOURS.shelter, 'circle-radius': zoomed(12, 5, 17, 11),
             'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2}},
  ],
  facilities: () => [
    {id: 'facilities-circle', type: 'circle', source: BASEMAP_SOURCE, 'source-layer': 'facilities',
     paint: {'circle-color': COLOURS.facility, 'circle-radius': zoomed(12, 3.5, 17, 6.5),
             'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5}},
  ],
};

const LABEL_LAYERS = {
  rivers: () => [label('rivers-label', 'rivers', {
    minzoom: 13,
    layout: {'text-field': ['get', 'name'], 'symbol-placement': 'line', 'text-size': 12},
    paint: {'text-color': '#1d4f85'},
  })],
  roads: () => [label('roads-label', 'roads', {
    minzoom: 15,
    layout: {'text-field': ['coalesce', ['get', 'name'], ''], 'symbol-placement': 'line',
             'text-size': 11},
  })],
  chome: () => [label('chome-label', 'chome', {
    layout: {'text-field': ['get', 'name'], 'text-size': zoomed(13, 12, 17, 16),
             'text-padding': 4},
    paint: {'text-color': '#4a3b63', 'text-halo-width': 2},
  })],
  shelters: () => [label('shelters-label', 'shelters', {
    minzoom: 14,
    layout: {'text-field': ['get', 'name'], 'text-anchor': 'top', 'text-offset': [0, 1],
             'text-optional': true},
    paint: {'text-color': '#8b1a1a'},
  })],
  facilities: () => [label('facilities-label', 'facilities', {
    minzoom: 14,
    layout: {'text-field': ['get', 'name'], 'text-anchor': 'top', 'text-offset': [0, 0.8],
             'text-optional': true},
    paint: {'text-color': '#14532d'},
  })],
};

// Draw order, bottom to top; labels over all lines and polygons, points last.
const BASE_ORDER = ['water_areas', 'chome_areas', 'city_boundary', 'rivers', 'roads'];
const LABEL_ORDER = ['rivers', 'roads', 'chome'];
const POINT_ORDER = ['shelters', 'facilities'];

export function tileUrl(collectionId) {
  const path = collectionId ? `/collections/${collectionId}/tiles/${TMS}` : `/tiles/${TMS}`;
  return `${window.location.origin}${path}/{z}/{y}/{x}`;
}

function extraLayer(collection, index) {
  const id = collection.id;
  const source = `collection-${id}`;
  const colour = EXTRA_PALETTE[index % EXTRA_PALETTE.length];
  const common = {source, 'source-layer': id, layout: {visibility: 'none'}};
  const geometry = collection['x-geometry-type'] || '';
  const fields = (collection['x-fields'] || []).map((f) => f.name);
  if (geometry.includes('Polygon')) {
    const fill = fields.includes('depth_min_m')
      ? ['step', ['coalesce', ['get', 'depth_min_m'], 0], ...FLOOD_DEPTH_RAMP.slice(1)]
      : colour;
    return [{id: `${id}-fill`, type: 'fill', ...common,
             paint: {'fill-color': fill, 'fill-opacity': 0.55, 'fill-outline-color': '#5a5a5a'}}];
  }
  if (geometry.includes('LineString')) {
    return [{id: `${id}-line`, type: 'line', ...common,
             paint: {'line-color': colour, 'line-width': 3}}];
  }
  return [{id: `${id}-circle`, type: 'circle', ...common,
           paint: {'circle-color': colour, 'circle-radius': 6, 'circle-stroke-color': '#ffffff',
                   'circle-stroke-width': 1.5}}];
}

function onlineBasemap(url) {
  return {
    sources: {'online-basemap': {type: 'raster', tiles: [url], tileSize: 256, maxzoom: 18}},
    layers: [{id: 'online-basemap', type: 'raster', source: 'online-basemap',
              paint: {'raster-opacity': 0.9}}],
  };
}

/** The city's extent from its boundary collection, as MapLibre's [[west, south], [east, north]]. */
export function cityBounds(collections) {
  const bbox = collections.find((c) => c.id === 'city_boundary')?.extent?.spatial?.bbox?.[0];
  return bbox ? [[bbox[0], bbox[1]], [bbox[2], bbox[3]]] : [[139.39, 35.73], [139.45, 35.77]];
}

/** The whole style: the basemap's layers in draw order, other collections as extra sources. */
export function buildStyle(collections, {bounds, onlineBasemapUrl} = {}) {
  const ids = new Set(collections.map((c) => c.id));
  const pickLayers = (order, table) =>
    order.filter((id) => ids.has(id)).flatMap((id) => tag(id, table[id]()));
  const extras = collections.filter((c) => !(c.id in BASE_LAYERS) && !(c.id in LABEL_LAYERS));
  const online = onlineBasemapUrl ? onlineBasemap(onlineBasemapUrl) : {sources: {}, layers: []};
  const sources = {
    ...online.sources,
    [BASEMAP_SOURCE]: {type: 'vector', tiles: [tileUrl()], minzoom: 0, maxzoom: 16,
                       ...(bounds ? {bounds} : {})},
  };
  for (const c of extras) {
    sources[`collection-${c.id}`] = {type: 'vector', tiles: [tileUrl(c.id)], maxzoom: 16};
  }
  const cityFill = ids.has('city_boundary') ? [{
    id: 'city_boundary-fill', type: 'fill', source: BASEMAP_SOURCE, 'source-layer': 'city_boundary',
    metadata: {[COLLECTION_KEY]: 'city_boundary'},
    paint: {'fill-color': COLOURS.city, 'fill-opacity': onlineBasemapUrl ? 0.35 : 1},
  }] : [];
  return {
    version: 8,
    name: 'citygis',
    sources,
    layers: [
      {id: 'background', type: 'background',
       paint: {'background-color': onlineBasemapUrl ? '#ffffff' : COLOURS.background}},
      ...online.layers,
      ...cityFill,
      ...extras.flatMap((c, i) => tag(c.id, extraLayer(c, i))),
      ...pickLayers(BASE_ORDER, BASE_LAYERS),
      ...pickLayers(LABEL_ORDER, LABEL_LAYERS),
      ...pickLayers(POINT_ORDER, BASE_LAYERS),
      ...pickLayers(POINT_ORDER, LABEL_LAYERS),
    ],
  };
}

/** Style layers that draw a collection (for its toggle). */
export function layersOf(style, collectionId) {
  return style.layers.filter((l) => l.metadata?.[COLLECTION_KEY] === collectionId).map((l) => l.id);
}

/** Whether a collection starts visible: the basemap's layers do, other collections are opt-in. */
export function startsVisible(collectionId) {
  return collectionId in BASE_LAYERS || collectionId in LABEL_LAYERS;
}

/** What the legend draws for a collection: swatches of {shape, colour, stroke, labelKey}. */
export function legendOf(collection) {
  const legends = {
    city_boundary: [{shape: 'line', colour: COLOURS.cityLine}],
    chome: [{shape: 'text', colour: '#4a3b63'}],
    chome_areas: [{shape: 'dash', colour: COLOURS.chomeLine}],
    roads: [
      {shape: 'road', colour: COLOURS.primary, stroke: COLOURS.primaryCasing, labelKey: 'roadPrimary'},
      {shape: 'road', colour: COLOURS.secondary, stroke: COLOURS.secondaryCasing,
       labelKey: 'roadSecondary'},
      {shape: 'road', colour: COLOURS.residential, stroke: COLOURS.residentialCasing,
       labelKey: 'roadResidential'},
    ],
    rivers: [{shape: 'line', colour: COLOURS.river}],
    water_areas: [{shape: 'area', colour: COLOURS.water, stroke: COLOURS.waterLine}],
    facilities: [{shape: 'circle', colour: COLOURS.facility}],
    shelters: [{shape: 'circle', colour: COLOURS.shelter}],
  };
  if (legends[collection.id]) return legends[collection.id];
  const geometry = collection['x-geometry-type'] || '';
  if (geometry.includes('Polygon')) return [{shape: 'area', colour: '#ffb7b7', stroke: '#5a5a5a'}];
  if (geometry.includes('LineString')) return [{shape: 'line', colour: EXTRA_PALETTE[0]}];
  return [{shape: 'circle', colour: EXTRA_PALETTE[0]}];
}

/** Style layers a click can pick a feature from (points and lines first). */
export const CLICKABLE = ['facilities-circle', 'shelters-circle', 'roads-line', 'rivers-line',
                          'water_areas-fill'];
