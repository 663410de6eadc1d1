import type { TcpSocketEntry } from './proc-net-tcp.js';
import type { TcpState } from './tcp-states.js';

export type StateCounts = Partial<Record<TcpState, number>>;

export interface SocketGroup {
  /** 'host:port' of the remote endpoint, or the local port as a string. */
  key: string;
  total: number;
  states: StateCounts;
}

export interface SocketSummary {
  /** Wall clock of the read (epoch ms). */
  at: number;
  total: number;
  states: StateCounts;
  /** Connections to a local port that has a listener (this machine's servers), per local port. */
  byLocalPort: SocketGroup[];
  /** Every other connection (this machine as a client), per remote endpoint. */
  byRemote: SocketGroup[];
}

export interface SocketFilter {
  /** Keep sockets whose local or remote port is this. */
  port?: number;
  /** Keep sockets whose remote address is one of these (listeners are kept when port matches). */
  remoteAddresses?: ReadonlySet<string>;
}

export function matchesFilter(e: TcpSocketEntry, f: SocketFilter): boolean {
  if (f.port !== undefined && e.localPort !== f.port && e.remotePort !== f.port) return false;
  if (f.remoteAddresses && !(e.state === 'LISTEN' || f.remoteAddresses.has(e.remoteAddress))) return false;
  return true;
}

/** Counts per state, per local (listening) port and per remote endpoint. */
export function summarizeSockets(entries: readonly TcpSocketEntry[], filter: SocketFilter = {}, at = Date.now()): SocketSummary {
  // The listening ports come from all entries: a filter on --remote must not hide that a port is a server port
  const listening = new Set<number>();
  for (const e of entries) if (e.state === 'LISTEN') listening.add(e.localPort);
  const states: StateCounts = {};
  const local = new Map<string, SocketGroup>();
  const remote = new Map<string, SocketGroup>();
  let total = 0;
  for (const e of entries) {
    if (!matchesFilter(e, filter)) continue;
    total++;
    bump(states, e.state);
    if (listening.has(e.localPort)) add(local, String(e.localPort), e.state);
    else add(remote, endpoint(e.remoteAddress, e.remotePort), e.state);
  }
  return { at, total, states, byLocalPort: sorted(local), byRemote: sorted(remote) };
}

export function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function bump(counts: StateCounts, state: TcpState, by = 1): void {
  counts[state] = (counts[state] ?? 0) + by;
}

function add(groups: Map<string, SocketGroup>, key: string, state: TcpState): void {
  let g = groups.get(key);
  if (!g) groups.set(key, (g = { key, total: 0, states: {} }));
  g.total++;
  bump(g.states, state);
}

function sorted(groups: Map<string, SocketGroup>): SocketGroup[] {
  return [...groups.values()].sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
}

export interface SocketDelta {
  /** Milliseconds between the two reads. */
  intervalMs: number;
  states: StateCounts;
  byLocalPort: SocketGroup[];
  byRemote: SocketGroup[];
}

/** What changed between two reads; only non-zero changes are kept (groups that vanished count negative). */
export function diffSummaries(prev: SocketSummary, next: SocketSummary): SocketDelta {
  return {
    intervalMs: next.at - prev.at,
    states: diffCounts(prev.states, next.states),
    byLocalPort: diffGroups(prev.byLocalPort, next.byLocalPort),
    byRemote: diffGroups(prev.byRemote, next.byRemote),
  };
}

function diffCounts(a: StateCounts, b: StateCounts): StateCounts {
  const out: StateCounts = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]) as Set<TcpState>) {
    const d = (b[k] ?? 0) - (a[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function diffGroups(a: SocketGroup[], b: SocketGroup[]): SocketGroup[] {
  const before = new Map(a.map((g) => [g.key, g]));
  const after = new Map(b.map((g) => [g.key, g]));
  const out: SocketGroup[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const x = before.get(key);
    const y = after.get(key);
    const states = diffCounts(x?.states ?? {}, y?.states ?? {});
    if (Object.keys(states).length === 0) continue;
    out.push({ key, total: (y?.total ?? 0) - (x?.total ?? 0), states });
  }
  return out.sort((p, q) => Math.abs(q.total) - Math.abs(p.total) || p.key.localeCompare(q.key));
}
