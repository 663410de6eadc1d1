import { PHASE_NAMES, type ConnectionPhases, type PhaseName, type Phases } from './phases.js';

/**
 * Event-loop stalls: intervals (monotonic ms) during which the process's own loop did not run
 * callbacks. Any phase measured from callbacks (a lookup's, a connect's, a response's) is late by
 * the part of a stall that overlapped it: that part is the process's doing, not the network's.
 */

/** Stall time (ms) that overlapped each phase; only phases with some overlap are present. */
export type PhaseStalls = { [K in PhaseName]?: number };

/** Stall time that overlapped a connection's establishment phases. */
export type EstablishmentStalls = { dns?: number; connect?: number; tls?: number };

/**
 * Where stalls are kept (a ring of the tracer, the probe's sampler): `overlap` answers the stall
 * time, summed and clipped to [from, to], that falls inside that interval. Stall intervals never
 * overlap each other (each starts where the sampler's previous tick ended).
 */
export interface StallLog {
  overlap(from: number, to: number): number;
}

/** Stall time below which a request's phases are not split: it cannot move any rule (thresholds are ≥ 50 ms). */
export const MIN_SPLIT_STALL_MS = 5;

/**
 * Stall time within each phase of a request, on the same phase boundaries phasesFromMarks() uses
 * (each phase runs from the end of the previous one to its own end). The single place that turns
 * stalls into per-phase figures: sources call it once per request, rules only read the result.
 * Returns undefined when less than MIN_SPLIT_STALL_MS of stall overlapped the request (the common
 * case: nothing is allocated). Runs for every traced request a stall touched, so the phases are
 * written out (named stores, no loop over names), as in phasesFromMarks().
 */
export function phaseStalls(p: Phases, start: number, log: StallLog): PhaseStalls | undefined {
  if (log.overlap(start, start + p.total) < MIN_SPLIT_STALL_MS) return undefined;
  const out: PhaseStalls = {};
  let c = start;
  let s = 0;
  if (p.blocked !== undefined) {
    if ((s = log.overlap(c, (c += p.blocked))) > 0) out.blocked = round(s);
  }
  if (p.dns !== undefined) {
    if ((s = log.overlap(c, (c += p.dns))) > 0) out.dns = round(s);
  }
  if (p.connect !== undefined) {
    if ((s = log.overlap(c, (c += p.connect))) > 0) out.connect = round(s);
  }
  if (p.tls !== undefined) {
    if ((s = log.overlap(c, (c += p.tls))) > 0) out.tls = round(s);
  }
  if (p.send !== undefined) {
    if ((s = log.overlap(c, (c += p.send))) > 0) out.send = round(s);
  }
  if (p.wait !== undefined) {
    if ((s = log.overlap(c, (c += p.wait))) > 0) out.wait = round(s);
  }
  if (p.receive !== undefined) {
    if ((s = log.overlap(c, (c += p.receive))) > 0) out.receive = round(s);
  }
  return out;
}

/** Stall time within a connection's establishment phases, which start at `openedAt` and run back to back. */
export function establishmentStalls(e: ConnectionPhases, openedAt: number, log: StallLog): EstablishmentStalls | undefined {
  if (log.overlap(openedAt, openedAt + e.total) <= 0) return undefined;
  const out: EstablishmentStalls = {};
  let cursor = openedAt;
  for (const name of ['dns', 'connect', 'tls'] as const) {
    const d = e[name];
    if (d === undefined) continue;
    const s = log.overlap(cursor, cursor + d);
    if (s > 0) out[name] = round(s);
    cursor += d;
  }
  return out;
}

/** A phase's own time: its wall time less the stall that overlapped it (never below 0). */
export function ownTime(wallMs: number, stallMs: number | undefined): number {
  return stallMs ? Math.max(0, wallMs - stallMs) : wallMs;
}

/** Sum of the stall time over a request's phases. */
export function totalStall(s: PhaseStalls | undefined): number {
  if (!s) return 0;
  let t = 0;
  for (const n of PHASE_NAMES) t += s[n] ?? 0;
  return t;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
