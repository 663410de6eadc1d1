import type { ConnectionRecord } from '../model/connection.js';
import type { RequestTrace } from '../model/request.js';
import { Session } from '../model/session.js';
import { instrument } from '../trace/index.js';
import type { Tracer } from '../trace/types.js';
import type { Target } from './target.js';

/**
 * Records the probe's request series with the in-process tracer (the same instrument() applications use), so
 * the probe's records come from the same code as every other live source. The probe's own socket-event
 * records stay as a cross-check and fallback.
 */
export class TracedSeries {
  private tracer: Tracer | undefined;
  private stopCollect: (() => void) | undefined;
  private readonly session = new Session({ maxRequests: 10_000 });
  /** Why the tracer's records were not used, if they were not. */
  fallbackReason: string | undefined;

  constructor(private readonly target: Target) {}

  start(): void {
    try {
      const wanted = `${this.target.host}:${this.target.port}`;
      this.tracer = instrument({
        undici: false,
        http2: false,
        // the probe samples the loop itself, over the whole probe
        eventLoop: false,
        filter: (origin) => hostPortOf(origin) === wanted,
      });
      this.stopCollect = this.session.collect(this.tracer as unknown as Parameters<Session['collect']>[0]);
    } catch (err) {
      this.fallbackReason = `tracer unavailable: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  stop(): void {
    this.stopCollect?.();
    this.tracer?.stop();
    this.stopCollect = undefined;
    this.tracer = undefined;
  }

  /**
   * The tracer's records of exactly these connections (matched by local/remote port) and their requests,
   * in the order the probe made them. Undefined, with fallbackReason set, when they do not line up one to one.
   */
  recordsFor(own: { connections: ConnectionRecord[]; requests: RequestTrace[] }): { connections: ConnectionRecord[]; requests: RequestTrace[] } | undefined {
    if (this.fallbackReason) return undefined;
    const key = (c: ConnectionRecord): string => `${c.localPort}>${c.remotePort}`;
    const ownKeys = new Set(own.connections.filter((c) => c.localPort !== undefined).map(key));
    const connections = [...this.session.connections.values()].filter((c) => ownKeys.has(key(c)));
    const ids = new Set(connections.map((c) => c.id));
    const requests = this.session.requests.filter((r) => r.connectionId !== undefined && ids.has(r.connectionId)).sort((a, b) => a.startedAt - b.startedAt);
    const ownTraced = own.requests.filter((r) => r.connectionId !== undefined);
    if (connections.length !== ownKeys.size || requests.length !== ownTraced.length || ownTraced.length !== own.requests.length) {
      this.fallbackReason = `tracer saw ${connections.length}/${ownKeys.size} connections and ${requests.length}/${own.requests.length} requests`;
      return undefined;
    }
    const mismatch = firstMismatch(ownTraced, requests);
    if (mismatch) {
      this.fallbackReason = `tracer records disagree with the probe's: ${mismatch}`;
      return undefined;
    }
    return { connections, requests };
  }
}

/** Same requests, same order, same reuse and connection grouping, sane phases; else why not. */
function firstMismatch(own: RequestTrace[], traced: RequestTrace[]): string | undefined {
  const sameConn = new Map<string, string>();
  for (let i = 0; i < own.length; i++) {
    const a = own[i]!;
    const b = traced[i]!;
    if (!Number.isFinite(b.phases.total) || b.phases.total < 0) return `request ${i + 1} has no total`;
    if (a.reused !== b.reused) return `request ${i + 1} reused ${b.reused}, probe saw ${a.reused}`;
    if (a.status !== b.status) return `request ${i + 1} status ${b.status}, probe saw ${a.status}`;
    if (Math.abs(a.startedAt - b.startedAt) > 50) return `request ${i + 1} started ${Math.round(b.startedAt - a.startedAt)} ms apart`;
    const mapped = sameConn.get(a.connectionId!);
    if (mapped === undefined) sameConn.set(a.connectionId!, b.connectionId!);
    else if (mapped !== b.connectionId) return `request ${i + 1} on another connection`;
  }
  return undefined;
}

function hostPortOf(origin: string): string {
  try {
    const u = new URL(origin);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${u.hostname.replace(/^\[|\]$/g, '')}:${port}`;
  } catch {
    return origin;
  }
}
