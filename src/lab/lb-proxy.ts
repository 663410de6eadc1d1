import http from 'node:http';
import { Pool } from 'undici';
import { track, type LabServer } from './servers.js';

export interface LbProxyOptions {
  /** Upstream origin (loopback only). */
  upstream: string;
  /** How long the proxy keeps an idle upstream connection (an AWS ALB keeps 60 s). */
  idleTimeoutMs: number;
  /** Deadline for one upstream exchange; past it the proxy answers 504. */
  upstreamTimeoutMs?: number;
}

export interface LbProxy extends LabServer<http.Server> {
  /** Responses the proxy turned into 502 because the upstream socket failed. */
  readonly badGateways: number;
  readonly idleTimeoutMs: number;
}

/**
 * A reverse proxy like a load balancer: it keeps upstream connections for its own idle timeout and
 * ignores the upstream's Keep-Alive hint (real load balancers do), so an upstream that closes idle
 * connections sooner races it. An upstream socket error becomes a 502, as an ALB answers.
 */
export async function startLbProxy(options: LbProxyOptions): Promise<LbProxy> {
  const pool = new Pool(options.upstream, {
    connections: 8,
    keepAliveTimeout: options.idleTimeoutMs,
    keepAliveMaxTimeout: options.idleTimeoutMs,
    // undici would shorten the idle time to the upstream's hint minus this threshold; a hugely
    // negative threshold makes the hint irrelevant, as it is to a load balancer.
    keepAliveTimeoutThreshold: -1e9,
    headersTimeout: options.upstreamTimeoutMs ?? 5000,
    bodyTimeout: options.upstreamTimeoutMs ?? 5000,
  });
  let badGateways = 0;
  const server = http.createServer((req, res) => {
    // A load balancer does not retry a request it already sent: one upstream attempt only.
    pool
      .request({ path: req.url ?? '/', method: (req.method ?? 'GET') as 'GET', headers: { 'x-forwarded-for': req.socket.remoteAddress ?? '' } })
      .then(async (up) => {
        const body = Buffer.from(await up.body.arrayBuffer());
        res.writeHead(up.statusCode, { 'content-length': body.length });
        res.end(body);
      })
      .catch((err: { code?: string }) => {
        const timeout = err?.code === 'UND_ERR_HEADERS_TIMEOUT' || err?.code === 'UND_ERR_BODY_TIMEOUT';
        if (!timeout) badGateways++;
        const body = timeout ? 'gateway timeout' : 'bad gateway';
        if (!res.headersSent) res.writeHead(timeout ? 504 : 502, { 'content-length': body.length });
        res.end(body);
      });
  });
  // The client side of the proxy stays up longer than the upstream side, as at an ALB.
  server.keepAliveTimeout = options.idleTimeoutMs + 1000;
  server.headersTimeout = options.idleTimeoutMs + 2000;
  const lab = await track(server, 'http', 'connection');
  const close = lab.close;
  // a getter, not Object.assign: assign would copy the count once
  return Object.defineProperties(lab, {
    idleTimeoutMs: { value: options.idleTimeoutMs, enumerable: true },
    badGateways: { get: () => badGateways, enumerable: true },
    close: {
      value: async () => {
        await close();
        await pool.destroy();
      },
    },
  }) as LbProxy;
}
