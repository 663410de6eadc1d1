import type { Socket } from 'node:net';
import { addCloseWatcher, removeCloseWatcher, watchClose } from './socket-close.js';
import type { SourceKind } from '../model/connection.js';
import { now } from './clock.js';
import { closeInfoOf } from './close-reason.js';
import { describeSocket, newConnectionState, settleEstablishment, type ConnectionState } from './connection-state.js';
import { SafeEmitter } from './emitter.js';
import type { EventLoopSampler } from './event-loop.js';
import { Counter, PoolIds } from './ids.js';
import { finishRequest, inflightView, newRequestState, releaseRequest, type RequestState } from './request-state.js';
import type { InflightNode } from './inflight-node.js';
import { isTally, RequestTally, summaryOfTrace, tallyView } from './tally.js';
import type { InflightRequest } from './types.js';
import { Sampler } from './sampler.js';

/** In-flight requests remembered at most (a host that leaks requests must not grow the tracer). */
export const MAX_INFLIGHT = 10_000;
/** Pool owners remembered for snapshots. */
const MAX_POOLS = 1_000;

/** Shared state of one tracer, handed to each source (http, undici, http2). */
export class TracerCore {
  readonly events = new SafeEmitter();
  readonly poolIds = new PoolIds();
  private readonly connIds = new Counter('c');
  private reqSeq = 0;
  /**
   * In-flight requests as a doubly linked list through the states themselves, oldest first:
   * adding and removing costs a few field writes, with no hash-table entry per request.
   */
  private head: InflightNode | undefined;
  private tail: InflightNode | undefined;
  private inflightCount = 0;
  /** Agents / dispatchers seen, weakly held, for poolSnapshot(). */
  readonly pools = new Set<WeakRef<object>>();
  private readonly poolSeen = new WeakSet<object>();
  active = true;
  /**
   * Per-request state lives under this symbol on the host's request object instead of in a
   * WeakMap: it still dies with the request (the tracer holds no reference to it), but a WeakMap
   * entry per short-lived request costs ~1 µs of GC ephemeron work, this costs nanoseconds.
   */
  readonly stateKey = Symbol('connscope.request');

  /** True when only a share of requests is traced (sampleRate < 1). */
  readonly sampling: boolean;

  constructor(
    readonly filter: ((origin: string) => boolean) | undefined,
    readonly eventLoop: EventLoopSampler | undefined,
    readonly sampleRate = 1,
  ) {
    this.sampling = sampleRate < 1;
    this.sampler = new Sampler(sampleRate);
    addCloseWatcher(this);
  }

  private readonly sampler: Sampler;

  /** Whether to trace the next request (always, unless a sampleRate below 1 was given: sampler.ts). */
  sampled(): boolean {
    return !this.sampling || this.sampler.sampled();
  }

  /**
   * Connections are kept in a WeakMap keyed by socket, not on the socket: sockets are long-lived
   * (one WeakMap entry each is cheap) and adding a property to net.Socket objects would give them
   * a new hidden class, making Node's hot stream code see more shapes.
   */
  private readonly sockets = new WeakMap<Socket, ConnectionState>();

  /** Remembers a connection for its socket and reports the socket's close. */
  adoptSocket(socket: Socket, conn: ConnectionState): void {
    this.sockets.set(socket, conn);
    watchClose(socket);
  }

  connectionOf(socket: Socket): ConnectionState | undefined {
    return this.sockets.get(socket);
  }

  onSocketClose(socket: Socket): void {
    if (!this.active) return;
    try {
      const conn = this.connectionOf(socket);
      if (conn) this.close(conn, socket);
    } catch (error) {
      this.fail('socket-close', error);
    }
  }

  /** Runs fn; any throw becomes a diagnostic instead of reaching the host program. */
  guard<A extends unknown[]>(where: string, fn: (...args: A) => void): (...args: A) => void {
    const isActive = (): boolean => this.active;
    const fail = (error: unknown): void => this.fail(where, error);
    const f = fn as unknown as (this: unknown, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown) => void;
    // A plain function so event listeners still see the emitter as `this`; fixed arity (every
    // channel, event and hook we handle passes at most five arguments) avoids a rest array per call.
    return function guarded(this: unknown, a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown): void {
      if (!isActive()) return;
      try {
        f.call(this, a, b, c, d, e);
      } catch (error) {
        fail(error);
      }
    } as unknown as (...args: A) => void;
  }

  fail(where: string, error: unknown): void {
    try {
      this.events.diagnostic({ message: `tracer error in ${where}: ${error instanceof Error ? error.message : String(error)}`, where, error });
    } catch {}
  }

  wants(origin: string): boolean {
    if (!this.filter) return true;
    try {
      return this.filter(origin);
    } catch (error) {
      this.fail('filter', error);
      return false;
    }
  }

  rememberPool(owner: object): void {
    if (this.poolSeen.has(owner)) return;
    this.poolSeen.add(owner);
    if (this.pools.size >= MAX_POOLS) {
      for (const ref of this.pools) if (!ref.deref()) this.pools.delete(ref);
      if (this.pools.size >= MAX_POOLS) return;
    }
    this.pools.add(new WeakRef(owner));
  }

  /** The tracer's state for a host object: undefined when never seen, null when sampled out. */
  stateOf<T>(obj: object): T | null | undefined {
    return (obj as Record<symbol, T | null | undefined>)[this.stateKey];
  }

