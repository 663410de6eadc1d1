import type { TracerCore } from './core.js';
import { attachToNewServers } from './server/attach-new-servers.js';
import { ServerTracerImpl } from './server/instrument-server.js';
import type { InstrumentServerOptions, ServerConnectionCounts } from './server/types.js';
import type { TracerEvents } from './types.js';

const FORWARDED = ['connection', 'request', 'close', 'diagnostic', 'tally'] as const satisfies readonly (keyof TracerEvents)[];

/**
 * `instrument({ server: true })`: traces every node:http/https/http2 server of the process and
 * forwards its events into the client tracer's stream, where the server's records carry source 'server'.
 */
export function traceServers(core: TracerCore, options: InstrumentServerOptions): { stop: () => void; counts: () => ServerConnectionCounts } {
  const servers = new ServerTracerImpl();
  // every event carries one argument
  const loop = core.eventLoop;
  if (loop) servers.seen = (t) => loop.seen(t);
  for (const event of FORWARDED) servers.on(event, (arg: unknown) => (core.events.emit as (e: string, a: unknown) => void)(event, arg));
  const detach = attachToNewServers(servers, { sampleRate: core.sampleRate, ...options });
  return {
    stop: () => {
      detach();
      servers.stop();
    },
    counts: () => servers.counts(),
  };
}
