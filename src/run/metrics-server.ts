import { writeSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { UNTRACED_SERVER } from '../trace/server/attach-new-servers.js';

/** A scrape is answered within this or dropped (a stuck scraper must not hold a socket). */
const SCRAPE_TIMEOUT_MS = 10_000;

function say(line: string): void {
  try {
    writeSync(2, `connscope: ${line}\n`);
  } catch {
    // stderr closed
  }
}

/**
 * Serves `GET /metrics` (Prometheus text) for `--metrics-port`. It never keeps the app alive (the
 * server and each scrape socket are unref'd) and never breaks it: a port in use is one line on
 * stderr, and the app runs on. connscope's server tracer skips it (UNTRACED_SERVER), so scrapes
 * are not counted as the app's requests. With port 0 the port chosen is said on stderr.
 */
export function serveMetrics(registry: Registry, host: string, port: number): { stop(): void; address(): AddressInfo | undefined } {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('connscope serves /metrics only\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      () => res.writeHead(500).end(),
    );
  });
  Object.defineProperty(server, UNTRACED_SERVER, { value: true });
  server.requestTimeout = SCRAPE_TIMEOUT_MS;
  server.headersTimeout = SCRAPE_TIMEOUT_MS;
  server.on('connection', (socket) => socket.unref());
  server.on('error', (err: NodeJS.ErrnoException) => say(`no /metrics on ${host}:${port}: ${err.code ?? err.message} (the app runs on without it)`));
  server.unref();
  server.listen(port, host, () => {
    if (port === 0) {
      const a = server.address() as AddressInfo;
      say(`metrics on http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`);
    }
  });
  return {
    stop() {
      server.close();
      server.closeAllConnections();
    },
    address: () => (server.listening ? (server.address() as AddressInfo) : undefined),
  };
}
