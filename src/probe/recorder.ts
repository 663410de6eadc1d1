import type { ConnectionRecord } from '../model/connection.js';
import type { RequestTrace } from '../model/request.js';
import { instrument } from '../trace/index.js';
import type { Tracer } from '../trace/types.js';
import type { Target } from './target.js';

/** How long the tracer's record of a request may lag behind the request's own end (it settles on 'close'). */
const TRACE_GRACE_MS = 2000;

/**
 * The in-process tracer (the same instrument() applications use), restricted to the requests one probe client
 * creates: the single recorder of that client's connections and requests. Nothing else is traced: the filter
 * says yes only while the client is inside `claim()`, and the tracer asks it synchronously while the request
 * (or HTTP/2 session) is being created, so other traffic of the process to the same origin stays out.
 */
export class ProbeRecorder {
  private readonly tracer: Tracer;
  private claiming = false;
  private readonly connectionsById = new Map<string, ConnectionRecord>();
  private readonly traces = new Map<string, RequestTrace>();
  private readonly traceWaiters = new Map<string, (t: RequestTrace) => void>();
  private readonly closeWaiters = new Map<string, ((at: number) => void)[]>();

  constructor(kind: 'http1' | 'h2') {
    this.tracer = instrument({
      http: kind === 'http1',
      http2: kind === 'h2',
      undici: false,
      // the probe samples the event loop itself, over the whole probe
      eventLoop: false,
      filter: () => this.claiming,
    });
    this.tracer.on('connection', (c) => this.connectionsById.set(c.id, c));
    this.tracer.on('close', (c) => {
      this.connectionsById.set(c.id, c);
      for (const w of this.closeWaiters.get(c.id) ?? []) w(c.closedAt ?? performance.now());
      this.closeWaiters.delete(c.id);
    });
    this.tracer.on('request', (t) => {
      this.traces.set(t.id, t);
      this.traceWaiters.get(t.id)?.(t);
      this.traceWaiters.delete(t.id);
    });
  }

  /**
   * Runs `create`, which makes one request (or stream) synchronously, with tracing on for it.
   * Returns what `create` returned and the tracer's id of that request (undefined if the tracer did not see it).
   */
  claim<T>(create: () => T): { value: T; requestId: string | undefined } {
    const before = new Set(this.tracer.inflight().map((r) => r.id));
    this.claiming = true;
    let value: T;
    try {
      value = create();
    } finally {
      this.claiming = false;
    }
    const requestId = this.tracer.inflight().find((r) => !before.has(r.id))?.id;
    return { value, requestId };
  }

  /** The tracer's record of a request once it finished; undefined if it did not arrive within `graceMs`. */
  trace(requestId: string | undefined, graceMs = TRACE_GRACE_MS): Promise<RequestTrace | undefined> {
    if (requestId === undefined) return Promise.resolve(undefined);
    const done = this.traces.get(requestId);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.traceWaiters.delete(requestId);
        resolve(undefined);
      }, graceMs);
      timer.unref();
      this.traceWaiters.set(requestId, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }

  /** Where a request in flight is, as the tracer sees it. */
  inflightState(requestId: string | undefined): string | undefined {
    return requestId === undefined ? undefined : this.tracer.inflight().find((r) => r.id === requestId)?.state;
  }

  connection(id: string): ConnectionRecord | undefined {
    return this.connectionsById.get(id);
  }

  /** Every connection seen, in the order they were opened. */
  connections(): ConnectionRecord[] {
    return [...this.connectionsById.values()].sort((a, b) => a.openedAt - b.openedAt);
  }

  isOpen(connectionId: string): boolean {
    const c = this.connectionsById.get(connectionId);
    return Boolean(c && c.closedAt === undefined);
  }

  /** Resolves with the close time once the connection closes (immediately if it already has or is unknown). */
  whenClosed(connectionId: string): Promise<number> {
    const c = this.connectionsById.get(connectionId);
    if (!c || c.closedAt !== undefined) return Promise.resolve(c?.closedAt ?? performance.now());
    return new Promise((resolve) => {
      const list = this.closeWaiters.get(connectionId) ?? [];
      list.push(resolve);
      this.closeWaiters.set(connectionId, list);
    });
  }

  /** Connections not closed yet. */
  openConnections(): ConnectionRecord[] {
    return [...this.connectionsById.values()].filter((c) => c.closedAt === undefined);
  }

  stop(): void {
    this.tracer.stop();
  }
}

/** Stands in for a request the tracer did not report (it reports its own problems as diagnostics, never throws). */
export function untracedRequest(target: Target, method: string, startedAt: number): RequestTrace {
  return {
    id: 'untraced', origin: target.origin, method, path: target.url.pathname, source: 'probe',
    startedAt, startedAtEpoch: performance.timeOrigin + startedAt, phases: { total: performance.now() - startedAt }, reused: false,
  };
}