  /**
   * A sampled-out object still gets the property (null): host objects of one kind then all share
   * one hidden class, where a property on only some of them would make the host library's own
   * property accesses polymorphic — measured at several percent of a request's CPU in undici.
   * null first, then the state (as undici-client.ts does): the property is added with null, so V8
   * does not pin its type to the first request's state and generalise it when a sampled-out
   * request stores null, which left this store megamorphic on node:http (--log-ic).
   */
  attach(obj: object, state: unknown): void {
    const o = obj as Record<symbol, unknown>;
    o[this.stateKey] = null;
    if (state !== null) o[this.stateKey] = state;
  }

  newConnection(init: { origin: string; source: SourceKind; poolId?: string; created: number; seenFromStart: boolean; protocol?: 'http/1.1' | 'h2' }): ConnectionState {
    return newConnectionState({ id: this.connIds.next(), ...init });
  }

  newRequest(origin: string, method: string, path: string, source: SourceKind, start: number, poolId?: string): RequestState {
    const st = newRequestState(++this.reqSeq, origin, method, path, source, start, poolId);
    this.link(st);
    return st;
  }

  /** Whether sampled-out requests are counted (someone listens for `tally`). */
  get tallying(): boolean {
    return this.events.has('tally');
  }

  /** A sampled-out request that is counted, not traced (tally.ts); it is in the in-flight list too. */
  newTally(origin: string, method: string, rawPath: string | undefined, source: SourceKind, start: number): RequestTally {
    const t = new RequestTally(++this.reqSeq, source, origin, method, rawPath, start);
    this.link(t);
    return t;
  }

  /** Ends a counted request: off the in-flight list, its duration set, emitted as `tally`. */
  finishTally(t: RequestTally, end = now()): void {
    if (t.done) return;
    t.done = true;
    this.unlink(t);
    t.durationMs = end - t.startedAt;
    t.conn = undefined;
    this.eventLoop?.seen(end);
    this.events.emitTally(t);
  }

  /** A coarse clock for marks nobody times precisely (the loop sampler's last tick; 0 without one). */
  coarseNow(): number {
    return this.eventLoop?.lastTickAt ?? 0;
  }

  private link(st: InflightNode): void {
    if (this.inflightCount >= MAX_INFLIGHT && this.head) this.unlink(this.head);
    st.prev = this.tail;
    if (this.tail) this.tail.next = st;
    else this.head = st;
    this.tail = st;
    this.inflightCount++;
  }

  /** Takes a request off the in-flight list (no-op when it is not on it). */
  private unlink(st: InflightNode): void {
    const { prev, next } = st;
    if (prev) prev.next = next;
    else if (this.head === st) this.head = next;
    else return;
    if (next) next.prev = prev;
    else this.tail = prev;
    st.prev = st.next = undefined;
    this.inflightCount--;
  }

  /** Emits `connection` once the connection is established. */
  announce(conn: ConnectionState, socket: Socket | undefined): void {
    if (conn.announced) return;
    conn.announced = true;
    if (socket) describeSocket(conn, socket);
    settleEstablishment(conn, this.eventLoop);
    this.events.emit('connection', conn.record);
  }

  close(conn: ConnectionState, socket: Socket): void {
    const at = now();
    const r = conn.record;
    if (r.closedAt !== undefined) return;
    r.closedAt = at;
    r.close = closeInfoOf(conn, socket, at);
    if (socket.bytesWritten) r.bytesSent = socket.bytesWritten;
    if (socket.bytesRead) r.bytesReceived = socket.bytesRead;
    if (!conn.announced) {
      conn.announced = true;
      settleEstablishment(conn, this.eventLoop);
    }
    this.events.emit('close', r);
  }

  complete(st: RequestState, end = now()): void {
    if (st.done) return;
    this.unlink(st);
    this.eventLoop?.seen(end);
    // Nobody listens for requests (connection-only consumers): skip building the trace.
    const tally = this.events.has('tally');
    if (!tally && !this.events.has('request')) return releaseRequest(st, end);
    const trace = finishRequest(st, end, this.eventLoop);
    this.events.emit('request', trace);
    if (tally) this.events.emitTally(summaryOfTrace(trace));
  }

  inflight(): InflightRequest[] {
    const t = now();
    const out: InflightRequest[] = [];
    for (let st = this.head; st; st = st.next) out.push(isTally(st) ? tallyView(st, t) : inflightView(st as RequestState, t));
    return out;
  }

  /** Tracer.inflightByOrigin: a view only of a traced request or of a counted one stuck with its body unread. */
  inflightByOrigin(stuckAfterMs: number): { counts: Map<string, number>; stuck: InflightRequest[] } {
    const t = now();
    const counts = new Map<string, number>();
    const stuck: InflightRequest[] = [];
    for (let st = this.head; st; st = st.next) {
      let origin: string;
      if (isTally(st)) {
        if (st.status !== undefined && st.headersAt > 0 && t - st.headersAt >= stuckAfterMs) {
          stuck.push(tallyView(st, t));
          continue;
        }
        origin = st.origin;
      } else {
        const v = inflightView(st as RequestState, t);
        if (v.state === 'receiving' && (v.sinceHeadersMs ?? 0) >= stuckAfterMs) {
          stuck.push(v);
          continue;
        }
        origin = v.origin;
      }
      counts.set(origin, (counts.get(origin) ?? 0) + 1);
    }
    return { counts, stuck };
  }

  stop(): void {
    this.active = false;
    removeCloseWatcher(this);
    // Unlink every state so none keeps the others alive through its links.
    while (this.head) this.unlink(this.head);
  }
}
