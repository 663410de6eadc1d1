import type { SourceKind } from '../model/connection.js';
import type { RequestError, RequestTrace } from '../model/request.js';
import { epochOf } from './clock.js';
import type { ConnectionState } from './connection-state.js';
import { pathOnly } from './request-state.js';
import type { InflightNode } from './inflight-node.js';
import type { InflightRequest, RequestSummary } from './types.js';

/** RequestTally's brand, on its prototype: isTally() reads it. */
const TALLY: unique symbol = Symbol('connscope.tally');

/**
 * A request that is counted but not traced (sampled out at a `sampleRate` below 1): the few facts
 * exact aggregates need (origin, method, status, duration, reuse, error), no marks, no phases, no
 * trace. It is also its own `tally` event, so a sampled-out request allocates this one object (and
 * a traced request's `tally` event is one too, see summaryOfTrace).
 * It sits in the tracer's in-flight list like a traced request (leak rules count it), holds no
 * reference to the host's request, and keeps the raw path only to build a minimal trace when a
 * consumer asks for one (a failed or very slow request), where the query is cut off as always.
 */
export class RequestTally implements RequestSummary {
  status: number | undefined = undefined;
  httpVersion: string | undefined = undefined;
  reused = false;
  durationMs = 0;
  error: RequestError | undefined = undefined;
  connectionId: string | undefined = undefined;
  poolId: string | undefined = undefined;
  /** Client side: the connection it went out on (released at the end). */
  conn: ConnectionState | undefined = undefined;
  /** Response headers arrived (monotonic ms, coarse: the event-loop sampler's last tick, or 0). */
  headersAt = 0;
  done = false;
  /** A traced request's summary (summaryOfTrace): sampled, with its trace. */
  sampled = false;
  trace: RequestTrace | undefined = undefined;
  prev: InflightNode | undefined = undefined;
  next: InflightNode | undefined = undefined;

  constructor(
    readonly seq: number,
    readonly source: SourceKind,
    readonly origin: string,
    readonly method: string,
    private readonly rawPath: string | undefined,
    readonly startedAt: number,
  ) {}

  /** A minimal trace of this request (phases: total only), for a consumer keeping a failed or slow one. */
  toTrace(): RequestTrace {
    if (this.trace !== undefined) return this.trace;
    const t: RequestTrace = {
      id: (this.source === 'server' ? 'sr' : 'r') + this.seq,
      origin: this.origin,
      method: this.method,
      path: pathOnly(this.rawPath),
      source: this.source,
      startedAt: this.startedAt,
      startedAtEpoch: epochOf(this.startedAt),
      phases: { total: this.durationMs },
      reused: this.reused,
      sampled: false,
    };
    if (this.connectionId !== undefined) t.connectionId = this.connectionId;
    if (this.poolId !== undefined) t.poolId = this.poolId;
    if (this.status !== undefined) t.status = this.status;
    if (this.httpVersion !== undefined) t.httpVersion = this.httpVersion;
    if (this.error) t.error = this.error;
    return t;
  }
}


(RequestTally.prototype as unknown as Record<symbol, boolean>)[TALLY] = true;

/**
 * Whether a request's state (a traced request's, a tally, or the null of a skipped request) is a
 * tally. Not `instanceof RequestTally`: optimised code did not inline it against the imported class
 * and called V8's generic InstanceOf (a Symbol.hasInstance lookup, then the prototype walk), about
 * 200 instructions per check, three or four checks per request on both clients (callgrind, a
 * 5,000-request window). A property read on the prototype, under a symbol so that nothing a
 * consumer sees (own fields, JSON) changes: a few instructions.
 */
export function isTally(x: object | null | undefined): x is RequestTally {
  return x !== null && x !== undefined && (x as Record<symbol, unknown>)[TALLY] === true;
}

/**
 * The summary of a traced request, built from its trace (sampled: a trace was emitted too). It is a
 * RequestTally as well, so every `tally` listener sees one object shape whether the request was
 * traced or counted: two shapes made the listeners' property reads polymorphic, and a traced
 * request among counted ones deoptimised them (docs/run.md "Cost per level").
 */
export function summaryOfTrace(t: RequestTrace): RequestSummary {
  const s = new RequestTally(0, t.source, t.origin, t.method, undefined, t.startedAt);
  s.status = t.status;
  s.httpVersion = t.httpVersion;
  s.reused = t.reused;
  s.durationMs = t.phases.total;
  s.error = t.error;
  s.connectionId = t.connectionId;
  s.poolId = t.poolId;
  s.done = true;
  s.sampled = true;
  s.trace = t;
  return s;
}

export function tallyView(t: RequestTally, at: number): InflightRequest {
  const v: InflightRequest = { id: 'r' + t.seq, origin: t.origin, state: t.status !== undefined ? 'receiving' : t.conn ? 'waiting' : 'blocked', ageMs: at - t.startedAt };
  if (t.connectionId !== undefined) v.connectionId = t.connectionId;
  if (t.poolId !== undefined) v.poolId = t.poolId;
  if (t.status !== undefined && t.headersAt > 0) v.sinceHeadersMs = at - t.headersAt;
  return v;
}
