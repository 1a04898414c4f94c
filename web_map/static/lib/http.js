// The pages' calls to the API: JSON reads, JSON writes carrying the session's CSRF token, and
// RFC 9457 problem details turned into errors and into words for the reader.
import {t} from './i18n.js';

let csrfToken = '';

/** An answer that was not 2xx; `problem` is its problem JSON ({} if it had none). */
export class ApiError extends Error {
  constructor(status, problem, headers = new Headers()) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.headers = headers;
  }
}

async function problemOf(response) {
  return new ApiError(response.status, await response.json().catch(() => ({})), response.headers);
}

/** The response, or an ApiError carrying its problem. */
export async function checked(response) {
  if (!response.ok) throw await problemOf(response);
  return response;
}

/** GET a JSON document. `accept` and `signal` (an AbortSignal) as fetch takes them. */
export async function getJson(url, {accept = 'application/json', signal} = {}) {
  const response = await checked(await fetch(url, {headers: {Accept: accept}, signal}));
  return response.json();
}

/** The header the API wants on every write made with the session cookie. */
export function csrfHeaders() {
  return {'X-CSRF-Token': csrfToken};
}

/** Who is signed in (an ApiError with status 401 for a visitor); keeps the CSRF token. */
export async function currentUser() {
  const me = await getJson('/auth/me');
  csrfToken = me.csrf_token || '';
  return me;
}

/** A JSON write (POST, PUT, PATCH, DELETE); the answer's JSON, or {} when it has none. */
export async function sendJson(method, url, body) {
  const response = await checked(await fetch(url, {
    method, headers: {'Content-Type': 'application/json', ...csrfHeaders()},
    body: body === undefined ? undefined : JSON.stringify(body),
  }));
  return response.json().catch(() => ({}));
}

/** What went wrong, for the reader: the problem's detail; with `nameField`, prefixed by the
 * parameter it is about (the editor's form fields carry the API's names). */
export function problemText(error, {nameField = false} = {}) {
  const named = nameField ? error.problem?.['invalid-params']?.[0] : null;
  const detail = named ? `${named.name}: ${named.reason ?? error.message}`
    : String(error.message || error);
  return t('serverError', {detail});
}

/** Whether the form's write is still in flight. */
export function busy(form) {
  return form.hasAttribute('aria-busy');
}

/** Runs the form's write with its submit button disabled (a disabled default button also
 * stops Enter from submitting again), so a double click sends it once. */
export async function submitting(form, write) {
  const submit = form.querySelector('button[type=submit]');
  submit.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await write();
  } finally {
    submit.disabled = false;
    form.removeAttribute('aria-busy');
  }
}
