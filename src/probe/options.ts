import { OptionError, UsageError } from '../errors.js';
import { checkCa } from '../ca-pem.js';
import type { ProbeOptions, TlsVersionName } from './types.js';

export const DEFAULTS = {
  requests: 3,
  method: 'GET',
  connectTimeoutMs: 10_000,
  timeoutMs: 30_000,
  idleTimeoutMaxMs: 120_000,
  maxRequests: 100,
  clientIdleTimeoutMs: 4_000,
  alpn: ['h2', 'http/1.1'],
} as const;

export type ResolvedOptions = Required<Pick<ProbeOptions, 'requests' | 'method' | 'connectTimeoutMs' | 'timeoutMs' | 'clientIdleTimeoutMs' | 'headers'>> &
  Omit<ProbeOptions, 'requests' | 'method' | 'connectTimeoutMs' | 'timeoutMs' | 'clientIdleTimeoutMs' | 'headers'>;

const VERSIONS: readonly TlsVersionName[] = ['TLSv1.2', 'TLSv1.3'];

/** Checks the options once, up front: a bad value is a usage error, never a network attempt. */
export function resolveOptions(o: ProbeOptions): ResolvedOptions {
  const r: ResolvedOptions = {
    ...o,
    requests: o.requests ?? DEFAULTS.requests,
    method: (o.method ?? (o.data !== undefined ? 'POST' : DEFAULTS.method)).toUpperCase(),
    connectTimeoutMs: o.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    timeoutMs: o.timeoutMs ?? DEFAULTS.timeoutMs,
    clientIdleTimeoutMs: o.clientIdleTimeoutMs ?? DEFAULTS.clientIdleTimeoutMs,
    headers: o.headers ?? {},
  };
  // an ALPN offer without http/1.1 cannot carry an HTTP/1.1 series
  if (!r.protocol && r.alpn?.includes('h2') && !r.alpn.includes('http/1.1')) r.protocol = 'h2';
  if (r.protocol === 'http1.1' && r.alpn && !r.alpn.includes('http/1.1')) {
    throw new OptionError('alpn', r.alpn.join(','), 'a list with http/1.1, which an HTTP/1.1 series needs (or protocol h2)');
  }
  positiveInt('requests', r.requests, 1, 1000);
  positive('connectTimeoutMs', r.connectTimeoutMs);
  positive('timeoutMs', r.timeoutMs);
  if (!(r.clientIdleTimeoutMs >= 0) || !Number.isFinite(r.clientIdleTimeoutMs)) throw new OptionError('clientIdleTimeoutMs', r.clientIdleTimeoutMs, 'a number of ms, 0 or more');
  if (r.idleTimeoutMaxMs !== undefined) positive('idleTimeoutMaxMs', r.idleTimeoutMaxMs);
  if (r.maxRequests !== undefined) positiveInt('maxRequests', r.maxRequests, 1, 100_000);
  if (!/^[A-Z]+$/.test(r.method)) throw new OptionError('method', r.method, 'an HTTP method (letters only)');
  for (const [key, v] of [['tlsMin', r.tlsMin], ['tlsMax', r.tlsMax]] as const) {
    if (v !== undefined && !VERSIONS.includes(v)) throw new OptionError(key, v, 'TLSv1.2 or TLSv1.3');
  }
  if (r.tlsMin && r.tlsMax && VERSIONS.indexOf(r.tlsMin) > VERSIONS.indexOf(r.tlsMax)) {
    throw new OptionError('tlsMin', r.tlsMin, `a version no higher than tlsMax ${r.tlsMax}`);
  }
  if (r.ca !== undefined) checkCa(r.ca);
  if (r.alpn && (r.alpn.length === 0 || r.alpn.some((p) => !p || p.length > 255))) throw new OptionError('alpn', r.alpn.join(','), 'a comma-separated list such as h2,http/1.1');
  for (const [k, v] of Object.entries(r.headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n]/.test(v)) throw new UsageError(`bad header "${k}"`);
  }
  return r;
}

/** Accepts '1.2', 'TLSv1.2', 'tls1.2'; `name` is blamed in the error (the CLI passes its flag). */
export function parseTlsVersion(v: string, name = 'TLS version'): TlsVersionName {
  const m = /^(?:tlsv?)?(1\.[23])$/i.exec(v.trim());
  if (!m) throw new OptionError(name, v, '1.2 or 1.3');
  return `TLSv${m[1]}` as TlsVersionName;
}

// Errors name the option keys of ProbeOptions; the CLI renames them to its flags (cli/options/flags.ts).

function positive(key: keyof ProbeOptions, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new OptionError(key, v, 'a number of ms above 0');
}

function positiveInt(key: keyof ProbeOptions, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new OptionError(key, v, `an integer from ${min} to ${max}`);
}
