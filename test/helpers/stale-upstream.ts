import type http from 'node:http';
import { startLatencyProxy, type LatencyProxy } from '../../src/lab/latency-proxy.js';
import { startNginx, type Nginx } from '../probe/nginx-server.js';
import { httpServer, type Served } from './servers.js';

export interface StaleUpstreamTopology {
  /** nginx's URL, what the client talks to. */
  url: string;
  /** The Node backend behind nginx; `connections` is its own accepted-connection count. */
  backend: Served<http.Server>;
  /** Requests the backend answered. */
  readonly answered: number;
  relay: LatencyProxy;
  nginx: Nginx;
  close(): Promise<void>;
}

/**
 * The ALB-502 topology on loopback: client → nginx (upstream keepalive, `keepalive_timeout 60s` in
 * the upstream block) → a TCP relay that delays every chunk `delayMs` each way (src/lab/latency-proxy)
 * → a Node backend with `keepAliveTimeout`. The relay widens the race window: the backend's FIN
 * takes `delayMs` to reach nginx, while a request nginx sends meanwhile on the cached connection
 * takes `delayMs` to reach a backend that has already closed.
 */
export async function startStaleUpstream(options: { backendKeepAliveTimeoutMs: number; delayMs?: number }): Promise<StaleUpstreamTopology> {
  let answered = 0;
  const backend = await httpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      answered++;
      res.end('ok\n');
    });
  });
  backend.server.keepAliveTimeout = options.backendKeepAliveTimeoutMs;
  backend.server.headersTimeout = options.backendKeepAliveTimeoutMs + 1000;
  const relay = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: backend.port, delayMs: options.delayMs ?? 20 });
  let nginx: Nginx;
  try {
    nginx = await startNginx(`
  upstream backend {
    server 127.0.0.1:${relay.port};
    keepalive 8;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:{port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`);
  } catch (err) {
    await relay.close();
    await backend.close();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${nginx.port}/`,
    backend,
    get answered() {
      return answered;
    },
    relay,
    nginx,
    close: async () => {
      await nginx.stop();
      await relay.close();
      await backend.close();
    },
  };
}
