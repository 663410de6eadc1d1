const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/**
 * Removes user:password from a URL string; keeps everything else. Never throws. A string that is not a
 * URL is cut at its last '@' before anything is shown: a password may hold '/', '?', '#' or '@', which
 * is often what made the URL malformed in the first place.
 */
export function redactUrl(url: string | URL): string {
  let u: URL | undefined;
  try {
    u = new URL(String(url));
  } catch {
    return redactUnparsedUrl(String(url));
  }
  if (u.username || u.password) {
    u.username = '***';
    u.password = '';
  }
  return u.toString();
}

/** A URL as typed, cut at its last '@' (for text the URL parser reads differently from what the user meant). */
export function redactUnparsedUrl(s: string): string {
  const at = s.lastIndexOf('@');
  if (at < 0) return s;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(s)?.[0] ?? '';
  return `${scheme}***${s.slice(at)}`;
}

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

/** Copies headers with secret values replaced by '[redacted]'. */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = isSecretHeader(k) ? '[redacted]' : v;
  return out;
}
