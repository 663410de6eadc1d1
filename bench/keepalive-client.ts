// The closed-loop client the tracer benches drive: one GET at a time per caller over a keep-alive
// undici Pool or node:http Agent, body read to the end. node:http and undici are imported when a
// client is made, so a bench can register instrumentation (OpenTelemetry's require hooks) first.

/** The channels connscope's tracer subscribes to, per client: for the empty-subscriber floor. */
export const TRACER_CHANNELS = {
  undici: ['undici:request:create', 'undici:client:beforeConnect', 'undici:client:connected', 'undici:client:connectError', 'undici:client:sendHeaders', 'undici:request:bodySent', 'undici:request:headers', 'undici:request:trailers', 'undici:request:error'],
  http: ['http.client.request.start', 'http.client.response.finish', 'http.client.request.error'],
} as const;

export type ClientKind = keyof typeof TRACER_CHANNELS;

export interface KeepAliveClient {
  /** One request; resolves once its response body has ended. */
  once(): Promise<void>;
  close(): Promise<void>;
}

export async function keepAliveClient(kind: string, port: number, concurrency: number): Promise<KeepAliveClient> {
  const http = (await import('node:http')).default;
  const { Pool } = await import('undici');
  if (kind === 'undici') {
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });
    return {
      once: async () => {
        const res = await pool.request({ path: '/', method: 'GET' });
        await res.body.dump();
      },
      close: () => pool.close(),
    };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return {
    once: () =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      }),
    close: async () => agent.destroy(),
  };
}

/** Distinct empty subscribers on the tracer's channels (a single shared function could be inlined away). */
export function subscribeEmpty(dc: typeof import('node:diagnostics_channel'), names: readonly string[]): () => void {
  const fns = names.map(() => new Function('m', 'return m === null') as (m: unknown) => void);
  names.forEach((n, i) => dc.subscribe(n, fns[i]!));
  return () => names.forEach((n, i) => dc.unsubscribe(n, fns[i]!));
}
