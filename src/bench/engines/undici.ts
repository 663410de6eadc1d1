import { performance } from 'node:perf_hooks';
import { Pool, errors, type Dispatcher } from 'undici';
import type { Facts } from '../../model/facts.js';
import { pathOf, requestHeaders, type Engine, type EngineContext, type RequestDone } from '../engine.js';
import type { ResolvedBenchOptions } from '../options.js';
import { DeadlineWatch, type Deadlined } from './deadlines.js';

/** Settings shared by the undici Pool engine and the fetch engine's Agent. */
export function undiciPoolOptions(o: ResolvedBenchOptions): Pool.Options {
  const keepAliveTimeout = o.idleTimeoutMs ?? 4000;
  return {
    connections: o.connections,
    pipelining: o.pipelining,
    keepAliveTimeout,
    // a user-chosen idle timeout is an upper bound; the server's Keep-Alive hint can still lower it
    keepAliveMaxTimeout: o.idleTimeoutMs ?? 600_000,
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
  private readonly deadlines: DeadlineWatch;

  constructor(private readonly ctx: EngineContext) {
    const o = ctx.options;
    // the same header and body deadlines, kept by one sweeper instead of a timer object per request
    this.pool = new Pool(o.url.origin, { ...undiciPoolOptions(o), headersTimeout: 0, bodyTimeout: 0 });
    this.deadlines = new DeadlineWatch(o.timeoutMs);
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
    this.pool.dispatch(this.dispatchOptions, new BenchHandler(done, this.ctx.options.discardBody, this.deadlines) as unknown as Dispatcher.DispatchHandler);
  }

  async close(): Promise<void> {
    this.deadlines.stop();
    await this.pool.destroy().catch(() => undefined);
  }
}

/**
 * undici's callback handler API, one object per request (no closures, no body stream): the
 * garbage per request stays small at tens of thousands of requests per second. Deadlines as
 * undici's headersTimeout (from the write until the headers) and bodyTimeout (between chunks).
 */
class BenchHandler implements Deadlined {
  private status = 0;
  private abort: ((reason?: Error) => void) | undefined = undefined;
  slot = -1;
  since = 0;

  constructor(
    private readonly done: RequestDone,
    private readonly discard: boolean,
    private readonly deadlines: DeadlineWatch,
  ) {}

  onConnect(abort: (reason?: Error) => void): void {
    this.abort = abort;
    this.since = performance.now();
    this.deadlines.watch(this);
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    if (this.discard) {
      // the body is never read: the connection stays taken, as with an unconsumed response
      // (undici's bodyTimeout does not fire on a paused response either)
      this.deadlines.unwatch(this);
      this.done(statusCode, undefined);
      return false;
    }
    this.since = performance.now();
    return true;
  }

  onData(): boolean {
    this.since = performance.now();
    return true;
  }

  onComplete(): void {
    this.deadlines.unwatch(this);
    if (!this.discard) this.done(this.status, undefined);
  }

  onError(err: Error): void {
    this.deadlines.unwatch(this);
    this.done(this.status || undefined, err);
  }

  expire(): void {
    this.abort?.(this.status === 0 ? new errors.HeadersTimeoutError() : new errors.BodyTimeoutError());
  }
}
