import type { TracerDiagnostic, TracerEvents } from './types.js';

type Listener = (...args: any[]) => void;

/**
 * A minimal event emitter whose emit never throws: a listener that throws becomes a `diagnostic`
 * event, so a consumer bug cannot break the host program's request that triggered the event.
 */
export class SafeEmitter {
  private readonly listeners = new Map<keyof TracerEvents, Listener[]>();

  on(event: keyof TracerEvents, listener: Listener): void {
    const list = this.listeners.get(event);
    // Copy-on-write so that emit can iterate without a snapshot.
    this.listeners.set(event, list ? [...list, listener] : [listener]);
  }

  off(event: keyof TracerEvents, listener: Listener): void {
    const list = this.listeners.get(event);
    if (!list) return;
    const next = list.filter((l) => l !== listener);
    if (next.length) this.listeners.set(event, next);
    else this.listeners.delete(event);
  }

  has(event: keyof TracerEvents): boolean {
    return this.listeners.has(event);
  }

  // Every event carries one argument: a fixed parameter instead of a rest array spread per call.
  emit<E extends keyof TracerEvents>(event: E, arg: TracerEvents[E][0]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const l of list) {
      try {
        l(arg);
      } catch (error) {
        if (event !== 'diagnostic') this.diagnostic({ message: `a '${event}' listener threw`, where: `listener:${event}`, error });
      }
    }
  }

  diagnostic(d: TracerDiagnostic): void {
    this.emit('diagnostic', d);
  }
}
