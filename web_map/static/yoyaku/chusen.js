// The monthly lottery for citizens (抽選申込): the open rounds, ranked choices of their slots,
// the address check it needs, my entries and their outcome, and each drawn round's seed
// checked against the hash published before the window closed.
import './messages.js';
import {hexBytes, sha256Hex} from 'lib/digest.js';
import {$, announce, button, el} from 'lib/dom.js';
import {busy, getJson, sendJson, submitting} from 'lib/http.js';
import {installLangSwitch, t} from 'lib/i18n.js';
import {formatDayAndTime, formatTimeRange} from 'lib/time.js';
import {citizenProblemText, signIn} from './common.js';

const state = {me: null, rounds: [], slots: new Map(), choices: [], entries: [], profile: null};

function isOpen(round) {
  const now = Date.now();
  return round.status === 'open' && Date.parse(round.opens_at) <= now && now < Date.parse(round.closes_at);
}

async function slotsOf(roundId) {
  if (!state.slots.has(roundId)) {
    state.slots.set(roundId, (await getJson(`/lottery/rounds/${roundId}/slots`)).slots);
  }
  return state.slots.get(roundId);
}

function slotText(slot) {
  return `${slot.facility_name} ${slot.room_name} ${formatTimeRange(slot.start, slot.end)}`;
}

// --- applying -------------------------------------------------------------------------------

function currentRound() {
  return state.rounds.find((r) => String(r.id) === $('round').value);
}

async function showRound() {
  const round = currentRound();
  state.choices = [];
  renderChoices();
  if (!round) return;
  $('round-info').textContent = t('lRoundInfo', {closes: formatDayAndTime(round.closes_at),
                                                 confirm: formatDayAndTime(round.confirm_by), n: round.max_choices});
  const slots = await slotsOf(round.id);
  const rooms = [...new Map(slots.map((s) => [s.room_id, `${s.facility_name} ${s.room_name}`]))];
  const room = $('room').value;
  $('room').replaceChildren(...rooms.map(([id, name]) => new Option(name, id)));
  if (rooms.some(([id]) => String(id) === room)) $('room').value = room;
  showSlots();
}

function showSlots() {
  const round = currentRound();
  const slots = (state.slots.get(round?.id) || []).filter((s) => String(s.room_id) === $('room').value);
  $('slot').replaceChildren(...slots.map((s) => {
    const taken = s.available === false;  // null until the draw marks the slots
    const option = new Option(`${formatTimeRange(s.start, s.end)}${taken ? ` ${t('lUnavailable')}` : ''}`, s.id);
    option.disabled = taken;
    return option;
  }));
  const firstAvailable = slots.find((s) => s.available !== false);
  if (firstAvailable) $('slot').value = String(firstAvailable.id);
}

function renderChoices() {
  const round = currentRound();
  const slots = state.slots.get(round?.id) || [];
  const items = state.choices.map((id, index) => {
    const slot = slots.find((s) => s.id === id);
    const text = t('lRank', {n: index + 1, what: slot ? slotText(slot) : id});
    const buttons = [
      ['lUp', index > 0, () => swap(index, index - 1)],
      ['lDown', index < state.choices.length - 1, () => swap(index, index + 1)],
      ['lRemove', true, () => { state.choices.splice(index, 1); renderChoices(); }],
    ].filter(([, shown]) => shown).map(([key, , action]) => {
      return button(t(key), action, {ariaLabel: `${t(key)}: ${text}`});
    });
    return el('li', {}, el('span', {textContent: text}), ...buttons);
  });
  $('choices').replaceChildren(...items);
  $('add-choice').disabled = Boolean(round) && state.choices.length >= round.max_choices;
}

function swap(a, b) {
  [state.choices[a], state.choices[b]] = [state.choices[b], state.choices[a]];
  renderChoices();
  $('choices').children[b]?.querySelector('button')?.focus();
}

function addChoice() {
  const id = Number($('slot').value);
  if (!id) return;
  if (state.choices.includes(id)) {
    announce('apply-status', t('lAlreadyChosen'));
    return;
  }
  state.choices.push(id);
  renderChoices();
  announce('apply-status', t('lAdded', {n: state.choices.length}));
}

async function apply(event) {
  event.preventDefault();
  if (busy($('apply-form'))) return;
  $('apply-error').textContent = '';
  if (!state.choices.length) {
    $('apply-error').textContent = t('lNoChoices');
    return;
  }
  const body = {choices: state.choices, party_size: Number($('lottery-party').value || 1)};
  if ($('lottery-purpose').value.trim()) body.purpose = $('lottery-purpose').value.trim();
  try {
    await submitting($('apply-form'), () => sendJson('POST', `/lottery/rounds/${currentRound().id}/entries`, body));
  } catch (error) {
    $('apply-error').textContent = citizenProblemText(error);
    return;
  }
  state.choices = [];
  renderChoices();
  announce('apply-status', t('lApplied'));
  await showEntries();
}

