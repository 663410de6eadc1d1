import { UsageError } from '../errors.js';

export const CLIENT_KINDS = ['undici', 'http', 'fetch', 'h2', 'raw'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** Progress of a running bench, reported a few times per second. */
export interface BenchProgress {
  phase: 'warmup' | 'run';
  elapsedMs: number;
  /** Planned duration (ms) or undefined for a count-bounded run. */
  durationMs?: number;
  requests: number;
  /** Planned request count, for a count-bounded run. */
  totalRequests?: number;
  errors: number;
  /** Requests per second over the last progress interval. */
  currentRate: number;
}

export interface BenchOptions {
  url: string | URL;
  /** Client stack that carries the load (default undici). */
  client?: ClientKind;
  /** Requests in flight at once (closed model) or the cap on outstanding requests (open model). Default 10. */
  concurrency?: number;
  /** Stop after this many requests. */
  requests?: number;
  /** Stop after this long (ms). Default 10 s when neither requests nor duration is given. */
  durationMs?: number;
  /** Open model: send this many requests per second, latency measured from the intended send time. */
  rate?: number;
  /** Run this long first (same settings, same pool) and discard its numbers. */
  warmupMs?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Pool size: undici connections, Agent maxSockets, h2 sessions, raw sockets. Default: concurrency. */
  connections?: number;
  /** Keep connections alive between requests (default true). */
  keepAlive?: boolean;
  /** Client idle timeout (ms): undici keepAliveTimeout, Agent socket timeout, raw/h2 idle close. */
  idleTimeoutMs?: number;
  /** HTTP/1.1 pipelining depth (undici, raw). Default 1. */
  pipelining?: number;
  /** Client-side cap on concurrent streams per HTTP/2 session. */
  maxConcurrentStreams?: number;
  /** TLS sessions kept for resumption (0 turns the cache off). Default 100. */
  tlsSessionCache?: number;
  /** Never read response bodies (reproduces the unread-body leak; undici/http/fetch). */
  discardBody?: boolean;
  /** PEM trust anchors added to the defaults. */
  ca?: string | Buffer;
  /** Skip certificate verification (explicit opt-in only). */
  insecure?: boolean;
  /** Per-request deadline (ms). Default 10 s. */
  timeoutMs?: number;
  /** Deadline for the first connection check (ms). Default 5 s. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: BenchProgress) => void;
  /** How often onProgress is called (ms). Default 250. */
  progressIntervalMs?: number;
  /** Diagnose with these thresholds. */
  thresholds?: Partial<import('../diagnose/thresholds.js').Thresholds>;
}

export const LIMITS = {
  maxDurationMs: 3_600_000,
  maxRequests: 100_000_000,
  maxConcurrency: 10_000,
  maxConnections: 10_000,
  maxRate: 1_000_000,
  maxPipelining: 256,
  maxWarmupMs: 600_000,
  defaultDurationMs: 10_000,
  defaultConcurrency: 10,
  defaultTimeoutMs: 10_000,
  defaultConnectTimeoutMs: 5_000,
} as const;

/** Options after validation, every default filled in. */
export interface ResolvedBenchOptions {
  url: URL;
  client: ClientKind;
  concurrency: number;
  requests?: number;
  durationMs: number;
  rate?: number;
  warmupMs: number;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  connections: number;
  keepAlive: boolean;
  idleTimeoutMs?: number;
  pipelining: number;
  maxConcurrentStreams?: number;
  tlsSessionCache: number;
  discardBody: boolean;
  ca?: string | Buffer;
  insecure: boolean;
  timeoutMs: number;
  connectTimeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (p: BenchProgress) => void;
  progressIntervalMs: number;
  thresholds?: BenchOptions['thresholds'];
}

function positiveInt(name: string, v: number | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new UsageError(`${name} must be an integer from 1 to ${max}, got ${v}`);
  return v;
}

function nonNegative(name: string, v: number | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v < 0 || v > max) throw new UsageError(`${name} must be a number from 0 to ${max}, got ${v}`);
  return v;
}

