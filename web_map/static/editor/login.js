import {installLangSwitch, t} from './messages.js';

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');

async function submit(event) {
  event.preventDefault();
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    error.textContent = t('loginMissing');
    return;
  }
  const response = await fetch('/auth/login', {
    method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({username, password}),
  });
  if (response.ok) {
    window.location.assign(form.dataset.next || '/editor');
    return;
  }
  const wait = response.headers.get('Retry-After');
  error.textContent = response.status === 429
    ? t('loginWait', {seconds: wait ?? '…'}) : t('loginFailed');
  form.password.value = '';
  form.password.focus();
}

installLangSwitch();
form.addEventListener('submit', submit);
