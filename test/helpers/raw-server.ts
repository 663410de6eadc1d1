import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RawServer {
  port: number;
  origin: string;
  readonly connections: number;
  close(): Promise<void>;
}

/** A raw TCP server on 127.0.0.1 where the test controls every byte. */
export async function rawServer(onSocket: (s: net.Socket) => void): Promise<RawServer> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}