/** Validates options and fills defaults; throws UsageError with one clear line. */
export function resolveOptions(o: BenchOptions): ResolvedBenchOptions {
  let url: URL;
  try {
    url = o.url instanceof URL ? o.url : new URL(o.url);
  } catch {
    throw new UsageError(`not a valid URL: ${String(o.url).replace(/\/\/[^/@\s]+@/, '//***@')}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`unsupported scheme ${url.protocol} (use http: or https:)`);
  const client = o.client ?? 'undici';
  if (!CLIENT_KINDS.includes(client)) throw new UsageError(`unknown client "${String(client)}" (use ${CLIENT_KINDS.join(', ')})`);
  const concurrency = positiveInt('concurrency', o.concurrency, LIMITS.maxConcurrency) ?? LIMITS.defaultConcurrency;
  const requests = positiveInt('requests', o.requests, LIMITS.maxRequests);
  const durationMs = nonNegative('duration', o.durationMs, LIMITS.maxDurationMs);
  if (durationMs === 0) throw new UsageError('duration must be above 0');
  const rate = nonNegative('rate', o.rate, LIMITS.maxRate);
  if (rate === 0) throw new UsageError('rate must be above 0');
  // one HTTP/2 session carries many streams; HTTP/1.1 needs a socket per request in flight
  const connections = positiveInt('connections', o.connections, LIMITS.maxConnections) ?? (client === 'h2' ? 1 : concurrency);
  const pipelining = positiveInt('pipelining', o.pipelining, LIMITS.maxPipelining) ?? 1;
  const maxConcurrentStreams = positiveInt('max-concurrent-streams', o.maxConcurrentStreams, 2 ** 31 - 1);
  const tlsSessionCache = nonNegative('tls-session-cache', o.tlsSessionCache, 1_000_000) ?? 100;
  if (!Number.isInteger(tlsSessionCache)) throw new UsageError('tls-session-cache must be an integer');
  const idleTimeoutMs = nonNegative('idle-timeout', o.idleTimeoutMs, LIMITS.maxDurationMs);
  const method = (o.method ?? (o.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`invalid method "${method}"`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new UsageError(`invalid header name "${k}"`);
    if (/[\r\n]/.test(v)) throw new UsageError(`invalid value for header "${k}"`);
    headers[k.toLowerCase()] = v;
  }
  if (client === 'raw' && o.discardBody) throw new UsageError('--discard-body applies to the undici, http, fetch and h2 clients; raw always reads bodies');
  if (o.client === 'h2' && o.pipelining !== undefined && o.pipelining > 1) throw new UsageError('--pipelining applies to HTTP/1.1 clients, not h2');
  return {
    url,
    client,
    concurrency,
    requests,
    // a count-bounded run still gets a time bound so a stuck server cannot hold it forever
    durationMs: durationMs ?? (requests !== undefined ? LIMITS.maxDurationMs : LIMITS.defaultDurationMs),
    rate,
    warmupMs: nonNegative('warmup', o.warmupMs, LIMITS.maxWarmupMs) ?? 0,
    method,
    headers,
    body: o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body),
    connections,
    keepAlive: o.keepAlive ?? true,
    idleTimeoutMs,
    pipelining,
    maxConcurrentStreams,
    tlsSessionCache,
    discardBody: o.discardBody ?? false,
    ca: o.ca,
    insecure: o.insecure ?? false,
    timeoutMs: positiveInt('timeout', o.timeoutMs, LIMITS.maxDurationMs) ?? LIMITS.defaultTimeoutMs,
    connectTimeoutMs: positiveInt('connect-timeout', o.connectTimeoutMs, LIMITS.maxDurationMs) ?? LIMITS.defaultConnectTimeoutMs,
    signal: o.signal,
    onProgress: o.onProgress,
    progressIntervalMs: positiveInt('progress interval', o.progressIntervalMs, 60_000) ?? 250,
    thresholds: o.thresholds,
  };
}

/** Parses '500ms', '2s', '1.5m', '1h' or a bare number of seconds into milliseconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`invalid ${what} "${text}" (use e.g. 500ms, 10s, 2m)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return n * factor;
}
