import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError } from '../errors.js';
import { diagnose } from '../diagnose/index.js';
import type { BlockingFunction, Facts } from '../model/facts.js';
import type { Finding } from '../model/finding.js';
import { Session } from '../model/session.js';
import { instrument } from '../trace/index.js';
import type { Tracer } from '../trace/types.js';
import { metricsOf, type RunMetrics } from './metrics.js';

export interface WorkloadContext {
  /** Aborted at the run's deadline or when the caller gives up: pass it to every request. */
  signal: AbortSignal;
  tracer: Tracer;
  session: Session;
}

/** A client workload; it returns the facts a probe or bench would know about this client. */
export type Workload = (ctx: WorkloadContext) => Promise<Facts | void>;

export interface MeasureOptions {
  /** Origins whose traffic is recorded (the lab's own servers and proxies). */
  origins: readonly string[];
  /** Servers whose accepted connections are summed into serverConnections. */
  servers: ReadonlyArray<{ readonly connections: number }>;
  deadlineMs: number;
  signal?: AbortSignal;
}

export interface Measured {
  session: Session;
  findings: Finding[];
  metrics: RunMetrics;
}

/** Close events arrive a tick after a pool is closed; wait this long for them. */
const SETTLE_MS = 50;
/** A workload that ignores its aborted signal gets this long before the run fails. */
const GRACE_MS = 3000;

/**
 * Runs a workload under the tracer, collects what it did into a Session, adds the workload's
 * facts and runs the findings engine on the result. The findings are the engine's, never scripted.
 */
export async function measure(options: MeasureOptions, workload: Workload): Promise<Measured> {
  const origins = new Set(options.origins);
  // profile: event-loop-blocked names the functions that held the loop (trace/stall-profile.ts)
  const tracer = instrument({ filter: (origin) => origins.has(origin), profile: true });
  const session = new Session();
  const stopCollecting = session.collect(tracer as Parameters<Session['collect']>[0]);
  // a ref'd timer, unlike AbortSignal.timeout: a stuck workload must still reach its deadline
  const deadline = new AbortController();
  const deadlineTimer = setTimeout(() => deadline.abort(new TimeoutError(`lab workload passed its ${options.deadlineMs} ms deadline`)), options.deadlineMs);
  const signal = options.signal ? AbortSignal.any([deadline.signal, options.signal]) : deadline.signal;
  // every request of a workload listens on this one signal
  setMaxListeners(1000, signal);
  const started = performance.now();
  let facts: Facts | void;
  let graceTimer: NodeJS.Timeout | undefined;
  let blockedBy: BlockingFunction[] = [];
  try {
    const overrun = new Promise<never>((_, reject) => {
      const fail = (): void => {
        graceTimer = setTimeout(() => reject(new TimeoutError(`lab workload did not stop within ${options.deadlineMs + GRACE_MS} ms`)), GRACE_MS);
      };
      if (signal.aborted) fail();
      else signal.addEventListener('abort', fail, { once: true });
    });
    overrun.catch(() => undefined);
    facts = await Promise.race([workload({ signal, tracer, session }), overrun]);
    await sleep(SETTLE_MS);
    blockedBy = tracer.eventLoopBlockedBy();
  } finally {
    clearTimeout(deadlineTimer);
    clearTimeout(graceTimer);
    stopCollecting();
    tracer.stop();
  }
  const durationMs = performance.now() - started;
  session.facts = { ...session.facts, ...(facts ?? {}), durationMs };
  if (blockedBy.length > 0) session.facts.eventLoop = { maxDelayMs: tracer.eventLoopMaxLagMs(), ...session.facts.eventLoop, blockedBy };
  session.findings = diagnose(session);
  const serverConnections = options.servers.reduce((n, s) => n + s.connections, 0);
  return { session, findings: session.findings, metrics: metricsOf(session, serverConnections, durationMs) };
}
