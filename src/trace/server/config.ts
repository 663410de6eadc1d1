import type { Facts } from '../../model/facts.js';
import type { Finding } from '../../model/finding.js';
import { runRules } from '../../diagnose/engine.js';
import { serverKeepaliveBelowLb } from '../../diagnose/server-keepalive-below-lb.js';
import { serverHeadersTimeout } from '../../diagnose/server-headers-timeout.js';
import { serverRequestTimeoutMissing } from '../../diagnose/server-request-timeout-missing.js';
import { isHttp1Server, type AnyHttpServer } from './instrument-server.js';

/** A server's connection timeouts in milliseconds (0 = off), as given on the command line or read from a server. */
export interface ServerConfig {
  keepAliveTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Idle timeout of the load balancer or proxy in front (AWS ALB: 60000 by default). */
  lbIdleTimeoutMs?: number;
}

/** Node's http.Server defaults (Node 18+). */
export const NODE_SERVER_DEFAULTS = { keepAliveTimeoutMs: 5_000, headersTimeoutMs: 60_000, requestTimeoutMs: 300_000 } as const;

export interface CheckServerOptions {
  lbIdleTimeoutMs?: number;
}

/** Reads the timeouts of a live node:http/https server, or passes a plain config through, as Facts.server. */
export function serverConfigFacts(source: AnyHttpServer | ServerConfig, options: CheckServerOptions = {}): NonNullable<Facts['server']> {
  const out: NonNullable<Facts['server']> = {};
  if (isHttp1Server(source)) {
    out.keepAliveTimeoutMs = source.keepAliveTimeout;
    out.headersTimeoutMs = source.headersTimeout;
    out.requestTimeoutMs = source.requestTimeout;
  } else if (!isServerLike(source)) {
    const c = source as ServerConfig;
    if (c.keepAliveTimeoutMs !== undefined) out.keepAliveTimeoutMs = c.keepAliveTimeoutMs;
    if (c.headersTimeoutMs !== undefined) out.headersTimeoutMs = c.headersTimeoutMs;
    if (c.requestTimeoutMs !== undefined) out.requestTimeoutMs = c.requestTimeoutMs;
    if (c.lbIdleTimeoutMs !== undefined) out.lbIdleTimeoutMs = c.lbIdleTimeoutMs;
  }
  if (options.lbIdleTimeoutMs !== undefined) out.lbIdleTimeoutMs = options.lbIdleTimeoutMs;
  return out;
}

function isServerLike(x: unknown): boolean {
  return typeof (x as { listen?: unknown }).listen === 'function';
}

const CONFIG_RULES = [serverKeepaliveBelowLb, serverHeadersTimeout, serverRequestTimeoutMissing];

/**
 * Checks a server's timeouts: keepAliveTimeout above the load balancer's idle timeout, headersTimeout
 * above keepAliveTimeout, requestTimeout set. http2 servers have none of these settings and give no findings.
 */
export function checkServer(source: AnyHttpServer | ServerConfig, options: CheckServerOptions = {}): Finding[] {
  const facts: Facts = { server: serverConfigFacts(source, options) };
  return runRules(CONFIG_RULES, { connections: new Map(), requests: [], facts });
}
