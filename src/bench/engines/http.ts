import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { TimeoutError } from '../../errors.js';
import type { Facts } from '../../model/facts.js';
import { pathOf, requestHeaders, type Engine, type EngineContext, type RequestDone } from '../engine.js';

/** node:http(s) with one Agent (keepAlive, maxSockets = --connections, timeout = --idle-timeout). */
export class HttpEngine implements Engine {
  readonly kind = 'http' as const;
  readonly selfAccounting = false;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;
  private readonly base: http.RequestOptions;
  private readonly inflight = new Set<http.ClientRequest>();
  private closed = false;

  constructor(private readonly ctx: EngineContext) {
    const o = ctx.options;
    const secure = o.url.protocol === 'https:';
    const agentOptions: https.AgentOptions = { keepAlive: o.keepAlive, maxSockets: o.connections, scheduling: 'lifo' };
    if (o.idleTimeoutMs !== undefined) agentOptions.timeout = o.idleTimeoutMs;
    if (secure) {
      agentOptions.ca = o.ca;
      agentOptions.rejectUnauthorized = !o.insecure;
      agentOptions.maxCachedSessions = o.tlsSessionCache;
    }
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    this.request = secure ? https.request : http.request;
    const host = o.url.hostname.startsWith('[') ? o.url.hostname.slice(1, -1) : o.url.hostname;
    const headers = requestHeaders(o);
    if (o.body !== undefined) headers['content-length'] = String(o.body.length);
    // an Agent without keepAlive still hands a socket to a queued request, so ask the server to close
    if (!o.keepAlive) headers.connection = 'close';
    this.base = {
      agent: this.agent,
      host,
      port: o.url.port || (secure ? 443 : 80),
      path: pathOf(o.url),
      method: o.method,
      headers,
      auth: o.url.username ? `${decodeURIComponent(o.url.username)}:${decodeURIComponent(o.url.password)}` : undefined,
    };
    if (secure && !net.isIP(host)) (this.base as https.RequestOptions).servername = host;
  }

  facts(): Facts {
    const o = this.ctx.options;
    const f: Facts = { keepAliveEnabled: o.keepAlive, poolSize: o.connections };
    if (o.idleTimeoutMs !== undefined) f.clientIdleTimeoutMs = o.idleTimeoutMs;
    if (o.url.protocol === 'https:') f.tls = { clientSessionCacheSize: o.tlsSessionCache, resumptionAttempted: o.tlsSessionCache > 0 };
    return f;
  }

  send(done: RequestDone): void {
    const o = this.ctx.options;
    if (this.closed) return;
    const req = this.request(this.base, (res) => {
      const status = res.statusCode;
      if (o.discardBody) {
        // never read: the socket stays assigned to this response
        done(status, undefined);
        return;
      }
      res.on('end', () => done(status, undefined));
      res.on('error', (err) => done(undefined, err));
      res.resume();
    });
    req.setTimeout(o.timeoutMs, () => req.destroy(new TimeoutError(`no response within ${o.timeoutMs} ms`)));
    req.on('error', (err) => done(undefined, err));
    this.inflight.add(req);
    req.on('close', () => this.inflight.delete(req));
    req.end(o.body);
  }

  async close(): Promise<void> {
    // queued requests first: destroying only the agent's sockets would hand them fresh ones
    this.closed = true;
    const queued = (this.agent as unknown as { requests: Record<string, unknown[]> }).requests;
    for (const name of Object.keys(queued)) delete queued[name];
    for (const req of this.inflight) req.destroy();
    this.inflight.clear();
    this.agent.destroy();
  }
}
