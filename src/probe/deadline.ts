import { TimeoutError } from '../errors.js';

/** The probe's overall deadline: every step asks it how long it may take. */
export class Deadline {
  private end: number;
  constructor(readonly totalMs: number) {
    this.end = performance.now() + totalMs;
  }
  remaining(): number {
    return Math.max(0, this.end - performance.now());
  }
  /** A step limit: its own limit, or what is left of the overall deadline when that is shorter. */
  limit(stepMs?: number): number {
    return Math.max(1, Math.min(stepMs ?? Infinity, this.remaining()));
  }
  /** Moves the deadline out (for a step that is allowed to wait on top of it). */
  extend(ms: number): void {
    this.end += Math.max(0, ms);
  }
  expired(): boolean {
    return this.remaining() <= 0;
  }
}

/** Races a promise against a timer; the timer never keeps the process alive. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new TimeoutError(`${what} timed out after ${Math.round(ms)} ms`));
    }, ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
