// The "this place" panel: a clicked feature's attributes (labelled with the catalog's field
// titles from /collections x-fields) and /places/at for the point — 町丁目, nearest shelters and
// facilities with distances and walking times. The summary is an aria-live region.

import {$, el} from 'lib/dom.js';
import {getJson} from 'lib/http.js';
import {formatNumber, pick, t} from 'lib/i18n.js';
import {formatDateTime} from 'lib/time.js';

function formatValue(field, value) {
  if (value === null || value === undefined || value === '') return null;
  if (field.type === 'boolean' || typeof value === 'boolean') return value ? t('yes') : t('no');
  if (field.type === 'datetime') return formatDateTime(value);
  if (typeof value === 'number') return formatNumber(value, field.type === 'integer' ? 0 : 1);
  return String(value);
}

const UPDATED_FIELD = {name: 'updated_at', type: 'datetime'};

function attributeList(collection, properties) {
  const fields = [...(collection['x-fields'] || []), UPDATED_FIELD];
  const dl = el('dl', {className: 'attributes'});
  for (const field of fields) {
    const value = formatValue(field, properties[field.name]);
    if (value === null) continue;
    const title = field === UPDATED_FIELD ? t('updatedAt') : pick(field.title_ja, field.title_en);
    dl.append(el('dt', {textContent: title}), el('dd', {textContent: value}));
  }
  return dl;
}

function nearbyItem(item, extra) {
  const distance = t('distance', {m: formatNumber(item.distance_m), min: item.walking_minutes});
  return el('li', {className: 'nearby-item'},
    el('span', {className: 'nearby-name', textContent: item.name}),
    el('span', {className: 'nearby-meta', textContent: [item.category, ...extra].join('・')}),
    el('span', {className: 'nearby-distance', textContent: distance}));
}

const SHELTER_STATUS = {open: 'shelterOpen', full: 'shelterFull', closed: 'shelterClosed'};

function shelterBadges(shelter) {
  return [shelter.is_designated_shelter ? t('designatedShelter') : null,
          shelter.is_emergency_site ? t('emergencySite') : null,
          SHELTER_STATUS[shelter.status] ? t(SHELTER_STATUS[shelter.status]) : null]
    .filter(Boolean);
}

function hazardSection(hazards) {
  const found = (hazards ?? []).filter((h) => h.value || h.label_ja);
  if (!found.length) return null;
  return el('section', {className: 'nearby'}, el('h3', {textContent: t('hazardsHere')}),
    el('ul', {className: 'nearby-list'}, ...found.map((h) => el('li', {className: 'nearby-item',
      textContent: `${pick(h.title_ja, h.title_en)}: ${pick(h.label_ja ?? '', h.label_en ?? '')}`
        + (h.value ? ` (${formatNumber(h.value, 1)} ${h.units ?? ''})` : '')}))));
}

/** Rooms near the place with free times, each linking to its calendar on the booking page. */
function roomsSection(rooms, place) {
  if (!rooms?.length) return null;
  const near = `lon=${place.lon.toFixed(6)}&lat=${place.lat.toFixed(6)}`;
  return el('section', {className: 'nearby'}, el('h3', {textContent: t('bookableRooms')}),
    el('ul', {className: 'nearby-list'}, ...rooms.map((r) => el('li', {className: 'nearby-item'},
      el('a', {className: 'nearby-name', href: `/yoyaku?room=${r.room_id}&${near}`, textContent: r.name}),
      el('span', {className: 'nearby-meta', textContent: t('freeTimes', {n: r.free_count})})))),
    el('a', {href: `/yoyaku?${near}`, textContent: t('bookHere')}));
}

function nearbySection(titleKey, items, extra = () => []) {
  if (!items?.length) return null;
  return el('section', {className: 'nearby'},
    el('h3', {textContent: t(titleKey)}),
    el('ul', {className: 'nearby-list'}, ...items.map((item) => nearbyItem(item, extra(item)))));
}

function chomeLine(place) {
  if (place.chome) {
    const approx = place.chome.approximate ? `（${t('approximate')}）` : '';
    return el('p', {className: 'place-chome'},
      el('span', {className: 'place-chome-label', textContent: `${t('chome')}: `}),
      el('strong', {textContent: place.chome.name}),
      place.chome.name_kana ? ` （${place.chome.name_kana}）` : '', approx);
  }
  return place.inside_city ? null : el('p', {className: 'place-chome', textContent: t('outside')});
}

export class InfoPanel {
  constructor({onClose}) {
    this.panel = $('info-panel');
    this.title = $('info-title');
    this.feature = $('feature-details');
    this.summary = $('place-summary');
    this.details = $('place-details');
    this.state = null;  // {feature, collection, place, error} to render again in another language
    this.request = null;
    $('info-close').addEventListener('click', () => this.close());
    this.onClose = onClose;
  }

  open() {
    this.panel.hidden = false;
    document.body.classList.add('info-open');
  }

  close() {
    this.request?.abort();
    this.panel.hidden = true;
    this.state = null;
    document.body.classList.remove('info-open');
    this.onClose?.();
  }

  /** Show what is at lon/lat, and the clicked feature (if any) above it. */
  async show(lon, lat, {feature = null, collection = null, focus = false} = {}) {
    this.request?.abort();
    const request = this.request = new AbortController();
    this.state = {feature, collection, place: null, error: false};
    this.render();
    this.summary.textContent = t('loading');
    this.open();
    if (focus) this.title.focus();
    try {
      this.state.place = await getJson(`/places/at?lon=${lon.toFixed(6)}&lat=${lat.toFixed(6)}`,
                                       {signal: request.signal});
    } catch (error) {
      if (error.name === 'AbortError') return;
      this.state.error = true;
    }
    this.render();
  }

  render() {
    if (!this.state) return;
    const {feature, collection, place, error} = this.state;
    this.feature.replaceChildren(...(feature ? this.featureBlock(feature, collection) : []));
    if (error) this.summary.textContent = t('placeError');
    else if (place) this.summary.textContent = pick(place.summary_ja, place.summary_en);
    this.details.replaceChildren(...(place ? this.placeBlock(place) : []));
  }

  featureBlock(feature, collection) {
    const props = feature.properties || {};
    const layerTitle = pick(collection.title, collection['x-title-en']);
    const sample = collection['x-source']?.isSample || props.is_sample
      ? el('span', {className: 'badge badge-sample', textContent: t('sample')}) : null;
    return [
      el('h3', {className: 'feature-title'}, props.name || props.label_ja || layerTitle,
         sample ? ' ' : null, sample),
      el('p', {className: 'feature-layer', textContent: layerTitle}),
      attributeList(collection, props),
    ];
  }

  placeBlock(place) {
    return [
      chomeLine(place),
      hazardSection(place.hazards),
      nearbySection('nearestShelters', place.nearest_shelters, shelterBadges),
      nearbySection('nearestFacilities', place.nearest_facilities),
      roomsSection(place.bookable_rooms, place),
      el('p', {className: 'hint', textContent: pick(place.distance_note_ja || t('dataNote'),
                                                    place.distance_note_en || t('dataNote'))}),
    ].filter(Boolean);
  }
}
