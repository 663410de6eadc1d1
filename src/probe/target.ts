import dns from 'node:dns';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import { UsageError } from '../errors.js';
import { redactUrl } from '../redact.js';

export interface Target {
  url: URL;
  /** URL without credentials, safe to print. */
  safeUrl: string;
  secure: boolean;
  host: string;
  port: number;
  /** scheme://host:port */
  origin: string;
  /** Name for SNI and certificate checks (undefined for IP literals: SNI must not carry an IP). */
  servername: string | undefined;
  /** Fixed address from --resolve, if any. */
  pinnedAddress: string | undefined;
  lookup: LookupFunction | undefined;
}

/** Parses and checks the URL and the --resolve overrides; throws UsageError with one clear line. */
export function parseTarget(input: string, resolve: readonly string[] = []): Target {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new UsageError(`malformed URL: ${redactUrl(input)}`, 'expected e.g. https://example.com/path');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`unsupported scheme "${url.protocol.replace(/:$/, '')}" in ${redactUrl(url)}`, 'connscope probe speaks http:// and https://');
  }
  if (!url.hostname) throw new UsageError(`URL has no host: ${redactUrl(url)}`);
  const secure = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const pinnedAddress = pinnedFor(host, port, resolve);
  return {
    url,
    safeUrl: redactUrl(url),
    secure,
    host,
    port,
    origin: `${url.protocol}//${url.host}`,
    servername: net.isIP(host) ? undefined : host,
    pinnedAddress,
    lookup: pinnedAddress ? pinnedLookup(pinnedAddress) : undefined,
  };
}

/** curl's --resolve: `host:port:addr` (addr may be [v6]); entries for other hosts are ignored. */
function pinnedFor(host: string, port: number, resolve: readonly string[]): string | undefined {
  let found: string | undefined;
  for (const entry of resolve) {
    const m = /^([^:]+):(\d+):(.+)$/.exec(entry);
    if (!m) throw new UsageError(`bad --resolve "${entry}"`, 'expected host:port:address, e.g. example.com:443:127.0.0.1');
    const addr = m[3]!.replace(/^\[|\]$/g, '');
    if (!net.isIP(addr)) throw new UsageError(`bad --resolve "${entry}": "${addr}" is not an IP address`);
    if (m[1]!.toLowerCase() === host.toLowerCase() && Number(m[2]) === port) found = addr;
  }
  return found;
}

function pinnedLookup(address: string): LookupFunction {
  const family = net.isIP(address);
  // asynchronous like dns.lookup, so 'lookup' listeners attached after connect() still see the event
  return ((_hostname: string, options: dns.LookupOptions, callback: (...args: any[]) => void) => {
    setImmediate(() => {
      if (options?.all) callback(null, [{ address, family }]);
      else callback(null, address, family);
    });
  }) as LookupFunction;
}
