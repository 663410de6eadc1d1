import type { ConnectionPhases } from './phases.js';

export type Protocol = 'http/1.1' | 'h2' | 'unknown';

/** Which source produced a record; the diagnosis never depends on it. */
export type SourceKind = 'http' | 'undici' | 'fetch' | 'http2' | 'raw' | 'probe' | 'pcap' | 'server';

export interface TlsChain {
  /** Certificates the server sent (leaf included). */
  depth: number;
  /** Sum of the DER sizes of those certificates. */
  bytes: number;
}

export interface TlsInfo {
  version?: string; // 'TLSv1.3'
  cipher?: string; // 'TLS_AES_256_GCM_SHA384'
  /** Key-exchange group ('X25519', 'P-256', ...). */
  group?: string;
  /** Negotiated ALPN protocol; false when none was negotiated. */
  alpn?: string | false;
  resumed: boolean;
  chain?: TlsChain;
  ocspStapled?: boolean;
  servername?: string;
  /** Leaf certificate expiry (epoch ms). */
  leafValidTo?: number;
}

export type CloseSide = 'client' | 'server' | 'unknown';

export type CloseReason =
  | 'client-idle-timeout'
  | 'server-idle-timeout'
  | 'server-connection-close'
  | 'server-max-requests'
  | 'client-connection-close'
  | 'server-headers-timeout'
  | 'server-request-timeout'
  | 'goaway'
  | 'pool-closed'
  | 'client-closed'
  | 'server-closed'
  | 'reset'
  | `error:${string}`
  | 'unknown';

export interface CloseInfo {
  closedBy: CloseSide;
  reason: CloseReason;
  /** Error code when the close came with an error (ECONNRESET, UND_ERR_SOCKET, ...). */
  errorCode?: string;
}

/** Idle periods of a connection, kept bounded: totals plus the most recent periods. */
export interface IdleStats {
  count: number;
  totalMs: number;
  maxMs: number;
  /** The last periods, oldest first (at most IDLE_RECENT_MAX). */
  recent: number[];
}

export const IDLE_RECENT_MAX = 32;

export interface ConnectionRecord {
  /** Unique within one tracer/session ('c1', 'c2', ...). */
  id: string;
  /** scheme://host:port */
  origin: string;
  source: SourceKind;
  /** Identity of the agent / pool / dispatcher / h2 session owner that made it ('agent#3'), when known. */
  poolId?: string;
  protocol: Protocol;
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
  /** Monotonic ms (performance.now() clock of the source). */
  openedAt: number;
  /** Wall clock (epoch ms) of openedAt. */
  openedAtEpoch: number;
  establishment: ConnectionPhases;
  tls?: TlsInfo;
  closedAt?: number;
  close?: CloseInfo;
  /** Requests (or h2 streams) served on this connection. */
  requests: number;
  idle: IdleStats;
  /** Response header hints seen on this connection (last seen). */
  keepAliveHint?: { connectionHeader?: string; keepAliveHeader?: string; timeoutMs?: number; max?: number };
  bytesSent?: number;
  bytesReceived?: number;
}

export function newIdleStats(): IdleStats {
  return { count: 0, totalMs: 0, maxMs: 0, recent: [] };
}

export function addIdlePeriod(idle: IdleStats, ms: number): void {
  idle.count++;
  idle.totalMs += ms;
  if (ms > idle.maxMs) idle.maxMs = ms;
  idle.recent.push(ms);
  if (idle.recent.length > IDLE_RECENT_MAX) idle.recent.shift();
}

/** Parses `Keep-Alive: timeout=5, max=100` into milliseconds and a request cap. */
export function parseKeepAliveHeader(value: string | undefined): { timeoutMs?: number; max?: number } {
  if (!value) return {};
  const out: { timeoutMs?: number; max?: number } = {};
  for (const part of value.split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim().toLowerCase());
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) continue;
    if (k === 'timeout') out.timeoutMs = n * 1000;
    else if (k === 'max') out.max = n;
  }
  return out;
}
