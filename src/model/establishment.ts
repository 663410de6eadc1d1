import type { ConnectionPhases, RequestMarks, SetupMarks } from './phases.js';

/**
 * Establishment marks of one connection, on the same monotonic clock as the request marks
 * (performance.now() milliseconds). A source that times connections (the tracer, server tracing,
 * bench's raw engine) records these and leaves the arithmetic to the two functions below, so a
 * connection's dns/connect/tls are the same numbers whichever source saw it.
 */
export interface EstablishmentMarks extends SetupMarks {
  /** Creation started (socket created / connector called). */
  created: number;
  /** A DNS lookup is part of establishing (host name, not an IP literal). */
  lookup?: boolean;
  /** A TLS handshake is part of establishing. */
  handshake?: boolean;
}

/**
 * The connection record's establishment phases: each phase runs from the end of the previous one
 * (gaps included) to its own end mark, from `created` on; a step that did not happen is absent.
 */
export function establishmentFromMarks(m: EstablishmentMarks): ConnectionPhases {
  const out: ConnectionPhases = { total: 0 };
  let cursor = m.created;
  if (m.dnsEnd !== undefined) cursor = take(out, 'dns', m.dnsEnd, cursor);
  if (m.connectEnd !== undefined) cursor = take(out, 'connect', m.connectEnd, cursor);
  if (m.tlsEnd !== undefined) cursor = take(out, 'tls', m.tlsEnd, cursor);
  out.total = cursor - m.created;
  return out;
}

function take(out: ConnectionPhases, name: 'dns' | 'connect' | 'tls', end: number, cursor: number): number {
  const e = Math.max(end, cursor);
  out[name] = e - cursor;
  return e;
}

/**
 * Copies a connection's establishment marks into the marks of the request that paid for it (the
 * first one on a connection the source saw created), so phasesFromMarks() gives that request the
 * same dns/connect/tls as the connection record. `unfinished`: the connection never finished
 * establishing; the step it was in gets its start mark, so the rest of the request is charged to it
 * (not to send or wait).
 */
export function chargeEstablishment(r: RequestMarks, c: EstablishmentMarks, unfinished: boolean): void {
  if (c.dnsEnd !== undefined) {
    r.dnsStart = c.dnsStart ?? c.created;
    r.dnsEnd = c.dnsEnd;
  }
  if (c.connectEnd !== undefined) {
    r.connectStart = c.connectStart ?? c.dnsEnd ?? c.created;
    r.connectEnd = c.connectEnd;
  }
  if (c.tlsEnd !== undefined) {
    r.tlsStart = c.tlsStart ?? c.connectEnd ?? c.created;
    r.tlsEnd = c.tlsEnd;
  }
  if (!unfinished) return;
  if (c.connectEnd === undefined) {
    if (c.dnsEnd === undefined && c.lookup) r.dnsStart = c.dnsStart ?? c.created;
    else r.connectStart = c.connectStart ?? c.dnsEnd ?? c.created;
  } else if (c.tlsEnd === undefined && c.handshake) {
    r.tlsStart = c.tlsStart ?? c.connectEnd;
  }
}
