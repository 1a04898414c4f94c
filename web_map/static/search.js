// Place search: a combobox over /search (ARIA 1.2 combobox with a listbox popup).
// Typing asks the server; ↑/↓ move through the results, Enter chooses, Escape closes.

import {$} from 'lib/dom.js';
import {getJson} from 'lib/http.js';
import {t} from 'lib/i18n.js';

const DELAY_MS = 200;

export class PlaceSearch {
  /** @param {(result: object) => void} onChoose */
  constructor(onChoose) {
    this.onChoose = onChoose;
    this.form = $('search');
    this.input = $('search-input');
    this.list = $('search-results');
    this.status = $('search-status');
    this.clear = $('search-clear');
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.request = null;
    this.bind();
  }

  bind() {
    this.input.addEventListener('input', () => this.queue());
    this.input.addEventListener('keydown', (e) => this.key(e));
    this.input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.chooseActive();
    });
    this.clear.addEventListener('click', () => this.reset(true));
  }

  queue() {
    clearTimeout(this.timer);
    this.clear.hidden = this.input.value === '';
    const q = this.input.value.trim();
    if (!q) {
      this.show([]);
      this.status.textContent = '';
      return;
    }
    this.timer = setTimeout(() => this.fetch(q), DELAY_MS);
  }

  async fetch(q) {
    this.request?.abort();
    const request = this.request = new AbortController();
    try {
      const body = await getJson(`/search?q=${encodeURIComponent(q)}&limit=10`,
                                 {signal: request.signal});
      if (request.signal.aborted) return;
      this.show(body.results || []);
      this.status.textContent = this.results.length
        ? t('searchCount', {n: this.results.length}) : t('searchNone');
    } catch (error) {
      if (error.name === 'AbortError') return;
      this.show([]);
      this.status.textContent = t('searchError');
    }
  }

  show(results) {
    this.results = results;
    this.active = -1;
    this.list.replaceChildren(...results.map((r, i) => this.option(r, i)));
    const open = results.length > 0;
    this.list.hidden = !open;
    this.input.setAttribute('aria-expanded', String(open));
    this.input.removeAttribute('aria-activedescendant');
  }

  option(result, index) {
    const li = document.createElement('li');
    li.id = `search-option-${index}`;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    li.className = 'search-option';
    const name = document.createElement('span');
    name.className = 'option-name';
    name.textContent = result.name;
    const meta = document.createElement('span');
    meta.className = 'option-meta';
    meta.textContent = [result.category, result.name_kana].filter(Boolean).join('・');
    li.append(name, meta);
    li.addEventListener('mousedown', (e) => e.preventDefault());  // keep focus in the input
    li.addEventListener('click', () => this.choose(index));
    return li;
  }

  key(event) {
    const n = this.results.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (!n) return;
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      this.setActive(this.active < 0 && step < 0 ? n - 1 : (this.active + step + n) % n);
    } else if (event.key === 'Escape') {
      if (this.list.hidden) this.reset(false);
      else this.close();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      this.chooseActive();
    }
  }

  setActive(index) {
    this.active = index;
    this.list.querySelectorAll('[role=option]').forEach((option, i) => {
      option.setAttribute('aria-selected', String(i === index));
      option.classList.toggle('active', i === index);
    });
    const active = $(`search-option-${index}`);
    this.input.setAttribute('aria-activedescendant', active.id);
    active.scrollIntoView({block: 'nearest'});
  }

  chooseActive() {
    if (this.results.length) this.choose(Math.max(this.active, 0));
  }

  choose(index) {
    const result = this.results[index];
    if (!result) return;
    this.input.value = result.name;
    this.close();
    this.onChoose(result);
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  reset(focus) {
    this.input.value = '';
    this.clear.hidden = true;
    this.show([]);
    this.status.textContent = '';
    if (focus) this.input.focus();
  }
}
