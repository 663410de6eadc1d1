import { UsageError } from '../errors.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HINT = "expected -H 'Name: value'; the value is not shown, it may be a secret";

/**
 * The -H options of probe and bench: lower-case names to values. A malformed header is named by its
 * position and, when it is a valid header name, its name; its value never appears in the message
 * (`-H "Authorization Bearer TOKEN"` must not print the token back).
 */
export function parseHeaderFlags(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  (list ?? []).forEach((h, i) => {
    const where = `-H #${i + 1}`;
    const colon = h.indexOf(':');
    if (colon < 0) throw new UsageError(`invalid header (${where}): no ':' between name and value`, HINT);
    const name = h.slice(0, colon).trim();
    if (!TOKEN.test(name)) throw new UsageError(`invalid header name (${where})`, HINT);
    const value = h.slice(colon + 1).trim();
    if (/[\r\n\0]/.test(value)) throw new UsageError(`invalid value of header "${name}" (${where}): it holds a line break or NUL`, HINT);
    out[name.toLowerCase()] = value;
  });
  return out;
}

/** Adds URL credentials as Authorization unless -H gave one (curl does the same). */
export function withBasicAuth(headers: Record<string, string>, basicAuth: string | undefined): Record<string, string> {
  if (basicAuth !== undefined && headers.authorization === undefined) headers.authorization = basicAuth;
  return headers;
}
