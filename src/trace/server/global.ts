import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { isHttp1Server, isHttp2Server, ServerTracerImpl, type AnyHttpServer } from './instrument-server.js';
import { instrument } from '../instrument.js';
import type { InstrumentOptions, Tracer, TracerEvents } from '../types.js';
import type { InstrumentServerOptions, ServerTracer } from './types.js';

/**
 * Traces every node:http, node:https and node:http2 server of the process, including servers created
 * later: the first socket a server accepts (`net.server.socket`, published right after the server's
 * 'connection' event) attaches the tracer to that server and hands it that socket. Limitation: a plain
 * (non-TLS) http2 server creates its session inside that first 'connection' event, so its first
 * session is not seen.
 */
export function instrumentServers(options: InstrumentServerOptions = {}): ServerTracer {
  const tracer = new GlobalServerTracer();
  const seen = new WeakSet<object>();
  const onSocket = (message: unknown): void =>
    tracer.guard('net.server.socket', () => {
      const socket = (message as { socket?: Socket & { server?: unknown } }).socket;
      const server = socket?.server;
      if (!socket || !server || typeof server !== 'object' || seen.has(server)) return;
      seen.add(server);
      if (!isHttp1Server(server) && !isHttp2Server(server)) return;
      // the channel publishes after the server's 'connection' event: hand this first socket over ourselves
      tracer.attach(server as AnyHttpServer, options).accept(socket);
    });
  diagnostics.subscribe('net.server.socket', onSocket);
  tracer.onStop(() => diagnostics.unsubscribe('net.server.socket', onSocket));
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

export interface InstrumentAllOptions extends InstrumentOptions {
  /** Also trace every node:http/https/http2 server of the process (source 'server' records). */
  server?: boolean | InstrumentServerOptions;
}

/**
 * `instrument()` plus, with `server: true`, `instrumentServers()`: one handle whose events carry both
 * the client's records and the servers' (told apart by `source === 'server'`). Leak detection,
 * pool snapshots and in-flight requests stay the client tracer's.
 */
export function instrumentAll(options: InstrumentAllOptions = {}): Tracer & { readonly server: ServerTracer | undefined } {
  const { server, ...clientOptions } = options;
  const client = instrument(clientOptions);
  const servers = server ? instrumentServers(server === true ? {} : server) : undefined;
  const handle = {
    server: servers,
    get active() {
      return client.active;
    },
    on(event: keyof TracerEvents, listener: (...args: any[]) => void) {
      client.on(event, listener);
      servers?.on(event, listener);
      return handle;
    },
    off(event: keyof TracerEvents, listener: (...args: any[]) => void) {
      client.off(event, listener);
      servers?.off(event, listener);
      return handle;
    },
    poolSnapshot: () => client.poolSnapshot(),
    watchPool: (pool: object) => client.watchPool(pool),
    eventLoopMaxLagMs: () => client.eventLoopMaxLagMs(),
    inflight: () => client.inflight(),
    stop() {
      servers?.stop();
      client.stop();
    },
  };
  return handle as Tracer & { readonly server: ServerTracer | undefined };
}
