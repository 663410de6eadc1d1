/**
 * Request phases: non-overlapping, in milliseconds, adding up to `total`.
 * A phase that does not apply is absent from the object (never 0, NaN or negative).
 */
export const PHASE_NAMES = ['blocked', 'dns', 'connect', 'tls', 'send', 'wait', 'receive'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

export type Phases = { [K in PhaseName]?: number } & { total: number };

/** Establishment phases of one connection (kept on the connection record, shared by all its requests). */
export interface ConnectionPhases {
  dns?: number;
  connect?: number;
  tls?: number;
  /** dns + connect + tls (plus the gaps between them). */
  total: number;
  /** Event-loop stall time inside dns / connect / tls (present only when some overlapped; see model/stall.ts). */
  stalls?: { dns?: number; connect?: number; tls?: number };
  /**
   * The libuv threadpool when the lookup was issued: `tasks` is the pool work Node reports in flight
   * (getaddrinfo lookups and fs requests, this lookup included; crypto and zlib jobs are invisible),
   * `size` is UV_THREADPOOL_SIZE. tasks > size means the lookup queued behind other pool work.
   */
  threadpool?: { tasks: number; size: number };
}

/**
 * The dns/connect/tls marks a connection and the request that opened it share, on one monotonic
 * clock (performance.now() milliseconds): RequestMarks and the connection's EstablishmentMarks
 * (model/establishment.ts) both extend these.
 */
export interface SetupMarks {
  dnsStart?: number;
  dnsEnd?: number;
  connectStart?: number;
  connectEnd?: number;
  tlsStart?: number;
  tlsEnd?: number;
}

/**
 * Raw marks of one request. Sources record the marks they see; phasesFromMarks() turns them into phases.
 */
export interface RequestMarks extends SetupMarks {
  /** Request created by the caller. */
  start: number;
  /** A connection was assigned (reuse) or creation of a new one started. */
  assigned?: number;
  /** Request fully written. */
  sent?: number;
  /** First response byte (headers). */
  firstByte?: number;
  /** Last response byte, or the moment the request failed. */
  end?: number;
}

/**
 * Derives phases from marks. Each phase runs from the end of the previous present phase to its own
 * end mark, so the gaps between marks are charged to the next phase and the sum equals total exactly.
 * Marks out of order (clock jitter between sources) are clamped to the previous mark.
 */
export function phasesFromMarks(m: RequestMarks): Phases {
  const phases: Phases = { total: 0 };
  // Runs once per traced request: the phase steps are written out rather than built from a
  // closure, which would be allocated on every call.
  let cursor = m.start;
  let e = m.assigned ?? m.dnsStart ?? m.connectStart ?? m.tlsStart;
  if (isMark(e)) cursor = step(phases, 'blocked', e, cursor);
  if (m.dnsStart !== undefined && isMark(m.dnsEnd)) cursor = step(phases, 'dns', m.dnsEnd, cursor);
  if ((m.connectStart !== undefined || m.connectEnd !== undefined) && isMark(m.connectEnd)) cursor = step(phases, 'connect', m.connectEnd, cursor);
  if ((m.tlsStart !== undefined || m.tlsEnd !== undefined) && isMark(m.tlsEnd)) cursor = step(phases, 'tls', m.tlsEnd, cursor);
  if (isMark(m.sent)) cursor = step(phases, 'send', m.sent, cursor);
  if (isMark(m.firstByte)) cursor = step(phases, 'wait', m.firstByte, cursor);
  e = m.firstByte !== undefined ? m.end : undefined;
  if (isMark(e)) cursor = step(phases, 'receive', e, cursor);
  const end = isMark(m.end) ? Math.max(m.end, cursor) : cursor;
  // A request that ended early (an error) charges the rest to the phase it was in.
  if (end > cursor && m.firstByte === undefined) {
    const inProgress = inProgressPhase(m);
    phases[inProgress] = (phases[inProgress] ?? 0) + (end - cursor);
  }
  phases.total = end - m.start;
  return phases;
}

function isMark(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v);
}

/** Sets one phase from the cursor to its end mark (clamped to the cursor) and returns the new cursor. */
function step(phases: Phases, name: PhaseName, endMark: number, cursor: number): number {
  const end = Math.max(endMark, cursor);
  phases[name] = end - cursor;
  return end;
}

function inProgressPhase(m: RequestMarks): PhaseName {
  if (m.assigned === undefined && m.dnsStart === undefined && m.connectStart === undefined && m.tlsStart === undefined) return 'blocked';
  if (m.dnsStart !== undefined && m.dnsEnd === undefined) return 'dns';
  if (m.connectStart !== undefined && m.connectEnd === undefined) return 'connect';
  if (m.tlsStart !== undefined && m.tlsEnd === undefined) return 'tls';
  if (m.sent === undefined) return 'send';
  return 'wait';
}

/** Sum of the present phases (equals total for phases built by phasesFromMarks, up to the last mark). */
export function sumPhases(p: Phases): number {
  let s = 0;
  for (const n of PHASE_NAMES) s += p[n] ?? 0;
  return s;
}
