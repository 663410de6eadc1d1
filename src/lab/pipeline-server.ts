import net from 'node:net';
import { track, type LabServer } from './servers.js';

export interface PipelineServerOptions {
  /** Close the connection right after this many responses, without `Connection: close`. */
  closeAfter: number;
}

/**
 * A raw HTTP/1.1 server that closes a connection after N responses without announcing it, as a
 * server enforcing a per-connection request cap or an idle close does; requests a client had
 * already pipelined behind the last answered one are dropped unanswered.
 */
export function startPipelineServer(options: PipelineServerOptions): Promise<LabServer<net.Server>> {
  const server = net.createServer((socket) => {
    let pending = '';
    let served = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      if (served >= options.closeAfter) return;
      pending += chunk.toString('latin1');
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0 && served < options.closeAfter) {
        pending = pending.slice(end + 4);
        served++;
        server.emit('request');
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok');
        if (served >= options.closeAfter) socket.end();
      }
    });
  });
  return track(server, 'http', 'connection');
}
