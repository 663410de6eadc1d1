import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';

/**
 * Client loops for lab workloads. They swallow request failures on purpose: the tracer records
 * every failure, and the failures are what a scenario measures.
 */

export type Outcome = { status: number } | { error: string };

function codeOf(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown };
  return typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'UNKNOWN';
}

/** One GET through an undici dispatcher; the body is read unless `consume` is false. */
export async function undiciGet(dispatcher: Dispatcher, origin: string, path: string, signal: AbortSignal): Promise<Outcome> {
  try {
    const res = await dispatcher.request({ origin, path, method: 'GET', signal });
    await res.body.dump({ limit: Infinity, signal });
    return { status: res.statusCode };
  } catch (err) {
    return { error: codeOf(err) };
  }
}

export interface NodeGetOptions {
  agent: http.Agent | https.Agent;
  signal: AbortSignal;
  /** Leave the body unread (the socket stays taken until the request is destroyed). */
  consume?: boolean;
  ca?: string;
  ALPNProtocols?: string[];
}

/**
 * One GET with node:http(s). Resolves at the response's end, or — when the body is left unread —
 * at the headers, keeping the request alive until the signal aborts it.
 */
export function nodeGet(url: string, options: NodeGetOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    let settled = false;
    const done = (o: Outcome): void => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    const requestOptions: https.RequestOptions & { ALPNProtocols?: string[] } = { agent: options.agent, signal: options.signal, ca: options.ca };
    // passed through to tls.connect; @types/node leaves it off the request options
    if (options.ALPNProtocols) requestOptions.ALPNProtocols = options.ALPNProtocols;
    const req = mod.get(url, requestOptions, (res) => {
      if (options.consume === false) {
        done({ status: res.statusCode ?? 0 });
        return;
      }
      res.on('error', (err) => done({ error: codeOf(err) }));
      res.on('end', () => done({ status: res.statusCode ?? 0 }));
      res.resume();
    });
    req.on('error', (err) => done({ error: codeOf(err) }));
  });
}

/** Runs `fn` once per gap, sleeping the gap (ms) before each call; the first call runs at once. */
export async function paced<T>(gapsMs: readonly number[], signal: AbortSignal, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < gapsMs.length; i++) {
    if (signal.aborted) break;
    if (gapsMs[i]! > 0) await sleep(gapsMs[i]!, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) break;
    out.push(await fn(i));
  }
  return out;
}

/** Runs `total` calls with at most `concurrency` in flight. */
export async function inParallel<T>(total: number, concurrency: number, signal: AbortSignal, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total && !signal.aborted) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return out;
}

/** An HTTP/2 client that reopens its session when the server sends GOAWAY, as pooled clients do. */
export class H2Client {
  private session: http2.ClientHttp2Session | undefined;
  /** GOAWAY frames received. */
  goaways = 0;
  sessionsOpened = 0;
  /** Server's SETTINGS_MAX_CONCURRENT_STREAMS on the last session. */
  maxConcurrentStreams: number | undefined;
  private readonly opened = new Set<http2.ClientHttp2Session>();
  /** Creation and close times of every stream, in creation order. */
  readonly streams: Array<{ created: number; closed?: number }> = [];

  constructor(private readonly origin: string, private readonly ca: string) {}

  private current(): http2.ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = http2.connect(this.origin, { ca: this.ca });
    this.sessionsOpened++;
    this.opened.add(session);
    session.on('error', () => undefined);
    session.on('remoteSettings', (s) => {
      this.maxConcurrentStreams = s.maxConcurrentStreams;
    });
    session.on('goaway', () => {
      this.goaways++;
      if (this.session === session) this.session = undefined;
    });
    session.on('close', () => {
      this.opened.delete(session);
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }

  get(path: string, signal: AbortSignal): Promise<Outcome> {
    return new Promise((resolve) => {
      let stream: http2.ClientHttp2Stream;
      try {
        stream = this.current().request({ ':path': path, ':method': 'GET' }, { signal });
      } catch (err) {
        resolve({ error: codeOf(err) });
        return;
      }
      const times: { created: number; closed?: number } = { created: performance.now() };
      this.streams.push(times);
      stream.on('close', () => {
        times.closed = performance.now();
      });
      let status = 0;
      stream.on('response', (h) => {
        status = Number(h[':status']);
      });
      stream.on('error', (err) => resolve({ error: codeOf(err) }));
      stream.on('end', () => resolve({ status }));
      stream.on('close', () => resolve(status ? { status } : { error: 'ERR_HTTP2_STREAM_CLOSED' }));
      stream.resume();
    });
  }

  /**
   * Streams held back by the peer's concurrent-stream limit, and the time they waited (ms, summed).
   * nghttp2 keeps streams above the limit and sends them in submission order without telling Node
   * when, so a stream's send time is when the stream `limit` places ahead of it closed. The tracer
   * times such a stream from its creation (the wait shows in `wait`): this is the observation the
   * stats add to the blocked share (facts.http2.queuedMs).
   */
  queuedTime(limit: number): { queued: number; ms: number } {
    let ms = 0;
    let queued = 0;
    this.streams.forEach((s, k) => {
      if (s.closed === undefined) return;
      const ahead = k >= limit ? this.streams[k - limit]!.closed : undefined;
      const sent = ahead !== undefined && ahead > s.created ? ahead : s.created;
      if (sent > s.created) queued++;
      ms += sent - s.created;
    });
    return { queued, ms };
  }

  close(): void {
    for (const s of this.opened) s.close();
  }
}
