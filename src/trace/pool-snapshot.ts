import http from 'node:http';
import https from 'node:https';
import type { PoolSnapshot } from './types.js';

type SocketLists = Record<string, unknown[] | undefined>;

interface AgentLike {
  protocol?: string;
  defaultPort?: number;
  sockets?: SocketLists;
  freeSockets?: SocketLists;
  requests?: SocketLists;
}

/** Agent names are 'host:port:localAddress[:family][:tls options...]'. */
function originOfName(name: string, agent: AgentLike): string {
  const protocol = agent.protocol || 'http:';
  let host: string;
  let rest: string;
  if (name.startsWith('[')) {
    const close = name.indexOf(']');
    host = name.slice(0, close + 1);
    rest = name.slice(close + 2);
  } else {
    const i = name.indexOf(':');
    host = i === -1 ? name : name.slice(0, i);
    rest = i === -1 ? '' : name.slice(i + 1);
  }
  const port = rest.split(':')[0] || String(agent.defaultPort ?? (protocol === 'https:' ? 443 : 80));
  return `${protocol}//${host || 'localhost'}:${port}`;
}

export function isHttpAgent(x: object): boolean {
  return x instanceof http.Agent;
}

/** Sockets in use, free sockets and queued requests per origin of one http.Agent. */
export function agentSnapshot(agent: AgentLike): PoolSnapshot[] {
  const byOrigin = new Map<string, PoolSnapshot>();
  const add = (lists: SocketLists | undefined, field: 'active' | 'free' | 'queued'): void => {
    for (const [name, list] of Object.entries(lists ?? {})) {
      if (!list || list.length === 0) continue;
      const origin = originOfName(name, agent);
      let s = byOrigin.get(origin);
      if (!s) byOrigin.set(origin, (s = { kind: 'http.Agent', origin, active: 0, free: 0, queued: 0 }));
      s[field] += list.length;
    }
  };
  add(agent.sockets, 'active');
  add(agent.freeSockets, 'free');
  add(agent.requests, 'queued');
  return [...byOrigin.values()];
}

interface UndiciStats {
  connected?: number;
  free?: number;
  pending?: number;
  queued?: number;
  running?: number;
  size?: number;
}

/** undici's own `free` counts clients able to take more work, so busy/idle sockets come from running. */
function undiciEntry(origin: string, s: UndiciStats): PoolSnapshot {
  const connected = s.connected ?? 0;
  const running = s.running ?? 0;
  const active = Math.min(connected, running);
  const queued = s.size !== undefined ? Math.max(0, s.size - running) : (s.pending ?? 0) + (s.queued ?? 0);
  return { kind: 'undici', origin, active, free: Math.max(0, connected - active), queued };
}

/**
 * What a dispatcher's private symbols give, found once per dispatcher: the leak watcher snapshots
 * every pool each second, and listing an object's symbols allocates.
 */
const privates = new WeakMap<object, { origin: string | undefined; poolKey: object | undefined }>();

function privatesOf(dispatcher: object): { origin: string | undefined; poolKey: object | undefined } {
  let p = privates.get(dispatcher);
  if (!p) {
    const symbols = Object.getOwnPropertySymbols(dispatcher);
    const read = (name: string): unknown => {
      const key = symbols.find((s) => s.description === name);
      return key ? (dispatcher as Record<symbol, unknown>)[key] : undefined;
    };
    const url = read('url');
    const onConnect = read('onConnect');
    p = { origin: url instanceof URL ? `${url.protocol}//${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}` : undefined, poolKey: typeof onConnect === 'function' ? onConnect : undefined };
    privates.set(dispatcher, p);
  }
  return p;
}

/** A Pool or Client keeps its origin under a private `url` symbol; there is no public getter. */
function dispatcherOrigin(dispatcher: object): string | undefined {
  return privatesOf(dispatcher).origin;
}

/**
 * undici Pool / Client (`stats` with connected/free/pending) or Agent (`stats` keyed by origin).
 * Returns [] for dispatchers without stats (Node's bundled undici before 7, custom dispatchers).
 */
export function dispatcherSnapshot(dispatcher: object, originHint?: string): PoolSnapshot[] {
  let stats: unknown;
  try {
    stats = (dispatcher as { stats?: unknown }).stats;
  } catch {
    return [];
  }
  if (!stats || typeof stats !== 'object') return [];
  const s = stats as UndiciStats & Record<string, unknown>;
  // each of undici's stats getters walks the pool's clients: read each once
  const connected = s.connected;
  if (typeof connected === 'number' || typeof s.free === 'number') {
    const origin = originHint ?? dispatcherOrigin(dispatcher) ?? 'unknown';
    const size = s.size;
    return [undiciEntry(origin, size !== undefined ? { connected, running: s.running, size } : { connected, running: s.running, pending: s.pending, queued: s.queued })];
  }
  const out: PoolSnapshot[] = [];
  for (const [origin, v] of Object.entries(s)) if (v && typeof v === 'object') out.push(undiciEntry(origin, v as UndiciStats));
  return out;
}

/**
 * The object undici connection records key their poolId on (see undici-client.ts poolOwner): the
 * Pool's 'connect' handler, which it registers on each of its clients.
 */
export function undiciPoolKey(pool: object): object | undefined {
  return privatesOf(pool).poolKey;
}

export function globalAgents(): object[] {
  return [http.globalAgent, https.globalAgent];
}

/** The dispatcher fetch and undici use when none is given (shared through a global symbol). */
export function globalDispatcher(): object | undefined {
  const d = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')];
  return d && typeof d === 'object' ? d : undefined;
}
