import type { TracerDiagnostic, TracerEvents } from './types.js';

type Listener = (...args: any[]) => void;
type Lists = { [E in keyof TracerEvents]: Listener[] | undefined };

/**
 * A minimal event emitter whose emit never throws: a listener that throws becomes a `diagnostic`
 * event, so a consumer bug cannot break the host program's request that triggered the event.
 */
export class SafeEmitter {
  /**
   * One field per event, every one present from the start (undefined: nobody listens), rather than a
   * Map: `has()` and `emit()` run on every request, and a field read of a constant name on one shape
   * costs a load where a Map lookup hashed the name.
   */
  private readonly lists: Lists = { connection: undefined, request: undefined, close: undefined, tally: undefined, diagnostic: undefined };

  on(event: keyof TracerEvents, listener: Listener): void {
    const list = this.lists[event];
    // Copy-on-write so that emit can iterate without a snapshot.
    this.lists[event] = list ? [...list, listener] : [listener];
  }

  off(event: keyof TracerEvents, listener: Listener): void {
    const list = this.lists[event];
    if (!list) return;
    const next = list.filter((l) => l !== listener);
    this.lists[event] = next.length ? next : undefined;
  }

  has(event: keyof TracerEvents): boolean {
    // the per-request names read by constant names: one keyed read serving every name went
    // megamorphic (--log-ic), and sampled-out requests ask for `tally` each
    if (event === 'tally') return this.lists.tally !== undefined;
    if (event === 'request') return this.lists.request !== undefined;
    return this.lists[event] !== undefined;
  }

  // Every event carries one argument: a fixed parameter instead of a rest array spread per call.
  emit<E extends keyof TracerEvents>(event: E, arg: TracerEvents[E][0]): void {
    // `tally` and `request` (per request) read by their constant names: a read by a name that varies
    // per call site is a megamorphic keyed load once emit serves every event
    const list = event === 'tally' ? this.lists.tally : event === 'request' ? this.lists.request : this.lists[event];
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(arg);
      } catch (error) {
        if (event !== 'diagnostic') this.diagnostic({ message: `a '${event}' listener threw`, where: `listener:${event}`, error });
      }
    }
  }

  /**
   * `tally` (every request, on both ends) through a loop of its own rather than emit(): emit's one
   * listener call site serves every event's listeners and is megamorphic, a generic call per listener
   * (~220 instructions in callgrind); here the call site sees only tally listeners, and with the one
   * listener `connscope run` adds (the live session) it is monomorphic and V8 inlines the listener.
   */
  emitTally(arg: TracerEvents['tally'][0]): void {
    const list = this.lists.tally;
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(arg);
      } catch (error) {
        this.diagnostic({ message: `a 'tally' listener threw`, where: 'listener:tally', error });
      }
    }
  }

  diagnostic(d: TracerDiagnostic): void {
    this.emit('diagnostic', d);
  }
}
