// The light emergency page: language switch (remembered with the map's), nearest shelters
// from the location or a chosen 町丁目, and the damage report form. No map library: the page's
// texts come from the server in both languages, the switch shows one or the other.
import {$, el} from 'lib/dom.js';
import {formatNumber, installLangSwitch, lang} from 'lib/i18n.js';
import {formatDateTime} from 'lib/time.js';

let place = null;  // [lon, lat] of the last search
const say = (node, ja, en) => { node.textContent = lang() === 'en' ? en : ja; };

function showLanguage(language) {
  document.body.classList.toggle('lang-en', language === 'en');
  for (const option of document.querySelectorAll('#category option')) {
    option.dataset.ja ??= option.textContent;
    option.textContent = language === 'en' ? option.dataset.en : option.dataset.ja;
  }
  for (const node of document.querySelectorAll('[data-time]')) {
    const when = formatDateTime(node.dataset.time);
    say(node, `${when} 発表`, `Issued ${when}`);
  }
}

function shelterLine(s) {
  const minutes = Math.round(s.walking_minutes ?? s.distance_m / 80);
  const metres = formatNumber(Math.round(s.distance_m));
  return lang() === 'en' ? `${s.name} — ${metres} m, about ${minutes} min on foot`
    : `${s.name} — ${metres} m、徒歩約${minutes}分`;
}

async function findNearest(lon, lat) {
  place = [lon, lat];
  say($('nearest-status'), '検索中…', 'Searching…');
  const response = await fetch(`/places/at?lon=${lon}&lat=${lat}`);
  const body = await response.json();
  const list = $('nearest-list');
  list.replaceChildren(...(body.nearest_shelters ?? []).map((s) =>
    el('li', {textContent: shelterLine(s)})));
  say($('nearest-status'), `近くの避難所 ${list.children.length} 件`,
      `${list.children.length} shelters nearby`);
}

function locate() {
  if (!navigator.geolocation) {
    say($('nearest-status'), '現在地を取得できません。町丁目を選んでください。',
        'Your location is not available: choose your area.');
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (pos) => findNearest(pos.coords.longitude, pos.coords.latitude),
    () => say($('nearest-status'), '現在地を取得できませんでした。町丁目を選んでください。',
              'Could not get your location: choose your area.'));
}

async function sendReport(event) {
  event.preventDefault();
  const status = $('report-status');
  if (!place) {
    say(status, '先に現在地または町丁目で場所を決めてください。',
        'First use your location or choose your area.');
    return;
  }
  const form = new FormData($('report-form'));
  form.set('lon', String(place[0]));
  form.set('lat', String(place[1]));
  const response = await fetch('/reports', {method: 'POST', body: form});
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    say(status, `受け付けました（番号 ${body.id}）。ありがとうございます。`,
        `Received (number ${body.id}). Thank you.`);
    $('report-form').reset();
  } else if (response.status === 401) {
    say(status, '平常時の報告にはログインが必要です。', 'Outside emergencies, log in to report.');
  } else {
    say(status, `送信できませんでした: ${body.detail ?? response.status}`,
        `Not sent: ${body.detail ?? response.status}`);
  }
}

installLangSwitch(showLanguage);
showLanguage(lang());
$('locate').addEventListener('click', locate);
$('place-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $('place-select').value;
  if (value) findNearest(...value.split(',').map(Number));
});
$('report-form').addEventListener('submit', sendReport);
