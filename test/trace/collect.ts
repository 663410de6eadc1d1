import type { ConnectionRecord } from '../../src/model/connection.js';
import type { RequestTrace } from '../../src/model/request.js';
import { instrument } from '../../src/trace/index.js';
import type { InstrumentOptions, Tracer, TracerDiagnostic } from '../../src/trace/types.js';

/** A tracer plus everything it emitted, for assertions. */
export interface Collected {
  tracer: Tracer;
  connections: ConnectionRecord[];
  requests: RequestTrace[];
  closes: ConnectionRecord[];
  diagnostics: TracerDiagnostic[];
  stop(): void;
}

export function collect(options: InstrumentOptions = {}): Collected {
  const tracer = instrument(options);
  const c: Collected = { tracer, connections: [], requests: [], closes: [], diagnostics: [], stop: () => tracer.stop() };
  tracer.on('connection', (r) => c.connections.push(r));
  tracer.on('request', (r) => c.requests.push(r));
  tracer.on('close', (r) => c.closes.push(r));
  tracer.on('diagnostic', (d) => c.diagnostics.push(d));
  return c;
}

/** Polls until cond() holds; fails after deadlineMs instead of hanging. */
export async function until(cond: () => boolean, deadlineMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Phases add up to total within 0.5 ms and none is negative. */
export function phasesConsistent(r: RequestTrace): boolean {
  let sum = 0;
  for (const k of ['blocked', 'dns', 'connect', 'tls', 'send', 'wait', 'receive'] as const) {
    const v = r.phases[k];
    if (v === undefined) continue;
    if (!(v >= 0)) return false;
    sum += v;
  }
  return Math.abs(sum - r.phases.total) <= 0.5;
}
