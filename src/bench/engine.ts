import type { ConnectionRecord } from '../model/connection.js';
import type { Facts } from '../model/facts.js';
import type { RequestTrace } from '../model/request.js';
import type { ClientKind, ResolvedBenchOptions } from './options.js';

/** Where connection accounting goes: the run's current tally. */
export interface RecordSink {
  connection(c: ConnectionRecord): void;
  request(r: RequestTrace): void;
  /** `idleMs`: how long the connection had been idle when it closed, when the engine knows. */
  close(c: ConnectionRecord, idleMs?: number): void;
  /** Hot path for a successful request on a reused connection; false means "send the full record". */
  reusedOk?(blockedMs: number, waitMs: number, totalMs: number, index: number): boolean;
  /**
   * The same request counted without a record in every case; true when the run's sample wants its record, which the
   * engine then builds after the load (Engine.sampledRecords) from what it kept: the load loop never builds one.
   * `startedAt` is the request's start mark (a request begun before the tally's window is not counted).
   */
  deferredOk?(blockedMs: number, waitMs: number, totalMs: number, index: number, startedAt: number): boolean;
}

/**
 * The step a request was in when the run stopped (the tracer's vocabulary): waiting for a free
 * connection or stream, establishing its connection (DNS, TCP, TLS), writing the request, waiting
 * for the response head, reading the body.
 */
export const STUCK_STEPS = ['blocked', 'connecting', 'sending', 'waiting', 'receiving'] as const;
export type StuckStep = (typeof STUCK_STEPS)[number];
export type StepCounts = Partial<Record<StuckStep, number>>;

/** Adds one request in `step` to `counts`. */
export function countStep(counts: StepCounts, step: StuckStep, n = 1): void {
  if (n > 0) counts[step] = (counts[step] ?? 0) + n;
}

/** Called once per request: a status, or the error the caller would have seen. */
export type RequestDone = (status: number | undefined, error: unknown) => void;

/**
 * One client stack under load. `send` starts one request and calls `done` exactly once, later
 * (never synchronously). Engines with their own accounting (raw, h2) report into the sink;
 * the others are observed by the tracer.
 */
export interface Engine {
  readonly kind: ClientKind;
  /** True when the engine reports connections and requests itself (no tracer needed). */
  readonly selfAccounting: boolean;
  send(done: RequestDone): void;
  /** What the engine knows about its own configuration (client idle timeout, pool size ...). */
  facts(): Facts;
  /** Requests in flight right now, by the step they are in (engines with their own accounting). */
  stuckSteps?(): StepCounts;
  /**
   * The time of the I/O event being handled (one clock read per event, see EventClock); the scheduler
   * reads it for the request that event completed and the one it sends next. Absent: performance.now().
   */
  now?(): number;
  /**
   * Hands over the records of the requests the sink sampled through deferredOk, in the order they ended, and
   * forgets them (called after the load, and at the end of a warm-up to drop its sample).
   */
  sampledRecords?(take: (r: RequestTrace) => void): void;
  /** Destroys every connection; in-flight requests are abandoned (their `done` may never be called). */
  close(): Promise<void>;
}

export interface EngineContext {
  options: ResolvedBenchOptions;
  sink: RecordSink;
}

/** Builds the request line + headers once; engines reuse it for every request. */
export function requestHeaders(o: ResolvedBenchOptions): Record<string, string> {
  const h: Record<string, string> = { ...o.headers };
  if (o.body !== undefined && h['content-type'] === undefined) h['content-type'] = 'application/octet-stream';
  return h;
}

export function pathOf(url: URL): string {
  return `${url.pathname || '/'}${url.search}`;
}

/** Origin without credentials ('https://host:port'). */
export function originOf(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.protocol}//${url.hostname}:${port}`;
}
