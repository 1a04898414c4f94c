// What the sections of the staff page share: an action whose RFC 9457 problem is shown to staff
// in the section's live region.
import {say} from 'lib/dom.js';
import {problemText} from 'lib/http.js';

/** Runs an action; its problem's detail goes to the section's live region. */
export async function attempt(statusId, action) {
  try {
    await action();
  } catch (error) {
    say(statusId, problemText(error));
  }
}
