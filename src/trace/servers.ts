import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { TracerCore } from './core.js';
import { isHttp1Server, isHttp2Server, ServerTracerImpl, type AnyHttpServer } from './server/instrument-server.js';
import type { InstrumentServerOptions } from './server/types.js';
import type { TracerEvents } from './types.js';

const FORWARDED = ['connection', 'request', 'close', 'diagnostic'] as const satisfies readonly (keyof TracerEvents)[];

/**
 * `instrument({ server: true })`: traces every node:http/https/http2 server of the process (as
 * instrumentServers() does: the first socket a server accepts, seen on `net.server.socket`, attaches
 * the tracer to that server) and forwards its events into the client tracer's stream, where the
 * server's records carry source 'server'. Imports only the server tracer's building blocks, never
 * server/global.ts, which imports instrument(): no import cycle.
 */
export function traceServers(core: TracerCore, options: InstrumentServerOptions): () => void {
  const servers = new ServerTracerImpl();
  for (const event of FORWARDED) servers.on(event, (...args: unknown[]) => (core.events.emit as (e: string, ...a: unknown[]) => void)(event, ...args));
  const seen = new WeakSet<object>();
  const onSocket = (message: unknown): void =>
    servers.guard('net.server.socket', () => {
      const socket = (message as { socket?: Socket & { server?: unknown } }).socket;
      const server = socket?.server;
      if (!socket || !server || typeof server !== 'object' || seen.has(server)) return;
      seen.add(server);
      if (!isHttp1Server(server) && !isHttp2Server(server)) return;
      // Published after the server's 'connection' event: this first socket is handed over here.
      servers.attach(server as AnyHttpServer, options).accept(socket);
    });
  diagnostics.subscribe('net.server.socket', onSocket);
  return () => {
    diagnostics.unsubscribe('net.server.socket', onSocket);
    servers.stop();
  };
}
