// Forms that write: the submit button is disabled while the write is in flight (a disabled
// default button also stops Enter from submitting again), so a double click sends it once.

export function busy(form) {
  return form.hasAttribute('aria-busy');
}

export async function submitting(form, write) {
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await write();
  } finally {
    button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}
