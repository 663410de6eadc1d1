import { EventEmitter } from 'node:events';
import type { ServerTracerEvents } from './types.js';

/**
 * Emits tracer events so that a listener that throws becomes a 'diagnostic' event instead of an
 * exception inside the server's socket callbacks.
 */
export class SafeEmitter extends EventEmitter {
  /** Once set (the tracer stopped) nothing is emitted any more. */
  protected muted = false;
  /**
   * Told the time (monotonic ms) as each request ends, when the server tracer runs inside
   * `instrument()`: the event-loop probe's sign that the loop is alive (EventLoopSampler.seen).
   */
  seen: ((t: number) => void) | undefined = undefined;

  // Every event carries one argument: a fixed parameter, no rest array per emit (tally runs per request).
  emitSafe<E extends keyof ServerTracerEvents>(event: E, arg: ServerTracerEvents[E][0]): void {
    if (this.muted || this.listenerCount(event) === 0) return;
    for (const listener of this.listeners(event)) {
      try {
        (listener as (a: unknown) => void)(arg);
      } catch (error) {
        if (event !== 'diagnostic') this.diagnostic(`a '${event}' listener threw`, 'listener', error);
      }
    }
  }

  diagnostic(message: string, where: string, error?: unknown): void {
    if (this.listenerCount('diagnostic') > 0) this.emitSafe('diagnostic', { message, where, error });
  }

  /** Runs tracer code; its errors become diagnostics. */
  guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.diagnostic(`tracer error in ${where}: ${(error as Error)?.message ?? String(error)}`, where, error);
    }
  }
}
