// The attribute form, generated from the layer's JSON Schema (Part 5 `schema` where the
// server has it, else the queryables): one labelled input per editable property.
import {pick, t} from 'lib/i18n.js';

const SKIPPED = new Set(["geom", "geometry", "id", "updated_at", "feature_version"]);

/** Writable properties, each with a single JSON type (["string", "null"] → string). */
export function editableProperties(schema) {
  const required = new Set(schema.required || []);
  return Object.entries(schema.properties || {})
    .filter(([name, p]) => !SKIPPED.has(name) && !p.readOnly && !p['x-ogc-role']
                           && !p.format?.startsWith('geometry'))
    .map(([name, p]) => ({
      name, ...p, required: required.has(name),
      type: Array.isArray(p.type) ? p.type.find((type) => type !== 'null') : p.type,
    }));
}

function label(prop) {
  return pick(prop.title || prop.name, prop['x-title-en']);
}

function inputFor(prop, value) {
  if (prop.type === 'boolean') {
    const select = document.createElement('select');
    for (const [v, key] of [['', 'unset'], ['true', 'yes'], ['false', 'no']]) {
      select.append(new Option(t(key), v, false, String(value ?? '') === v));
    }
    return select;
  }
  const input = document.createElement('input');
  const types = {integer: 'number', number: 'number', date: 'date', 'date-time': 'datetime-local'};
  input.type = types[prop.format] || types[prop.type] || 'text';
  if (prop.type === 'number') input.step = 'any';
  if (prop.enum) {
    const list = document.createElement('datalist');
    list.id = `enum-${prop.name}`;
    list.append(...prop.enum.map((v) => new Option(v)));
    input.setAttribute('list', list.id);
    input.append(list);
  }
  input.value = value ?? '';
  return input;
}

export function renderForm(container, props, values) {
  container.replaceChildren();
  for (const prop of props) {
    const id = `field-${prop.name}`;
    const labelEl = document.createElement('label');
    labelEl.htmlFor = id;
    labelEl.textContent = label(prop);
    const input = inputFor(prop, values[prop.name]);
    input.id = id;
    input.name = prop.name;
    if (prop.required) input.setAttribute('aria-required', 'true');
    container.append(labelEl, input);
  }
}

function parse(prop, text) {
  if (text === '' && prop.required) throw new Error(t('required', {field: label(prop)}));
  if (text === '') return null;
  if (prop.type === 'boolean') return text === 'true';
  if (prop.type === 'integer') {
    if (!/^-?\d+$/.test(text)) throw new Error(t('notInteger', {field: label(prop)}));
    return Number(text);
  }
  if (prop.type === 'number') {
    const number = Number(text);
    if (!Number.isFinite(number)) throw new Error(t('notNumber', {field: label(prop)}));
    return number;
  }
  return text;
}

/** The form's values by property name; throws an Error naming the field on bad input. */
export function readForm(container, props) {
  const values = {};
  for (const prop of props) {
    const input = container.querySelector(`[name="${prop.name}"]`);
    try {
      values[prop.name] = parse(prop, input.value.trim());
    } catch (error) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      throw error;
    }
    input.removeAttribute('aria-invalid');
  }
  return values;
}
