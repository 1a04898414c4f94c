import './messages.js';
import {$} from 'lib/dom.js';
import {sendJson} from 'lib/http.js';
import {installLangSwitch, t} from 'lib/i18n.js';

const form = $('login-form');
const error = $('login-error');

function refusal(failure) {
  if (failure.status !== 429) return t('loginFailed');
  return t('loginWait', {seconds: failure.headers.get('Retry-After') ?? '…'});
}

async function submit(event) {
  event.preventDefault();
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    error.textContent = t('loginMissing');
    return;
  }
  try {
    await sendJson('POST', '/auth/login', {username, password});
  } catch (failure) {
    error.textContent = refusal(failure);
    form.password.value = '';
    form.password.focus();
    return;
  }
  window.location.assign(form.dataset.next || '/editor');
}

installLangSwitch();
form.addEventListener('submit', submit);
