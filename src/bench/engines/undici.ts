import { Pool, type Dispatcher } from 'undici';
import type { Facts } from '../../model/facts.js';
import { pathOf, requestHeaders, type Engine, type EngineContext, type RequestDone } from '../engine.js';
import type { ResolvedBenchOptions } from '../options.js';

/** Settings shared by the undici Pool engine and the fetch engine's Agent. */
export function undiciPoolOptions(o: ResolvedBenchOptions): Pool.Options {
  const keepAliveTimeout = o.idleTimeoutMs ?? 4000;
  return {
    connections: o.connections,
    pipelining: o.pipelining,
    keepAliveTimeout,
    // a user-chosen idle timeout is an upper bound; the server's Keep-Alive hint can still lower it
    keepAliveMaxTimeout: Math.max(keepAliveTimeout, 600_000),
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
    connect: {
      ca: o.ca,
      rejectUnauthorized: !o.insecure,
      maxCachedSessions: o.tlsSessionCache,
      timeout: o.connectTimeoutMs,
    },
  };
}

export function undiciFacts(o: ResolvedBenchOptions): Facts {
  const f: Facts = { keepAliveEnabled: o.keepAlive, poolSize: o.connections, clientIdleTimeoutMs: o.idleTimeoutMs ?? 4000 };
  if (o.url.protocol === 'https:') f.tls = { clientSessionCacheSize: o.tlsSessionCache, resumptionAttempted: o.tlsSessionCache > 0 };
  return f;
}

/** undici Pool (one origin), driven through dispatch() so no stream objects are made per request. */
export class UndiciEngine implements Engine {
  readonly kind = 'undici' as const;
  readonly selfAccounting = false;
  private readonly pool: Pool;
  private readonly dispatchOptions: Dispatcher.DispatchOptions;

  constructor(private readonly ctx: EngineContext) {
    const o = ctx.options;
    this.pool = new Pool(o.url.origin, undiciPoolOptions(o));
    const headers = requestHeaders(o);
    if (!o.keepAlive) headers.connection = 'close';
    this.dispatchOptions = { path: pathOf(o.url), method: o.method as Dispatcher.HttpMethod, headers, body: o.body, reset: !o.keepAlive };
    if (o.url.username || o.url.password) {
      headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(o.url.username)}:${decodeURIComponent(o.url.password)}`).toString('base64')}`;
    }
  }

  facts(): Facts {
    return undiciFacts(this.ctx.options);
  }

  send(done: RequestDone): void {
    const discard = this.ctx.options.discardBody;
    let status = 0;
    // the callback handler API: no stream objects per request (Pool.dispatch does not unwrap the controller API)
    const handler = {
      onConnect() {},
      onHeaders(statusCode: number) {
        status = statusCode;
        if (discard) {
          // the body is never read: the connection stays taken, as with an unconsumed response
          done(statusCode, undefined);
          return false;
        }
        return true;
      },
      onData() {
        return true;
      },
      onComplete() {
        if (!discard) done(status, undefined);
      },
      onError(err: Error) {
        done(status || undefined, err);
      },
    };
    this.pool.dispatch(this.dispatchOptions, handler as unknown as Dispatcher.DispatchHandler);
  }

  async close(): Promise<void> {
    await this.pool.destroy().catch(() => undefined);
  }
}
