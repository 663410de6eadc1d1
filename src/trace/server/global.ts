import { attachToNewServers } from './attach-new-servers.js';
import { ServerTracerImpl } from './instrument-server.js';
import type { InstrumentServerOptions, ServerTracer } from './types.js';

/**
 * Traces every node:http, node:https and node:http2 server of the process, including servers created
 * later (see attachToNewServers for how, and its one limitation). `instrument({ server: true })` does the
 * same inside the client tracer's event stream.
 */
export function instrumentServers(options: InstrumentServerOptions = {}): ServerTracer {
  const tracer = new GlobalServerTracer();
  tracer.onStop(attachToNewServers(tracer, options));
  return tracer;
}

class GlobalServerTracer extends ServerTracerImpl {
  private readonly stops: Array<() => void> = [];

  onStop(fn: () => void): void {
    this.stops.push(fn);
  }

  override stop(): void {
    for (const fn of this.stops.splice(0)) fn();
    super.stop();
  }
}
