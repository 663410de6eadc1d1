import { performance } from 'node:perf_hooks';
import { classifyError } from '../errors.js';
import type { Engine } from './engine.js';
import type { Tally } from './tally.js';

export interface LoadPlan {
  concurrency: number;
  /** Open model: requests per second. Closed model when absent. */
  rate?: number;
  requests?: number;
  durationMs: number;
  signal?: AbortSignal;
  /** Called every `tickMs` while the load runs. */
  onTick?: (elapsedMs: number) => void;
  tickMs?: number;
  /** The code a failed request is counted under (default: classifyError's). */
  errorCode?: (err: unknown) => string;
}

export interface LoadResult {
  durationMs: number;
  /** Stopped by the signal before the plan was done. */
  aborted: boolean;
  /** Requests still in flight when the run stopped (not counted). */
  abandoned: number;
}

/**
 * Drives an engine. Closed model: `concurrency` loops, each sends its next request when the
 * previous one finishes. Open model (`rate`): requests are due at fixed intervals whatever the
 * server does; when `concurrency` are outstanding the next ones wait, and latency is measured
 * from the intended send time so a stalled server shows up in the percentiles (coordinated
 * omission correction, as in wrk2 and autocannon).
 */
export function runLoad(engine: Engine, tally: Tally, plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve) => {
    const start = performance.now();
    const limit = plan.requests ?? Infinity;
    let issued = 0;
    let inflight = 0;
    let stopped = false;
    let aborted = false;
    // open model: requests due so far; the k-th is due at start + k × interval, so the backlog is just issued..due
    let due = 0;
    let rateTimer: NodeJS.Timeout | undefined;
    // the engine's event time when it has one: one clock read per response, not three
    const now = engine.now ? (): number => engine.now!() : (): number => performance.now();

    const stop = (why: 'done' | 'abort'): void => {
      if (stopped) return;
      stopped = true;
      aborted = why === 'abort';
      clearTimeout(deadline);
      clearTimeout(rateTimer);
      clearInterval(ticker);
      plan.signal?.removeEventListener('abort', onAbort);
      resolve({ durationMs: performance.now() - start, aborted, abandoned: inflight });
    };
    const onAbort = (): void => stop('abort');

    const fire = (intendedAt: number): void => {
      issued++;
      inflight++;
      let settled = false;
      const done = (status: number | undefined, error: unknown): void => {
        if (settled) return;
        settled = true;
        inflight--;
        if (stopped) return;
        const code = error === undefined || error === null ? undefined : plan.errorCode ? plan.errorCode(error) : classifyError(error).code;
        const at = now();
        tally.outcome(at - intendedAt, status, code, at);
        if (tally.completed >= limit) return stop('done');
        next(at);
      };
      try {
        engine.send(done);
      } catch (err) {
        setImmediate(done, undefined, err);
      }
    };

    // after a request finishes: the closed model sends the next; the open model drains its backlog
    const next = (at: number): void => {
      if (plan.rate === undefined) {
        if (issued < limit) fire(at);
      } else if (issued < due && inflight < plan.concurrency) {
        fire(start + issued * interval);
      }
    };

    const interval = plan.rate !== undefined ? 1000 / plan.rate : 0;
    const pace = (): void => {
      if (stopped) return;
      const now = performance.now();
      due = Math.min(limit, Math.floor((now - start) / interval) + 1);
      while (issued < due && inflight < plan.concurrency) fire(start + issued * interval);
      if (due < limit) rateTimer = setTimeout(pace, Math.max(0, start + due * interval - performance.now()));
    };

    const deadline = setTimeout(() => stop('done'), plan.durationMs);
    const ticker = setInterval(() => plan.onTick?.(performance.now() - start), plan.tickMs ?? 250);
    if (plan.signal?.aborted) {
      setImmediate(() => stop('abort'));
      return;
    }
    plan.signal?.addEventListener('abort', onAbort, { once: true });
    if (plan.rate !== undefined) pace();
    else for (let i = 0; i < plan.concurrency && issued < limit; i++) fire(start);
  });
}
