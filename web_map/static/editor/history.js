// The history panel: every version of a feature, who changed what and when, and a way back.
import {button, el} from 'lib/dom.js';
import {t} from 'lib/i18n.js';
import {formatDateTime} from 'lib/time.js';

const OPS = {insert: 'opCreate', create: 'opCreate', update: 'opUpdate', delete: 'opDelete',
             revert: 'opRevert'};

function normalise(version) {
  return {
    number: version.version,
    op: version.op ?? version.operation ?? 'update',
    actor: version.actor ?? version.username ?? '—',
    at: version.validFrom ?? version.valid_from ?? version.at,
    changed: version.changed ?? version.changed_fields ?? [],
  };
}

function versionsOf(body) {
  return (Array.isArray(body) ? body : body.versions ?? []).map(normalise);
}

function describe(v) {
  const changed = v.changed.map((f) => (f === 'geom' ? t('geometry') : f)).join(', ');
  const parts = [t('version', {version: v.number}), t(OPS[v.op] ?? 'opUpdate'),
                 formatDateTime(v.at), v.actor];
  if (changed) parts.push(t('changed', {fields: changed}));
  return parts.join(' · ');
}

export function renderHistory(list, body, onRevert) {
  const versions = versionsOf(body).sort((a, b) => b.number - a.number);
  list.replaceChildren();
  if (!versions.length) {
    list.append(el('li', {textContent: t('noHistory')}));
    return;
  }
  versions.forEach((v, index) => {
    const item = el('li', {}, describe(v));
    if (index > 0 && v.op !== 'delete') {
      item.append(' ', button(t('revert'), () => onRevert(v.number),
                              {ariaLabel: `${t('revert')}: ${t('version', {version: v.number})}`}));
    }
    list.append(item);
  });
}
