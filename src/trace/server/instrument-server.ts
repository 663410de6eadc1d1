import http from 'node:http';
import https from 'node:https';
import type http2 from 'node:http2';
import type { Socket } from 'node:net';
import { UsageError } from '../../errors.js';
import type { ConnState } from './conn-state.js';
import { SafeEmitter } from './emitter.js';
import { attachHttp1 } from './http1.js';
import { attachHttp2 } from './http2.js';
import type { Attached, InstrumentServerOptions, ServerConnectionCounts, ServerTracer } from './types.js';

export type AnyHttpServer = http.Server | https.Server | http2.Http2Server | http2.Http2SecureServer;

export function isHttp1Server(server: unknown): server is http.Server | https.Server {
  return server instanceof http.Server || server instanceof https.Server;
}

/** http2 servers have no exported class; they are the net/tls servers that emit 'session'. */
export function isHttp2Server(server: unknown): server is http2.Http2Server | http2.Http2SecureServer {
  const name = (server as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name === 'Http2Server' || name === 'Http2SecureServer';
}

class ServerTracerImpl extends SafeEmitter implements ServerTracer {
  readonly open = new Map<Socket, ConnState>();
  private readonly attached: Attached[] = [];
  private stopped = false;

  attach(server: AnyHttpServer, options: InstrumentServerOptions): Attached {
    let a: Attached;
    if (isHttp2Server(server)) a = attachHttp2(server, this, this.open, options);
    else if (isHttp1Server(server)) a = attachHttp1(server, this, this.open, options);
    else throw new UsageError('instrumentServer: expected a node:http, node:https or node:http2 server');
    this.attached.push(a);
    return a;
  }

  get active(): boolean {
    return !this.stopped;
  }

  openConnections() {
    return [...this.open.values()].map((s) => s.record);
  }

  counts(): ServerConnectionCounts {
    let active = 0;
    let requests = 0;
    for (const s of this.open.values()) {
      if (s.inflight > 0) active++;
      requests += s.inflight;
    }
    return { active, idle: this.open.size - active, requests };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.muted = true;
    for (const a of this.attached.splice(0)) a.detach();
    // sockets already tracked keep their listeners until they close; they only flip flags on our state
    this.open.clear();
  }
}

/**
 * Traces a node:http, node:https or node:http2 server from the server's side: one ConnectionRecord
 * (source 'server') per accepted connection, one RequestTrace per request or stream, close reasons.
 */
export function instrumentServer(server: AnyHttpServer, options: InstrumentServerOptions = {}): ServerTracer {
  const tracer = new ServerTracerImpl();
  tracer.attach(server, options);
  return tracer;
}

export { ServerTracerImpl };
