import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { isHttp1Server, isHttp2Server, ServerTracerImpl, type AnyHttpServer } from './instrument-server.js';
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
