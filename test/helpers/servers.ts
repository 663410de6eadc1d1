import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { makeCertChain, type CertChain, type CertChainOptions } from '../../src/lab/certs.js';

/** A listening server plus the server-side connection count (the ground truth for reuse). */
export interface Served<S extends net.Server> {
  server: S;
  port: number;
  origin: string;
  /** TCP connections the server accepted. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function listen<S extends net.Server>(server: S, scheme: string, host = '127.0.0.1'): Promise<Served<S>> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const event = server instanceof https.Server ? 'secureConnection' : 'connection';
  server.on(event, (s: net.Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    origin: `${scheme}://${host}:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export function httpServer(handler: http.RequestListener, options: http.ServerOptions = {}): Promise<Served<http.Server>> {
  return listen(http.createServer(options, handler), 'http');
}

let cachedChain: Promise<CertChain> | undefined;
/** One CA → intermediate → leaf chain per test process (generation costs a few ms). */
export function testChain(options?: CertChainOptions): Promise<CertChain> {
  if (options) return makeCertChain(options);
  cachedChain ??= makeCertChain();
  return cachedChain;
}

export async function httpsServer(
  handler: http.RequestListener,
  options: https.ServerOptions = {},
  chain?: CertChain,
): Promise<Served<https.Server> & { chain: CertChain }> {
  const c = chain ?? (await testChain());
  const served = await listen(https.createServer({ key: c.keyPem, cert: c.chainPem, ...options }, handler), 'https');
  return Object.assign(served, { chain: c });
}
