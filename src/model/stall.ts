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

/**
 * Stall time within each phase of a request, on the same phase boundaries phasesFromMarks() uses
 * (each phase runs from the end of the previous one to its own end). The single place that turns
 * stalls into per-phase figures: sources call it once per request, rules only read the result.
 * Returns undefined when no stall overlapped any phase (the common case: nothing is allocated).
 */
export function phaseStalls(phases: Phases, start: number, log: StallLog): PhaseStalls | undefined {
  if (log.overlap(start, start + phases.total) <= 0) return undefined;
  const out: PhaseStalls = {};
  let cursor = start;
  for (const name of PHASE_NAMES) {
    const d = phases[name];
    if (d === undefined) continue;
    const s = log.overlap(cursor, cursor + d);
    if (s > 0) out[name] = round(s);
    cursor += d;
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
