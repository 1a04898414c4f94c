// SHA-256 in the browser, for checking a lottery's revealed seed against the commitment
// published before its window closed.

export function hexBytes(hex) {
  return new Uint8Array(hex.match(/../g).map((pair) => parseInt(pair, 16)));
}

/** The SHA-256 of the bytes, as lower-case hex. */
export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
