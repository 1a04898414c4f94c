// The search results on the city's own map: a point a facility, sized by its free times.
// The list beside it says the same in words; a click on a point shows that facility's rooms.
import {getJson} from 'lib/http.js';
import {t} from 'lib/i18n.js';
import {maplibreLocale, maplibregl} from 'lib/maplibre.js';
import {buildStyle, cityBounds} from 'lib/map_style.js';

const SOURCE = 'booking-results';
const BASEMAP = ['water_areas', 'chome_areas', 'city_boundary', 'rivers', 'roads', 'chome'];

/** Rooms of the search → one point per facility. */
export function facilitiesOf(rooms) {
  const byFacility = new Map();
  for (const room of rooms) {
    const found = byFacility.get(room.facility_id) ?? {
      type: 'Feature', id: room.facility_id,
      geometry: {type: 'Point', coordinates: [room.lon, room.lat]},
      properties: {facility_id: room.facility_id, name: room.facility_name, free: 0}};
    found.properties.free += room.free_count ?? room.free.length;
    byFacility.set(room.facility_id, found);
  }
  return {type: 'FeatureCollection', features: [...byFacility.values()]};
}

export class ResultsMap {
  constructor(container, onPick) {
    this.container = container;
    this.onPick = onPick;
    this.map = null;
  }

  async start() {
    const {collections} = await getJson('/collections');
    const bounds = cityBounds(collections);
    const shown = collections.filter((c) => BASEMAP.includes(c.id));
    this.map = new maplibregl.Map({
      container: this.container, style: buildStyle(shown, {bounds: bounds.flat()}), bounds,
      fitBoundsOptions: {padding: 12}, locale: maplibreLocale(), maxZoom: 18,
      attributionControl: {compact: true}, cooperativeGestures: false,
    });
    this.map.addControl(new maplibregl.NavigationControl({visualizePitch: false}), 'top-right');
    this.map.getCanvas().setAttribute('aria-label', t('yMapLabel'));
    await new Promise((resolve) => this.map.on('load', resolve));
    this.addLayers();
  }

  addLayers() {
    this.map.addSource(SOURCE, {type: 'geojson', data: facilitiesOf([])});
    this.map.addLayer({
      id: `${SOURCE}-circle`, type: 'circle', source: SOURCE,
      paint: {'circle-radius': ['interpolate', ['linear'], ['get', 'free'], 1, 7, 20, 14],
              'circle-color': '#1d6b3a', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2},
    });
    this.map.on('click', `${SOURCE}-circle`, (event) => {
      this.onPick(event.features[0].properties.facility_id);
    });
    this.map.on('mouseenter', `${SOURCE}-circle`, () => { this.map.getCanvas().style.cursor = 'pointer'; });
    this.map.on('mouseleave', `${SOURCE}-circle`, () => { this.map.getCanvas().style.cursor = ''; });
  }

  /** Draw these rooms' facilities (and the searched place, if any). */
  show(rooms, place = null) {
    if (!this.map?.getSource(SOURCE)) return;
    const data = facilitiesOf(rooms);
    this.map.getSource(SOURCE).setData(data);
    window.citygisResultsShown = data.features.length;
    const points = data.features.map((f) => f.geometry.coordinates);
    if (place) points.push(place);
    if (!points.length) return;
    const lons = points.map((p) => p[0]);
    const lats = points.map((p) => p[1]);
    this.map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]],
                       {padding: 40, maxZoom: 15, duration: 0});
  }
}
