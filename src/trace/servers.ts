import type { TracerCore } from './core.js';
import { attachToNewServers } from './server/attach-new-servers.js';
import { ServerTracerImpl } from './server/instrument-server.js';
import type { InstrumentServerOptions, ServerConnectionCounts } from './server/types.js';
import type { EventSink } from './server/emitter.js';

/**
 * `instrument({ server: true })`: traces every node:http/https/http2 server of the process and
 * forwards its events into the client tracer's stream, where the server's records carry source 'server'.
 */
export function traceServers(core: TracerCore, options: InstrumentServerOptions): { stop: () => void; counts: () => ServerConnectionCounts } {
  const servers = new ServerTracerImpl();
  const loop = core.eventLoop;
  if (loop) servers.seen = (t) => loop.seen(t);
  // the server's events go straight into the client tracer's stream (the same names, one argument each)
  const events = core.events as unknown as EventSink;
  servers.sink = events;
  const detach = attachToNewServers(servers, { sampleRate: core.sampleRate, ...options });
  return {
    stop: () => {
      detach();
      servers.stop();
    },
    counts: () => servers.counts(),
  };
}
