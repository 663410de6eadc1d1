import { OptionError, UsageError } from '../errors.js';
import { formatDuration } from '../options/grammar.js';

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
  /** PEM CA certificates to trust: they replace Node's bundled roots and NODE_EXTRA_CA_CERTS, like curl --cacert. */
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

/**
 * The resolved options a run reports back in its result and JSON (`settings`), in this order; with
 * the URL, credentials removed. Absent optional ones are left out.
 */
export const SETTINGS_KEYS = [
  'client',
  'concurrency',
  'connections',
  'durationMs',
  'warmupMs',
  'method',
  'keepAlive',
  'pipelining',
  'tlsSessionCache',
  'discardBody',
  'insecure',
  'requests',
  'rate',
  'idleTimeoutMs',
  'maxConcurrentStreams',
] as const satisfies ReadonlyArray<keyof ResolvedBenchOptions>;

/** The settings a run used, safe to print: the SETTINGS_KEYS of the resolved options, the URL as a redacted string. */
export type BenchSettings = Pick<ResolvedBenchOptions, (typeof SETTINGS_KEYS)[number]> & { url: string };

// Errors name the option keys of BenchOptions; the CLI renames them to its flags (cli/options/flags.ts).

function positiveInt(key: keyof BenchOptions, v: number | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1 || v > max) throw new OptionError(key, v, `an integer from 1 to ${max}`);
  return v;
}

function nonNegative(key: keyof BenchOptions, v: number | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isFinite(v) || v < 0 || v > max) throw new OptionError(key, v, `a number from 0 to ${max}`);
  return v;
}

/** A duration in ms from 0 (or 1 with `positive`) to `max`; the expectation is written as the CLI would take it. */
function durationMs(key: keyof BenchOptions, v: number | undefined, max: number, positive = false): number | undefined {
  if (v === undefined) return undefined;
  const min = positive ? 1 : 0;
  if (!Number.isFinite(v) || v < min || v > max) throw new OptionError(key, v, `a duration from ${formatDuration(min)} to ${formatDuration(max)}`);
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
  if (!CLIENT_KINDS.includes(client)) throw new OptionError('client', client, `one of ${CLIENT_KINDS.join(', ')}`);
  const concurrency = positiveInt('concurrency', o.concurrency, LIMITS.maxConcurrency) ?? LIMITS.defaultConcurrency;
  const requests = positiveInt('requests', o.requests, LIMITS.maxRequests);
  const duration = durationMs('durationMs', o.durationMs, LIMITS.maxDurationMs, true);
  const rate = o.rate;
  if (rate !== undefined && !(rate > 0 && rate <= LIMITS.maxRate)) throw new OptionError('rate', rate, `requests per second, above 0 and at most ${LIMITS.maxRate}`);
  // one HTTP/2 session carries many streams; HTTP/1.1 needs a socket per request in flight
  const connections = positiveInt('connections', o.connections, LIMITS.maxConnections) ?? (client === 'h2' ? 1 : concurrency);
  const pipelining = positiveInt('pipelining', o.pipelining, LIMITS.maxPipelining) ?? 1;
  const maxConcurrentStreams = positiveInt('maxConcurrentStreams', o.maxConcurrentStreams, 2 ** 31 - 1);
  const tlsSessionCache = nonNegative('tlsSessionCache', o.tlsSessionCache, 1_000_000) ?? 100;
  if (!Number.isInteger(tlsSessionCache)) throw new OptionError('tlsSessionCache', tlsSessionCache, 'an integer from 0 to 1000000');
  const idleTimeoutMs = durationMs('idleTimeoutMs', o.idleTimeoutMs, LIMITS.maxDurationMs);
  const method = (o.method ?? (o.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new OptionError('method', method, 'an HTTP method (letters only)');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new UsageError(`invalid header name "${k}"`);
    if (/[\r\n]/.test(v)) throw new UsageError(`invalid value for header "${k}"`);
    headers[k.toLowerCase()] = v;
  }
  if (client === 'raw' && o.discardBody) throw new OptionError('discardBody', true, 'off with the raw client, which always reads bodies');
  if (o.client === 'h2' && o.pipelining !== undefined && o.pipelining > 1) throw new OptionError('pipelining', o.pipelining, '1 with the h2 client (pipelining is HTTP/1.1)');
  return {
    url,
    client,
    concurrency,
    requests,
    // a count-bounded run still gets a time bound so a stuck server cannot hold it forever
    durationMs: duration ?? (requests !== undefined ? LIMITS.maxDurationMs : LIMITS.defaultDurationMs),
    rate,
    warmupMs: durationMs('warmupMs', o.warmupMs, LIMITS.maxWarmupMs) ?? 0,
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
    timeoutMs: durationMs('timeoutMs', o.timeoutMs, LIMITS.maxDurationMs, true) ?? LIMITS.defaultTimeoutMs,
    connectTimeoutMs: durationMs('connectTimeoutMs', o.connectTimeoutMs, LIMITS.maxDurationMs, true) ?? LIMITS.defaultConnectTimeoutMs,
    signal: o.signal,
    onProgress: o.onProgress,
    progressIntervalMs: durationMs('progressIntervalMs', o.progressIntervalMs, 60_000, true) ?? 250,
    thresholds: o.thresholds,
  };
}

/** The one duration grammar (src/options/grammar.ts), kept exported here for library users of bench. */
export { parseDuration } from '../options/grammar.js';
