/**
 * Base64 for bytes that cross a page boundary (the browser runner's outputs, the serve page's
 * inputs and outputs). Imports nothing and uses only btoa/atob: compiled to dist/util/base64.js
 * and loaded as is by the pages. (Node code uses Buffer.)
 */

export function bytesToBase64(bytes: Uint8Array): string {
  const withToBase64 = bytes as Uint8Array & { toBase64?: () => string };
  if (typeof withToBase64.toBase64 === 'function') return withToBase64.toBase64();
  const chunk = 0x8000;
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(String.fromCharCode(...bytes.subarray(i, i + chunk)));
  return btoa(parts.join(''));
}

/** Bytes of a base64 string, in a fresh (aligned) buffer. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
