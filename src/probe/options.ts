import { UsageError } from '../errors.js';
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
    throw new UsageError(`--alpn ${r.alpn.join(',')} does not offer http/1.1, which an HTTP/1.1 series needs`, 'add http/1.1, or use --http2');
  }
  positiveInt('--requests', r.requests, 1, 1000);
  positive('--connect-timeout', r.connectTimeoutMs);
  positive('--timeout', r.timeoutMs);
  if (!(r.clientIdleTimeoutMs >= 0) || !Number.isFinite(r.clientIdleTimeoutMs)) throw new UsageError(`--client-idle-timeout must be a number of ms >= 0`);
  if (r.idleTimeoutMaxMs !== undefined) positive('--idle-timeout', r.idleTimeoutMaxMs);
  if (r.maxRequests !== undefined) positiveInt('--max-requests', r.maxRequests, 1, 100_000);
  if (!/^[A-Z]+$/.test(r.method)) throw new UsageError(`bad method "${r.method}"`);
  for (const v of [r.tlsMin, r.tlsMax]) {
    if (v !== undefined && !VERSIONS.includes(v)) throw new UsageError(`unsupported TLS version "${v}"`, 'use 1.2 or 1.3');
  }
  if (r.tlsMin && r.tlsMax && VERSIONS.indexOf(r.tlsMin) > VERSIONS.indexOf(r.tlsMax)) {
    throw new UsageError(`--tls-min ${r.tlsMin} is above --tls-max ${r.tlsMax}`);
  }
  if (r.ca !== undefined) checkCa(r.ca);
  if (r.alpn && (r.alpn.length === 0 || r.alpn.some((p) => !p || p.length > 255))) throw new UsageError('--alpn needs a comma-separated list such as h2,http/1.1');
  for (const [k, v] of Object.entries(r.headers)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n]/.test(v)) throw new UsageError(`bad header "${k}"`);
  }
  return r;
}

/** Accepts '1.2', 'TLSv1.2', 'tls1.2'. */
export function parseTlsVersion(v: string): TlsVersionName {
  const m = /^(?:tlsv?)?(1\.[23])$/i.exec(v.trim());
  if (!m) throw new UsageError(`unsupported TLS version "${v}"`, 'use 1.2 or 1.3');
  return `TLSv${m[1]}` as TlsVersionName;
}

function positive(name: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${name} must be a positive number of ms`);
}

function positiveInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}`);
}
