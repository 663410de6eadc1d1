const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

/** Removes user:password from a URL string; keeps everything else. Never throws. */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    if (u.username || u.password) {
      u.username = u.password ? '***' : '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return String(url).replace(/\/\/[^/@\s]+@/, '//***@');
  }
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
