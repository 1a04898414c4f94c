// The lottery section: open a round, draw it, reveal its seed, and show the public record
// with the checks anyone can make (SHA-256 of the seed against the commitment published when
// the round opened, of the entries against their digest) and the command that re-runs the draw.
import {hexBytes, sha256Hex} from 'lib/digest.js';
import {$, button, el, say} from 'lib/dom.js';
import {busy, getJson, sendJson, submitting} from 'lib/http.js';
import {t} from 'lib/i18n.js';
import {formatDateTime} from 'lib/time.js';
import {attempt} from './common.js';

let rounds = [];
let shown = null;

function roundStatus(round) {
  if (round.revealed_at) return t('kStatusRevealed');
  return round.status === 'drawn' ? t('kStatusDrawn') : t('kStatusOpen');
}

function roundButtons(round) {
  const buttons = [];
  const add = (key, action) => {
    buttons.push(button(t(key), () => attempt('lottery-status', () => action(round)),
                        {ariaLabel: `${t('kRoundTitle', {month: round.month})} ${t(key)}`}));
  };
  if (round.status === 'open') add('kDraw', drawRound);
  if (round.status === 'drawn' && !round.revealed_at) add('kReveal', revealRound);
  if (round.status === 'drawn') add('kVerify', showRecord);
  return el('div', {className: 'buttons'}, ...buttons);
}

function roundItem(round) {
  const when = t('kWindow', {opens: formatDateTime(round.opens_at), closes: formatDateTime(round.closes_at)});
  return el('li', {id: `round-${round.id}`},
    el('h3', {textContent: `${t('kRoundTitle', {month: round.month})} — ${roundStatus(round)}`}),
    el('p', {className: 'meta', textContent: when}),
    el('p', {className: 'meta', textContent: t('kCounts', {entries: round.entries, slots: round.slots})}),
    el('p', {className: 'meta'}, `${t('kCommitment')}: `, el('code', {textContent: round.seed_commitment})),
    roundButtons(round));
}

export async function loadRounds() {
  rounds = (await getJson('/lottery/rounds')).rounds;
  $('rounds').replaceChildren(...rounds.map(roundItem));
  if (!rounds.length) $('rounds').append(el('li', {className: 'hint', textContent: t('kNoRounds')}));
}

export async function openRound(event) {
  event.preventDefault();
  if (busy(event.target)) return;
  const body = {max_choices: Number($('round-max').value) || 3};
  if ($('round-month').value) body.month = $('round-month').value;
  await attempt('lottery-status', async () => {
    const round = await submitting(event.target, () => sendJson('POST', '/lottery/rounds', body));
    await loadRounds();
    say('lottery-status', t('kRoundOpened', {month: round.month}));
  });
}

async function drawRound(round) {
  if (!window.confirm(t('kConfirmDraw', {month: round.month}))) return;
  const done = await sendJson('POST', `/lottery/rounds/${round.id}/draw`);
  await loadRounds();
  say('lottery-status', t('kDrawn', {month: round.month, winners: done.winners}));
}

async function revealRound(round) {
  if (!window.confirm(t('kConfirmReveal', {month: round.month}))) return;
  await sendJson('POST', `/lottery/rounds/${round.id}/reveal`);
  await loadRounds();
  await showRecord(rounds.find((r) => r.id === round.id) || round);
  say('lottery-status', t('kRevealed', {month: round.month}));
}

/** SHA-256 of the seed against the commitment, and of the entries against their digest. */
async function checks(record) {
  const round = record.round;
  if (!round.seed) return [el('p', {textContent: t('kSeedHidden')})];
  if (!globalThis.crypto?.subtle) return [el('p', {textContent: t('kSeedUnchecked')})];
  const seedOk = await sha256Hex(hexBytes(round.seed)) === round.seed_commitment;
  const canonical = [...record.entries].sort((a, b) => (a.entry < b.entry ? -1 : 1))
    .map((e) => [e.entry, e.choices, e.prior_losses]);
  const digest = await sha256Hex(new TextEncoder().encode(JSON.stringify(canonical)));
  const digestOk = digest === round.entries_digest;
  return [el('p', {className: 'meta'}, `${t('kSeed')}: `, el('code', {textContent: round.seed})),
          el('p', {id: 'seed-check', className: seedOk ? 'ok' : 'bad', textContent: t(seedOk ? 'kSeedOk' : 'kSeedBad')}),
          el('p', {id: 'digest-check', className: digestOk ? 'ok' : 'bad', textContent: t(digestOk ? 'kDigestOk' : 'kDigestBad')})];
}

async function showRecord(round, focus = true) {
  shown = round;
  const record = await getJson(`/lottery/rounds/${round.id}/results`);
  const command = `citygis lottery verify ${round.id} --url ${window.location.origin}`;
  const box = $('verify-record');
  box.replaceChildren(
    el('h3', {tabIndex: -1, id: 'record-title', textContent: t('kRecordTitle', {month: round.month})}),
    el('p', {className: 'meta', textContent: t('kRecordCounts', {entries: record.entries.length,
      results: record.results.length, slots: record.slots.length})}),
    ...await checks(record),
    el('p', {textContent: t('kCliHint')}), el('pre', {}, el('code', {id: 'verify-command', textContent: command})));
  box.hidden = false;
  if (focus) $('record-title').focus();
}

/** Again in the reader's language, with the record that was open. */
export async function refreshLottery() {
  await loadRounds();
  if (shown) await showRecord(rounds.find((r) => r.id === shown.id) || shown, false);
}
