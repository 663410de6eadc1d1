import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RawServer {
  port: number;
  origin: string;
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A keep-alive HTTP/1.1 server written on raw sockets that answers the first request of every
 * connection and hangs up (FIN, or RST with `reset`) when a second request arrives on it: the
 * stale-socket race made deterministic.
 */
export async function oneShotServer(options: { reset?: boolean } = {}): Promise<RawServer> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let served = 0;
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      while (buf.includes('\r\n\r\n')) {
        buf = buf.slice(buf.indexOf('\r\n\r\n') + 4);
        if (served++ === 0) {
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=30\r\n\r\nok');
        } else {
          if (options.reset) s.resetAndDestroy();
          else s.destroy();
          return;
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
