// The layer panel: one row per public collection (from /collections), each with a toggle, a
// legend swatch, its source and licence, and a visible サンプル / Sample badge on sample data.

import {$} from 'lib/dom.js';
import {pick, t} from 'lib/i18n.js';
import {layersOf, legendOf, startsVisible} from 'lib/map_style.js';
import {formatDateTime} from 'lib/time.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

function svg(tagName, attrs) {
  const node = document.createElementNS(SVG_NS, tagName);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function swatchShape(item) {
  const {colour, stroke = colour} = item;
  switch (item.shape) {
    case 'circle':
      return [svg('circle', {cx: 12, cy: 12, r: 7, fill: colour, stroke: '#ffffff',
                             'stroke-width': 2})];
    case 'area':
      return [svg('rect', {x: 3, y: 5, width: 18, height: 14, fill: colour, stroke})];
    case 'dash':
      return [svg('rect', {x: 3, y: 5, width: 18, height: 14, fill: '#fbf9f4', stroke: colour,
                           'stroke-dasharray': '3 2', 'stroke-width': 1.5})];
    case 'road':
      return [svg('line', {x1: 2, y1: 12, x2: 22, y2: 12, stroke, 'stroke-width': 8}),
              svg('line', {x1: 2, y1: 12, x2: 22, y2: 12, stroke: colour, 'stroke-width': 5})];
    case 'text': {
      const text = svg('text', {x: 12, y: 17, 'text-anchor': 'middle', 'font-size': 14,
                                fill: colour});
      text.textContent = '町';
      return [text];
    }
    default:
      return [svg('line', {x1: 2, y1: 12, x2: 22, y2: 12, stroke: colour, 'stroke-width': 3})];
  }
}

function swatch(item) {
  const icon = svg('svg', {width: 24, height: 24, viewBox: '0 0 24 24', 'aria-hidden': 'true',
                         class: 'swatch', focusable: 'false'});
  icon.append(...swatchShape(item));
  return icon;
}

function legend(collection) {
  const items = legendOf(collection);
  if (items.length === 1) return swatch(items[0]);
  const list = document.createElement('ul');
  list.className = 'legend-list';
  for (const item of items) {
    const li = document.createElement('li');
    const text = document.createElement('span');
    text.textContent = t(item.labelKey);
    li.append(swatch(item), text);
    list.append(li);
  }
  return list;
}

function sourceLine(collection) {
  const source = collection['x-source'];
  const p = document.createElement('p');
  p.className = 'layer-source';
  if (!source) {
    p.textContent = collection.attribution || '';
    return p;
  }
  const parts = [`${t('source')}: ${pick(source.ja, source.en)}`, `${t('license')}: ${source.license}`];
  if (source.loadedAt) parts.push(`${t('loadedAt')}: ${formatDateTime(source.loadedAt)}`);
  p.textContent = parts.join(' / ');
  return p;
}

function sampleBadge() {
  const badge = document.createElement('span');
  badge.className = 'badge badge-sample';
  badge.textContent = t('sample');
  badge.title = t('sampleNote');
  return badge;
}

function row(collection, checked, onToggle) {
  const li = document.createElement('li');
  li.className = 'layer-row';
  const id = `layer-toggle-${collection.id}`;
  const head = document.createElement('div');
  head.className = 'layer-head';
  const input = Object.assign(document.createElement('input'),
                              {type: 'checkbox', id, checked, value: collection.id});
  input.addEventListener('change', () => onToggle(collection.id, input.checked));
  const labelEl = document.createElement('label');
  labelEl.htmlFor = id;
  labelEl.className = 'layer-label';
  const title = document.createElement('span');
  title.textContent = pick(collection.title, collection['x-title-en']);
  const legendEl = legend(collection);
  if (legendEl.tagName.toLowerCase() === 'svg') labelEl.append(legendEl);
  labelEl.append(title);
  if (collection['x-source']?.isSample) labelEl.append(' ', sampleBadge());
  head.append(input, labelEl);
  li.append(head);
  if (legendEl.tagName.toLowerCase() !== 'svg') li.append(legendEl);
  li.append(sourceLine(collection));
  return li;
}

/** The panel's state and rendering; `render` is called again when the language changes. */
export class LayersPanel {
  constructor(map, style, collections) {
    this.map = map;
    this.style = style;
    this.collections = collections;
    this.visible = new Map(collections.map((c) => [c.id, startsVisible(c.id)]));
    this.list = $('layer-list');
  }

  toggle(collectionId, visible) {
    this.visible.set(collectionId, visible);
    for (const layerId of layersOf(this.style, collectionId)) {
      if (this.map.getLayer(layerId)) {
        this.map.setLayoutProperty(layerId, 'visibility', visible ? 'visible' : 'none');
      }
    }
  }

  render() {
    const rows = this.collections
      .filter((c) => layersOf(this.style, c.id).length > 0)
      .map((c) => row(c, this.visible.get(c.id), (id, on) => this.toggle(id, on)));
    this.list.replaceChildren(...rows);
  }
}
