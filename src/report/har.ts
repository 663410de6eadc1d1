import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionRecord } from '../model/connection.js';
import type { Phases } from '../model/phases.js';
import type { RequestTrace } from '../model/request.js';
import { packageRoot } from '../package-root.js';

/** HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the parts connscope can fill truthfully. */
export interface HarLog {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    entries: HarEntry[];
  };
}

export interface HarNameValue {
  name: string;
  value: string;
}

/** HAR timings in ms: -1 for a phase that did not happen; `connect` includes `ssl`. */
export interface HarTimings {
  blocked: number;
  dns: number;
  connect: number;
  ssl: number;
  send: number;
  wait: number;
  receive: number;
}

export interface HarEntry {
  startedDateTime: string;
  /** Sum of the timings that are not -1 (ssl excluded: it is inside connect). */
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    headers: HarNameValue[];
    queryString: HarNameValue[];
    cookies: HarNameValue[];
    headersSize: -1;
    bodySize: -1;
  };
  response: {
    /** 0 when no response arrived. */
    status: number;
    statusText: string;
    httpVersion: string;
    headers: HarNameValue[];
    cookies: HarNameValue[];
    content: { size: number; mimeType: string };
    redirectURL: string;
    headersSize: -1;
    bodySize: -1;
  };
  cache: Record<string, never>;
  timings: HarTimings;
  serverIPAddress?: string;
  /** The connection id: entries sharing it ran on one connection. */
  connection?: string;
  _connscope: {
    reused: boolean;
    requestIndexOnConnection: number | null;
    idleBeforeMs: number | null;
    error: { code: string; message: string; layer: string; onReusedSocket: boolean } | null;
  };
}

export interface HarOptions {
  /** Defaults to connscope and its package version. */
  creator?: { name: string; version: string };
}

/** A Session, or anything holding the same records (a ProbeResult's requests and connections). */
export interface HarSource {
  requests: readonly RequestTrace[];
  connections: ReadonlyMap<string, ConnectionRecord> | readonly ConnectionRecord[];
}

/**
 * HAR 1.2 of a session's requests, one entry per request in start order. The model keeps no
 * request headers, bodies or query strings, so those stay empty rather than invented.
 */
export function toHar(session: HarSource, options: HarOptions = {}): HarLog {
  const connections = new Map<string, ConnectionRecord>();
  for (const c of session.connections.values()) connections.set(c.id, c);
  const entries = [...session.requests]
    .sort((a, b) => a.startedAt - b.startedAt)
    .map((r) => harEntry(r, r.connectionId !== undefined ? connections.get(r.connectionId) : undefined));
  return {
    log: {
      version: '1.2',
      creator: options.creator ?? { name: 'connscope', version: packageVersion() },
      entries,
    },
  };
}

function harEntry(r: RequestTrace, c: ConnectionRecord | undefined): HarEntry {
  const timings = harTimings(r.phases);
  const httpVersion = harHttpVersion(r.httpVersion, c);
  const entry: HarEntry = {
    startedDateTime: new Date(r.startedAtEpoch).toISOString(),
    time: round(timingsSum(timings)),
    request: {
      method: r.method,
      url: harUrl(r.origin, r.path),
      httpVersion,
      headers: [],
      queryString: [],
      cookies: [],
      headersSize: -1,
      bodySize: -1,
    },
    response: {
      status: r.status ?? 0,
      statusText: '',
      httpVersion: r.status !== undefined ? httpVersion : '',
      headers: responseHeaders(r),
      cookies: [],
      content: { size: 0, mimeType: '' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings,
    _connscope: {
      reused: r.reused,
      requestIndexOnConnection: r.requestIndexOnConnection ?? null,
      idleBeforeMs: r.idleBeforeMs !== undefined ? round(r.idleBeforeMs) : null,
      error: r.error
        ? { code: r.error.code, message: stripUserinfo(r.error.message), layer: r.error.layer, onReusedSocket: r.error.onReusedSocket }
        : null,
    },
  };
  if (c?.remoteAddress) entry.serverIPAddress = c.remoteAddress;
  if (r.connectionId !== undefined) entry.connection = r.connectionId;
  return entry;
}

/** Model phases → HAR timings: HAR's connect covers TCP and TLS, and ssl repeats the TLS part. */
export function harTimings(p: Phases): HarTimings {
  const hasConnect = p.connect !== undefined || p.tls !== undefined;
  return {
    blocked: orAbsent(p.blocked),
    dns: orAbsent(p.dns),
    connect: hasConnect ? round((p.connect ?? 0) + (p.tls ?? 0)) : -1,
    ssl: orAbsent(p.tls),
    // HAR requires send, wait and receive to be non-negative: a phase that did not happen is 0 there.
    send: round(p.send ?? 0),
    wait: round(p.wait ?? 0),
    receive: round(p.receive ?? 0),
  };
}

/** What HAR calls `time`: the sum of the present timings, ssl excluded. */
export function timingsSum(t: HarTimings): number {
  let sum = 0;
  for (const v of [t.blocked, t.dns, t.connect, t.send, t.wait, t.receive]) if (v >= 0) sum += v;
  return sum;
}

function harUrl(origin: string, path: string): string {
  // The model keeps no query string; anything after ? or # is dropped in case a source kept one.
  const cleanPath = path.split(/[?#]/)[0] || '/';
  try {
    const u = new URL(cleanPath, origin);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return stripUserinfo(origin) + cleanPath;
  }
}

function stripUserinfo(text: string): string {
  return text.replace(/\/\/[^/@\s]+@/g, '//');
}

function harHttpVersion(v: string | undefined, c: ConnectionRecord | undefined): string {
  if (v === '2.0' || v === '2' || (v === undefined && c?.protocol === 'h2')) return 'HTTP/2.0';
  if (v !== undefined) return `HTTP/${v}`;
  return c?.protocol === 'http/1.1' ? 'HTTP/1.1' : '';
}

function responseHeaders(r: RequestTrace): HarNameValue[] {
  const out: HarNameValue[] = [];
  if (r.responseHeaders?.connection !== undefined) out.push({ name: 'Connection', value: r.responseHeaders.connection });
  if (r.responseHeaders?.keepAlive !== undefined) out.push({ name: 'Keep-Alive', value: r.responseHeaders.keepAlive });
  return out;
}

function orAbsent(v: number | undefined): number {
  return v === undefined ? -1 : round(v);
}

// Microsecond precision; time is summed from the rounded timings so the HAR stays self-consistent.
function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

let version: string | undefined;
function packageVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