// --- the address check ----------------------------------------------------------------------

async function loadProfile() {
  const profile = await getJson('/me/profile');
  state.profile = profile.address ? profile : null;
}

function showApplyForm(openRounds) {
  const verified = state.profile?.verified;
  $('profile-box').hidden = Boolean(verified) || !state.me;
  $('apply-form').hidden = !(verified && openRounds.length);
  if (!state.me) {
    $('rounds-status').textContent = openRounds.length ? t('lLoginToApply') : t('lNoOpen');
    return;
  }
  $('profile-status').textContent = state.profile ? t('lAddressPending', {address: state.profile.address})
    : t('lAddressNeeded');
  if (state.profile && !$('address').value) $('address').value = state.profile.address;
  $('rounds-status').textContent = openRounds.length ? t('lOpenRounds', {n: openRounds.length}) : t('lNoOpen');
}

async function saveAddress(event) {
  event.preventDefault();
  try {
    await sendJson('PUT', '/me/profile', {address: $('address').value});
    await loadProfile();
    announce('apply-status', t('lAddressSaved'));
  } catch (error) {
    announce('apply-status', citizenProblemText(error));
  }
  showApplyForm(state.rounds.filter(isOpen));
}

// --- my entries and the drawn rounds --------------------------------------------------------

async function entryItem(entry) {
  const slots = await slotsOf(entry.round_id);
  const describe = (id) => {
    const slot = slots.find((s) => s.id === id);
    return slot ? slotText(slot) : `#${id}`;
  };
  const outcome = entry.outcome === 'won' ? t('lWon', {rank: entry.won_rank, what: describe(entry.won_slot)})
    : t(`lOutcome_${entry.outcome}`);
  const item = el('li', {}, el('h3', {textContent: t('lEntryOf', {month: entry.month})}),
                  el('p', {className: 'meta', textContent: outcome}),
                  el('ol', {className: 'choices'},
                     ...entry.choices.map((id) => el('li', {textContent: describe(id)}))));
  if (entry.outcome === 'won') {
    item.append(el('a', {href: '/yoyaku#mine-title', textContent: t('lConfirmThere')}));
  }
  return item;
}

async function showEntries() {
  if (!state.me) {
    $('entries-status').textContent = t('lEntriesLogin');
    return;
  }
  state.entries = (await getJson('/me/lottery/entries')).entries;
  $('entries').replaceChildren(...await Promise.all(state.entries.map(entryItem)));
  $('entries-status').textContent = state.entries.length ? '' : t('lNoEntries');
}

async function drawnItem(round) {
  const check = el('p', {className: 'seed-check'});
  if (round.seed) {
    const matches = await sha256Hex(hexBytes(round.seed)) === round.seed_commitment;
    check.textContent = matches ? t('lSeedOk') : t('lSeedBad');
    check.dataset.ok = String(matches);
  } else {
    check.textContent = t('lSeedNotYet');
  }
  const command = `citygis lottery verify ${round.id} --url ${location.origin}`;
  return el('li', {}, el('h3', {textContent: t('lRoundOf', {month: round.month})}),
            el('p', {className: 'meta', textContent: t('lCommitment')}),
            el('p', {className: 'commitment', textContent: round.seed_commitment}), check,
            el('p', {}, el('code', {textContent: command})),
            el('a', {href: `/lottery/rounds/${round.id}/results`, textContent: t('lRecord', {month: round.month})}));
}

async function showDrawn() {
  const drawn = state.rounds.filter((r) => r.status === 'drawn');
  $('drawn').replaceChildren(...await Promise.all(drawn.map(drawnItem)));
}

// --- start ----------------------------------------------------------------------------------

async function render() {
  const open = state.rounds.filter(isOpen);
  const selected = $('round').value;
  $('round').replaceChildren(...open.map((r) => new Option(t('lRoundOf', {month: r.month}), r.id)));
  if (open.some((r) => String(r.id) === selected)) $('round').value = selected;
  showApplyForm(open);
  const keep = [...state.choices];
  if (!$('apply-form').hidden) await showRound();
  state.choices = keep;
  renderChoices();
  await Promise.all([showEntries(), showDrawn()]);
}

async function start() {
  state.me = await signIn();
  installLangSwitch(render);
  state.rounds = (await getJson('/lottery/rounds')).rounds;
  if (state.me) await loadProfile();
  $('round').addEventListener('change', showRound);
  $('room').addEventListener('change', showSlots);
  $('add-choice').addEventListener('click', addChoice);
  $('apply-form').addEventListener('submit', apply);
  $('profile-form').addEventListener('submit', saveAddress);
  await render();
  window.citygisLotteryReady = true;
}

start();
