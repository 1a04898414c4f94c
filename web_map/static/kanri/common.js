// What the sections of the staff page share: building elements, live-region messages, and
// writes with the session's CSRF token whose RFC 9457 problems are shown to staff.
import {Api} from '../editor/api.js';
import {t} from '../editor/messages.js';

export const $ = (id) => document.getElementById(id);
export const api = new Api();

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export function say(id, text) {
  $(id).textContent = text;
}

export const send = (method, url, body) => api.sendJson(method, url, body);

/** Runs an action; its problem's detail (RFC 9457) goes to the section's live region. */
export async function attempt(statusId, action) {
  try {
    await action();
  } catch (error) {
    say(statusId, t('serverError', {detail: error.message}));
  }
}
