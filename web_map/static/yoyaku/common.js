// What the citizens' booking pages share: the signed-in citizen in the header, fees, and
// problems in words for the citizen.
import {$} from 'lib/dom.js';
import {currentUser, problemText} from 'lib/http.js';
import {t} from 'lib/i18n.js';

export function fee(yen) {
  return yen ? t('yFee', {yen: yen.toLocaleString()}) : t('yFree');
}

/** The problem's detail, and which field it is about; an expired login says so. */
export function citizenProblemText(error) {
  if (error.status === 401) return t('yLoginAgain');
  return problemText(error);
}

/** Who is signed in (null for a visitor); fills the header's name and login link. */
export async function signIn() {
  const me = await currentUser().catch(() => null);
  $('who').textContent = me ? me.display_name || me.username : '';
  const link = $('login-link');
  link.hidden = Boolean(me);
  link.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
  return me;
}
