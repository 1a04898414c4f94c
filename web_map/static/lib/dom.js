// Building the page from data: elements whose text goes in as text, never as HTML.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/**
 * A new element: `props` are assigned as properties (textContent, className, htmlFor…), the
 * children appended as nodes or text; null and undefined children are left out.
 * @param {string} tag
 * @param {object} [props]
 * @param {...(Node|string|null|undefined)} children
 */
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/**
 * A type="button" button. `ariaLabel` names it for screen readers when its visible text is
 * not enough on its own (e.g. "Cancel" beside one of many bookings).
 */
export function button(text, onClick, {ariaLabel = null, ...props} = {}) {
  const node = el('button', {type: 'button', textContent: text, ...props});
  if (ariaLabel) node.setAttribute('aria-label', ariaLabel);
  node.addEventListener('click', onClick);
  return node;
}

/** Puts a message in a live region (or any element) by id. */
export function say(id, text) {
  $(id).textContent = text;
}

/** Like `say`, but emptied first, so that screen readers announce a repeated message again. */
export function announce(id, text) {
  $(id).textContent = '';
  window.setTimeout(() => { $(id).textContent = text; }, 30);
}

/** Text as HTML, for the few APIs that take only HTML (MapLibre's custom attribution). */
export function escapeHtml(text) {
  const holder = document.createElement('span');
  holder.textContent = text;
  return holder.innerHTML;
}
