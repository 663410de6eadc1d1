import { Agent } from 'undici';
import type { Facts } from '../../model/facts.js';
import { requestHeaders, type Engine, type EngineContext, type RequestDone } from '../engine.js';
import { undiciFacts, undiciPoolOptions } from './undici.js';

/** Node's global fetch with an undici Agent as its dispatcher (the way applications tune fetch). */
export class FetchEngine implements Engine {
  readonly kind = 'fetch' as const;
  readonly selfAccounting = false;
  private readonly agent: Agent;
  private readonly init: RequestInit;
  private readonly url: string;

  constructor(private readonly ctx: EngineContext) {
    const o = ctx.options;
    this.agent = new Agent(undiciPoolOptions(o));
    const headers = requestHeaders(o);
    if (!o.keepAlive) headers.connection = 'close';
    const u = new URL(o.url);
    if (u.username || u.password) {
      headers.authorization ??= `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
      u.username = '';
      u.password = '';
    }
    this.url = u.toString();
    this.init = { method: o.method, headers, body: o.body, dispatcher: this.agent as unknown as RequestInit['dispatcher'] };
  }

  facts(): Facts {
    return undiciFacts(this.ctx.options);
  }

  send(done: RequestDone): void {
    const o = this.ctx.options;
    // deadlines come from the dispatcher (connect timeout, headersTimeout, bodyTimeout): no timer per request
    fetch(this.url, this.init).then(
      (res) => {
        if (o.discardBody) return done(res.status, undefined);
        drain(res.body).then(
          () => done(res.status, undefined),
          (err) => done(undefined, err),
        );
      },
      (err) => done(undefined, err),
    );
  }

  async close(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }
}

/**
 * Reads a body to its end and drops every chunk: arrayBuffer() would keep an endless body in memory
 * for as long as it flows (undici's bodyTimeout only fires on a stall).
 */
async function drain(body: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  while (!(await reader.read()).done);
}
