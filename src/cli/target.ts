import { UsageError } from '../errors.js';
import { redactUnparsedUrl, redactUrl } from '../redact.js';

/** The URL argument of probe and bench, parsed once: what to request and what may be printed. */
export interface UrlArgument {
  /** The URL to request, credentials removed (they travel as `basicAuth`). */
  url: URL;
  /** The URL as it may appear in any output. */
  safe: string;
  /** `Basic …` from user:password in the URL, as curl sends them; undefined without credentials. */
  basicAuth: string | undefined;
}

const HINT = 'expected e.g. http://127.0.0.1:8080/path';

/**
 * Parses the URL a user typed. Like curl, a URL without `scheme://` means http:// (`localhost:8080`).
 * Every error is a UsageError (exit 2) whose text never holds the password: malformed URLs are cut at
 * their last '@', and a bad percent-escape in the credentials is named without showing them.
 */
export function parseUrlArgument(input: string): UrlArgument {
  const text = input.trim();
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`malformed URL: ${redactUrl(withScheme)}`, HINT);
  }
  // `http://alice:1234/et@host/` parses (host alice, port 1234) although it is a password holding a '/':
  // an '@' inside the first path segment is refused rather than sent, and printed cut at its last '@'
  if (/^[^@/]+@/.test(url.pathname.slice(1))) {
    throw new UsageError(`malformed URL: ${redactUnparsedUrl(withScheme)}`,
      "an '@' in the first path segment: write '/' as %2F and '@' as %40 in a user name or password");
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') throw new UsageError(`unsupported scheme "${scheme}" in ${redactUrl(url)}`, 'connscope speaks http:// and https://');
  if (!url.hostname) throw new UsageError(`URL has no host: ${redactUrl(url)}`, HINT);
  let basicAuth: string | undefined;
  if (url.username || url.password) {
    let user: string;
    let password: string;
    try {
      user = decodeURIComponent(url.username);
      password = decodeURIComponent(url.password);
    } catch {
      throw new UsageError(`bad percent-escape in the user name or password of ${redactUrl(url)}`, 'write a literal % as %25');
    }
    basicAuth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url, safe: redactUrl(url), basicAuth };
}
