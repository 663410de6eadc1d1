import type { Protocol } from '../model/connection.js';

/** Attribute values are strings or numbers (both OpenTelemetry and Prometheus take these). */
export type Attrs = Record<string, string | number>;

/** Distinct origins, error codes or close reasons kept as attribute values; the rest are `_OTHER`. */
const MAX_VALUES = 500;
export const OTHER = '_OTHER';

/**
 * A set of attribute values that stops growing: past its size every new value reads `_OTHER`,
 * so a peer sending odd values (or an app calling thousands of hosts) cannot grow the series.
 */
export class BoundedValues {
  private readonly seen = new Set<string>();
  constructor(private readonly max = MAX_VALUES) {}
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
}

export type PeerAttrs = Readonly<{ 'server.address': string; 'server.port': number; 'url.scheme': string }>;

const OTHER_PEER: PeerAttrs = Object.freeze({ 'server.address': OTHER, 'server.port': 0, 'url.scheme': OTHER });

/** server.address / server.port / url.scheme of 'scheme://host:port' origins, parsed once per origin and bounded. */
export class PeerCache {
  private readonly byOrigin = new Map<string, PeerAttrs>();
  constructor(private readonly max = MAX_VALUES) {}
  of(origin: string): PeerAttrs {
    const hit = this.byOrigin.get(origin);
    if (hit) return hit;
    if (this.byOrigin.size >= this.max) return OTHER_PEER;
    const p = parseOrigin(origin);
    this.byOrigin.set(origin, p);
    return p;
  }
}

function parseOrigin(origin: string): PeerAttrs {
  const sep = origin.indexOf('://');
  const scheme = sep > 0 ? origin.slice(0, sep) : OTHER;
  const hostPort = sep > 0 ? origin.slice(sep + 3) : origin;
  const colon = hostPort.lastIndexOf(':');
  const hasPort = colon > hostPort.lastIndexOf(']');
  const host = hasPort ? hostPort.slice(0, colon) : hostPort;
  const port = hasPort ? Number(hostPort.slice(colon + 1)) : scheme === 'https' ? 443 : 80;
  // semconv: an IPv6 address without its brackets
  const address = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return Object.freeze({ 'server.address': address, 'server.port': Number.isInteger(port) ? port : 0, 'url.scheme': scheme });
}

/** Known methods keep their name; anything else is `_OTHER` (semconv), so values stay bounded. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
export function httpMethod(method: string): string {
  return METHODS.has(method) ? method : OTHER;
}

/** network.protocol.version of a request ('1.1', '2'). */
export function requestProtocolVersion(v: string | undefined): string | undefined {
  if (!v) return undefined;
  return v === '2.0' ? '2' : v;
}

/** network.protocol.version of a connection. */
export function connectionProtocolVersion(p: Protocol): string | undefined {
  return p === 'h2' ? '2' : p === 'http/1.1' ? '1.1' : undefined;
}
