// The map and terra-draw: drawing, moving and reshaping with snapping to vertices and lines.
import {maplibreLocale, maplibregl} from 'lib/maplibre.js';
import {buildStyle} from 'lib/map_style.js';
import {
  TerraDraw, TerraDrawLineStringMode, TerraDrawPointMode, TerraDrawPolygonMode,
  TerraDrawSelectMode,
} from 'terra-draw';
import {TerraDrawMapLibreGLAdapter} from 'terra-draw-maplibre-gl-adapter';

const SNAPPING = {toCoordinate: true, toLine: true};
const EDITABLE = {
  draggable: true,
  coordinates: {draggable: true, deletable: true, midpoints: true, snappable: SNAPPING},
};
const CITY_CENTRE = [139.4265, 35.7454];

export const MODE_OF = {
  Point: 'point', MultiPoint: 'point', LineString: 'linestring', MultiLineString: 'linestring',
  Polygon: 'polygon', MultiPolygon: 'polygon',
};

let counter = 0;
const idStrategy = {isValidId: (id) => typeof id === 'string', getId: () => `new-${++counter}`};

export function createMap(collections) {
  const map = new maplibregl.Map({
    container: 'map', style: buildStyle(collections), center: CITY_CENTRE, zoom: 15,
    locale: maplibreLocale(), attributionControl: {compact: true},
  });
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  return map;
}

export function createDraw(map) {
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({map}),
    idStrategy,
    modes: [
      new TerraDrawSelectMode({flags: {point: {feature: {draggable: true}},
                                       linestring: {feature: EDITABLE},
                                       polygon: {feature: EDITABLE}}}),
      new TerraDrawPointMode({editable: true}),
      new TerraDrawLineStringMode({snapping: SNAPPING}),
      new TerraDrawPolygonMode({snapping: SNAPPING}),
    ],
  });
  draw.start();
  draw.setMode('select');
  return draw;
}

/** A stored geometry as terra-draw can edit it: single parts only (null for multi-part). */
export function toDrawGeometry(geometry) {
  if (!geometry.type.startsWith('Multi')) return geometry;
  if (geometry.coordinates.length !== 1) return null;
  return {type: geometry.type.slice(5), coordinates: geometry.coordinates[0]};
}

/** A drawn geometry in the layer's type (a single part wrapped for Multi* layers). */
export function toLayerGeometry(geometry, layerType) {
  if (layerType.startsWith('Multi') && !geometry.type.startsWith('Multi')) {
    return {type: layerType, coordinates: [geometry.coordinates]};
  }
  return geometry;
}

export function drawIdOf(fid) {
  return `f-${fid}`;
}
