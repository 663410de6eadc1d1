import { rawServer, type RawServer } from '../helpers/raw-server.js';

export type { RawServer };

/**
 * A keep-alive HTTP/1.1 server written on raw sockets that answers the first request of every
 * connection and hangs up (FIN, or RST with `reset`) when a second request arrives on it: the
 * stale-socket race made deterministic.
 */
export async function oneShotServer(options: { reset?: boolean } = {}): Promise<RawServer> {
  return rawServer((s) => {
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
}
