import { subscribeChannel, type ChannelMessages } from '../channels.js';
import { isHttp1Server, isHttp2Server, type AnyHttpServer, type ServerTracerImpl } from './instrument-server.js';
import type { InstrumentServerOptions } from './types.js';

/**
 * A server carrying this key is never traced: connscope's own /metrics server (src/run/metrics-server.ts),
 * whose scrapes would otherwise count as the app's requests.
 */
export const UNTRACED_SERVER = Symbol.for('connscope.untraced-server');

/**
 * Attaches a server tracer to every node:http/https/http2 server of the process, including servers
 * created later: the first socket a server accepts (`net.server.socket`, published right after the
 * server's 'connection' event) attaches the tracer to that server and hands it that socket.
 * Limitation: a plain (non-TLS) http2 server creates its session inside that first 'connection'
 * event, so its first session is not seen. Returns the unsubscribe function.
 */
export function attachToNewServers(tracer: ServerTracerImpl, options: InstrumentServerOptions): () => void {
  const seen = new WeakSet<object>();
  const onSocket = (message: ChannelMessages['net.server.socket']): void =>
    tracer.guard('net.server.socket', () => {
      const socket = message.socket;
      const server = socket?.server;
      if (!socket || !server || typeof server !== 'object' || seen.has(server)) return;
      seen.add(server);
      if (UNTRACED_SERVER in server) return;
      if (!isHttp1Server(server) && !isHttp2Server(server)) return;
      tracer.attach(server as AnyHttpServer, options).accept(socket);
    });
  return subscribeChannel('net.server.socket', onSocket);
}
