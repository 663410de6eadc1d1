import { EventEmitter } from 'node:events';
import type { ServerTracerEvents } from './types.js';

/** Where a server tracer inside `instrument()` sends its events (the client tracer's SafeEmitter). */
export interface EventSink {
  emit(event: keyof ServerTracerEvents, arg: unknown): void;
  /** `tally` on its own path (the client tracer's SafeEmitter.emitTally: its listener call is inlined). */
  emitTally(arg: ServerTracerEvents['tally'][0]): void;
  has(event: keyof ServerTracerEvents): boolean;
}

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
  /**
   * Inside `instrument()`: the client tracer's emitter, which gets every event directly (one call,
   * no listener list copied per event: `tally` runs per request) and whose listeners count as ours.
   */
  sink: EventSink | undefined = undefined;

  override listenerCount(event: string | symbol): number {
    const own = this.ownListeners(event);
    return this.sink?.has(event as keyof ServerTracerEvents) ? own + 1 : own;
  }

  /**
   * Listeners on this emitter itself. Inside `instrument()` it has none (its events go to the sink), and
   * EventEmitter's own count of event names says so with one field read, per request.
   */
  private ownListeners(event: string | symbol): number {
    return (this as unknown as { _eventsCount: number })._eventsCount === 0 ? 0 : super.listenerCount(event);
  }

  // Every event carries one argument: a fixed parameter, no rest array per emit (tally runs per request).
  emitSafe<E extends keyof ServerTracerEvents>(event: E, arg: ServerTracerEvents[E][0]): void {
    if (this.muted) return;
    // the sink catches its own listeners' throws (they become its diagnostics)
    this.sink?.emit(event, arg);
    if (this.ownListeners(event) !== 0) this.emitOwn(event, arg);
  }

  private emitOwn<E extends keyof ServerTracerEvents>(event: E, arg: ServerTracerEvents[E][0]): void {
    for (const listener of this.listeners(event)) {
      try {
        (listener as (a: unknown) => void)(arg);
      } catch (error) {
        if (event !== 'diagnostic') this.diagnostic(`a '${event}' listener threw`, 'listener', error);
      }
    }
  }

  /** `tally`, per request: straight to the sink's own tally path (see EventSink.emitTally), then any own listeners. */
  emitTally(arg: ServerTracerEvents['tally'][0]): void {
    if (this.muted) return;
    this.sink?.emitTally(arg);
    if (this.ownListeners('tally') !== 0) this.emitOwn('tally', arg);
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
