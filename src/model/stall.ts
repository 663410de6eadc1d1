import type { ConnectionPhases, PhaseName, Phases } from './phases.js';

/**
 * Event-loop stalls: intervals (monotonic ms) during which the process's own loop ran no callback.
 * Every phase ends with a callback (a lookup's, a connect's, the response's first bytes), so a phase
 * that ends right after a stall may have been over long before: its end was late by the part of that
 * stall inside the phase. A stall the loop recovered from before the phase ended did not delay it at
 * all (had the work been done then, its callback would have run in the free time after the stall), so
 * only the stall running into the phase's end counts, not every stall inside the phase: a lookup that
 * queued 400 ms in the threadpool while the loop stalled 150 ms early on is still 400 ms of its own.
 */

/** How late a stall made each phase's end (ms); only phases ended by a stall are present. */
export type PhaseStalls = { [K in PhaseName]?: number };

/** How late a stall made the end of a connection's dns / connect / tls. */
export type EstablishmentStalls = { dns?: number; connect?: number; tls?: number };

/**
 * Where stalls are kept (the sampler's ring). `overlap` answers the stall time, summed and clipped to
 * [from, to], inside that interval; `endDelay` how late the stall running into `to` (one that ended at
 * most a few ms before it, or still running) made a callback at `to`, counted from `from` at the
 * earliest: to − max(stall start, from), 0 when no stall ran into `to`.
 */
export interface StallLog {
  overlap(from: number, to: number): number;
  endDelay(from: number, to: number): number;
}

/** Stall time below which a request's phases are not looked at: it cannot move any rule (thresholds are ≥ 50 ms). */
export const MIN_SPLIT_STALL_MS = 5;
/** A phase shorter than this is not looked at: a stall can explain no more of it than its own length. */
const MIN_PHASE_MS = 1;

/**
 * How late a stall made the end of each phase of a request, on the same phase boundaries
 * phasesFromMarks() uses (each phase runs from the end of the previous one to its own end). The single
 * place that turns stalls into per-phase figures: sources call it once per request, rules only read
 * the result. Returns undefined when less than MIN_SPLIT_STALL_MS of stall overlapped the request (the
 * common case: nothing is allocated). Runs for every traced request a stall touched, so the phases are
 * written out (named stores, no loop over names), as in phasesFromMarks().
 */
export function phaseStalls(p: Phases, start: number, log: StallLog): PhaseStalls | undefined {
  if (log.overlap(start, start + p.total) < MIN_SPLIT_STALL_MS) return undefined;
  const out: PhaseStalls = {};
  let c = start;
  let s = 0;
  if (p.blocked !== undefined) {
    if (p.blocked >= MIN_PHASE_MS && (s = log.endDelay(c, c + p.blocked)) > 0) out.blocked = round(s);
    c += p.blocked;
  }
  if (p.dns !== undefined) {
    if (p.dns >= MIN_PHASE_MS && (s = log.endDelay(c, c + p.dns)) > 0) out.dns = round(s);
    c += p.dns;
  }
  if (p.connect !== undefined) {
    if (p.connect >= MIN_PHASE_MS && (s = log.endDelay(c, c + p.connect)) > 0) out.connect = round(s);
    c += p.connect;
  }
  if (p.tls !== undefined) {
    if (p.tls >= MIN_PHASE_MS && (s = log.endDelay(c, c + p.tls)) > 0) out.tls = round(s);
    c += p.tls;
  }
  if (p.send !== undefined) {
    if (p.send >= MIN_PHASE_MS && (s = log.endDelay(c, c + p.send)) > 0) out.send = round(s);
    c += p.send;
  }
  if (p.wait !== undefined) {
    if (p.wait >= MIN_PHASE_MS && (s = log.endDelay(c, c + p.wait)) > 0) out.wait = round(s);
    c += p.wait;
  }
  if (p.receive !== undefined) {
    if (p.receive >= MIN_PHASE_MS && (s = log.endDelay(c, c + p.receive)) > 0) out.receive = round(s);
    c += p.receive;
  }
  return out;
}

/** How late a stall made the end of a connection's establishment phases, which start at `openedAt` and run back to back. */
export function establishmentStalls(e: ConnectionPhases, openedAt: number, log: StallLog): EstablishmentStalls | undefined {
  if (log.overlap(openedAt, openedAt + e.total) < MIN_SPLIT_STALL_MS) return undefined;
  const out: EstablishmentStalls = {};
  let c = openedAt;
  let s = 0;
  if (e.dns !== undefined) {
    if (e.dns >= MIN_PHASE_MS && (s = log.endDelay(c, c + e.dns)) > 0) out.dns = round(s);
    c += e.dns;
  }
  if (e.connect !== undefined) {
    if (e.connect >= MIN_PHASE_MS && (s = log.endDelay(c, c + e.connect)) > 0) out.connect = round(s);
    c += e.connect;
  }
  if (e.tls !== undefined) {
    if (e.tls >= MIN_PHASE_MS && (s = log.endDelay(c, c + e.tls)) > 0) out.tls = round(s);
    c += e.tls;
  }
  return out;
}

/** A phase's own time: its wall time less how late a stall made its end (never below 0). */
export function ownTime(wallMs: number, stallMs: number | undefined): number {
  return stallMs ? Math.max(0, wallMs - stallMs) : wallMs;
}

/** Sum of the stall delays over a request's phases. */
export function totalStall(s: PhaseStalls | undefined): number {
  if (!s) return 0;
  return (s.blocked ?? 0) + (s.dns ?? 0) + (s.connect ?? 0) + (s.tls ?? 0) + (s.send ?? 0) + (s.wait ?? 0) + (s.receive ?? 0);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
