import type { ConnectionRecord } from '../model/connection.js';
import type { BlockingFunction, Facts } from '../model/facts.js';
import type { RequestTrace } from '../model/request.js';
import { Session } from '../model/session.js';
import { diagnose } from '../diagnose/index.js';
import { DEFAULT_THRESHOLDS } from '../diagnose/thresholds.js';
import { UsageError, type ConnscopeError } from '../errors.js';
import { checkAlpn, type AlpnCheck } from './alpn.js';
import { Deadline } from './deadline.js';
import { toFailure } from './failure.js';
import { H2Client } from './h2-client.js';
import { handshake } from './handshake.js';
import { explainPlainFailure } from './speaks-tls.js';
import { Http1Client, type ClientTls, type Exchange, type RequestSpec } from './http1-client.js';
import { readHttp2Settings } from './http2-settings.js';
import { measureIdleTimeout, type IdleTimeoutMeasurement } from './idle-timeout.js';
import { StallProfiler } from '../trace/stall-profile.js';
import { LoopLagSampler } from './loop-lag.js';
import { countMaxRequests, type MaxRequestsCount } from './max-requests.js';
import { tlsMatrix } from './matrix.js';
import { inspectTls, inspectionFacts, type TlsInspection } from './tls-inspect.js';
import { DEFAULTS, resolveOptions, type ResolvedOptions } from './options.js';
import { buildResult } from './result.js';
import { parseTarget, type Target } from './target.js';
import type { HandshakeOutcome, ProbeOptions, ProbeResult } from './types.js';

/** Everything the steps of one probe learn; turned into a ProbeResult at the end. */
export interface ProbeState {
  target: Target;
  options: ResolvedOptions;
  startedAtEpoch: number;
  startedAt: number;
  exchanges: { exchange: Exchange; kind: 'series' | 'resumption' }[];
  client: Http1Client | H2Client;
  /** Connection records of the series and the resumption check, as the tracer recorded them. */
  connections: Map<string, ConnectionRecord>;
  alpn?: AlpnCheck;
  /** Further ALPN checks made to explain a failure (the wide h2,http/1.1 offer). */
  alpnMore: AlpnCheck[];
  http2MaxConcurrentStreams?: number;
  idle?: IdleTimeoutMeasurement;
  maxRequests?: MaxRequestsCount;
  matrix?: HandshakeOutcome[];
  /** Versions, certificate and resumption kinds from bare handshakes after the series. */
  tlsInspection?: TlsInspection;
  failure?: ConnscopeError;
  facts: Facts;
  loopMaxDelayMs?: number;
  /** Functions CPU samples caught holding the loop during its stalls. */
  blockedBy?: BlockingFunction[];
}

/**
 * Probes one URL: a keep-alive request series, a new connection offering the cached TLS session, an ALPN
 * check, and on request the idle timeout, the requests-per-connection limit and the TLS × ALPN matrix.
 * Bad options throw a UsageError; network failures come back in `result.error` with whatever explains them.
 */
export async function probe(url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const target = parseTarget(url, options.resolve);
  const o = resolveOptions(options);
  const deadline = new Deadline(o.timeoutMs);
  const tlsBase: ClientTls = {
    ca: o.ca,
    rejectUnauthorized: !o.insecure,
    minVersion: o.tlsMin,
    maxVersion: o.tlsMax,
    ...(o.alpn ? { ALPNProtocols: o.alpn } : {}),
  };
  const spec = (): RequestSpec => ({ method: o.method, headers: o.headers, body: o.data, timeoutMs: deadline.limit() });
  const newClient = (): Http1Client => new Http1Client(target, tlsBase, o.connectTimeoutMs);
  const useH2 = o.protocol === 'h2';
  if (useH2 && !target.secure) {
    throw new UsageError('--http2 needs an https:// URL (connscope does not speak h2c)');
  }
  const sampler = new LoopLagSampler();
  const blockedMs = o.thresholds?.eventLoopBlockedMs ?? DEFAULT_THRESHOLDS.eventLoopBlockedMs;
  // names the code behind stalls of the probe's own loop (event-loop-blocked's evidence)
  const profiler = options.profile === false ? undefined : new StallProfiler(() => sampler.windows(blockedMs));
  profiler?.start();
  const state: ProbeState = {
    target, options: o, startedAtEpoch: Date.now(), startedAt: performance.now(), exchanges: [],
    client: useH2 ? new H2Client(target, tlsBase, o.connectTimeoutMs) : newClient(), facts: {},
    connections: new Map(), alpnMore: [],
  };
  const progress = (s: string): void => o.onProgress?.(s);
  const stopped = (): boolean => Boolean(o.signal?.aborted) || deadline.expired();
  try {
    progress(`${o.requests} request${o.requests > 1 ? 's' : ''} over one keep-alive connection`);
    for (let i = 0; i < o.requests && !stopped(); i++) {
      const exchange = await state.client.request(spec());
      state.exchanges.push({ exchange, kind: 'series' });
      if (exchange.error) {
        // a request lost on a reused connection is the stale-socket race: record it and go on
        if (exchange.trace.reused && exchange.error.code !== 'CONNSCOPE_ERR_TIMEOUT') continue;
        state.failure = exchange.error;
        break;
      }
    }
    if (target.secure && !state.failure && !stopped()) {
      progress('new connection offering the cached TLS session');
      state.client.dropIdle();
      const exchange = await state.client.request(spec());
      state.exchanges.push({ exchange, kind: 'resumption' });
    }
    // the series' own session already read the server's SETTINGS: no second session for the same fact
    if (state.client instanceof H2Client) state.http2MaxConcurrentStreams = state.client.serverSettings()?.maxConcurrentStreams;
    if (target.secure && !stopped() && (!state.failure || state.failure.layer === 'tls' || state.failure.layer === 'h2')) {
      await explainTls(state, tlsBase, deadline);
      if (!stopped()) {
        progress('TLS versions, certificate, how sessions resume');
        const seriesVersion = state.client.connections().find((c) => c.tls?.version)?.tls?.version;
        state.tlsInspection = await inspectTls(target, tlsBase, seriesVersion, () => deadline.limit(o.connectTimeoutMs), stopped);
      }
    }
    if (!target.secure && state.failure && !stopped()) {
      const answered = state.exchanges.some((e) => e.exchange.trace.status !== undefined || /partial response, .* starting "HTTP\//.test(e.exchange.error?.message ?? ''));
      state.failure = await explainPlainFailure(state.failure, answered, target, tlsBase, deadline.limit(o.connectTimeoutMs));
    }
    if (!state.failure && !useH2 && o.idleTimeoutMaxMs !== undefined && !o.signal?.aborted) {
      progress(`holding an idle connection up to ${Math.round(o.idleTimeoutMaxMs / 1000)} s`);
      const client = newClient();
      const heldFrom = performance.now();
      try {
        state.idle = await measureIdleTimeout(client, { ...spec(), timeoutMs: o.timeoutMs }, o.idleTimeoutMaxMs, o.signal);
      } finally {
        await client.close();
        // the idle wait comes on top of --timeout
        deadline.extend(performance.now() - heldFrom);
      }
    }
    if (!state.failure && !useH2 && o.maxRequests !== undefined && !stopped()) {
      progress(`counting requests per connection (up to ${o.maxRequests})`);
      const client = newClient();
      try {
        state.maxRequests = await countMaxRequests(client, spec(), o.maxRequests, deadline, o.signal);
      } finally {
        await client.close();
      }
    }
    if (o.matrix && target.secure && !stopped()) {
      progress('TLS 1.2/1.3 × h2/http1.1 matrix');
      state.matrix = await tlsMatrix(target, { ...tlsBase, ALPNProtocols: undefined }, deadline.limit(o.connectTimeoutMs));
    }
  } finally {
    // lets a server FIN sent right after the last response land before the client closes its side, and a
    // stall that ends with the last response reach the sampler's next tick
    await new Promise((r) => setTimeout(r, 30));
    await state.client.close();
    sampler.stop();
    const blockedBy = profiler?.stop() ?? [];
    if (blockedBy.length > 0) state.blockedBy = blockedBy;
  }
  // the records say which source fed the session: the probe (its connections, traced in-process)
  state.connections = new Map(state.client.connections().map((c) => [c.id, { ...c, source: 'probe', protocol: negotiatedProtocol(c, target) }]));
  for (const e of state.exchanges) e.exchange.trace.source = 'probe';
  const requests = state.exchanges.map((e) => e.exchange.trace);
  sampler.annotate(requests, state.connections.values(), blockedMs);
  state.loopMaxDelayMs = sampler.maxDelayMs;
  state.facts = collectFacts(state);
  const session = new Session();
  for (const c of state.connections.values()) session.addConnection(c);
  for (const r of requests) session.addRequest(r);
  session.facts = state.facts;
  const findings = diagnose(session, { thresholds: o.thresholds });
  return buildResult(state, requests, findings, state.failure ? toFailure(state.failure) : null);
}

/** ALPN check, HTTP/2 SETTINGS, and when the series failed in TLS: which version or ALPN offer was the cause. */
async function explainTls(state: ProbeState, tlsBase: ClientTls, deadline: Deadline): Promise<void> {
  const o = state.options;
  const limit = (): number => deadline.limit(o.connectTimeoutMs);
  state.options.onProgress?.('ALPN check');
  const offered = o.alpn ?? [...DEFAULTS.alpn];
  state.alpn = await checkAlpn(state.target, tlsBase, offered, limit());
  if (state.alpn.selected === 'h2' && state.http2MaxConcurrentStreams === undefined) {
    const settings = await readHttp2Settings(state.target, tlsBase, limit());
    if (settings?.maxConcurrentStreams !== undefined) state.http2MaxConcurrentStreams = settings.maxConcurrentStreams;
  }
  const tlsFailed = state.failure?.layer === 'tls' && state.failure.code === 'CONNSCOPE_ERR_TLS';
  if ((tlsFailed || !state.alpn.ok) && (o.tlsMin || o.tlsMax)) {
    // same offer without the version limits: if that works, the limits were the problem
    const open = await handshake(state.target, { ...tlsBase, minVersion: undefined, maxVersion: undefined, ALPNProtocols: undefined }, limit());
    const limited = await handshake(state.target, { ...tlsBase, ALPNProtocols: undefined }, limit());
    if (open.ok && !limited.ok) {
      state.facts.tls = {
        ...state.facts.tls,
        versionFailure: { min: o.tlsMin, max: o.tlsMax, message: limited.error?.message ?? 'handshake failed', serverVersion: open.info?.version },
      };
    }
  }
  // what the series offered: --alpn, or only h2 for --http2
  const seriesAlpn = o.alpn ?? (o.protocol === 'h2' ? ['h2'] : undefined);
  if ((tlsFailed || state.alpn.noOverlap) && seriesAlpn) {
    const wide = await checkAlpn(state.target, { ...tlsBase, minVersion: undefined, maxVersion: undefined }, ['h2', 'http/1.1'], limit());
    state.alpnMore.push(wide);
    const narrow = state.alpn.noOverlap ? state.alpn : await checkAlpn(state.target, tlsBase, seriesAlpn, limit());
    if (narrow.noOverlap) {
      state.facts.tls = {
        ...state.facts.tls,
        alpnFailure: { offered: seriesAlpn, message: narrow.error?.message ?? 'no common ALPN protocol', serverSelected: wide.selected ?? undefined },
      };
    }
  }
}

function collectFacts(state: ProbeState): Facts {
  const f: Facts = { ...state.facts, clientIdleTimeoutMs: state.options.clientIdleTimeoutMs };
  const series = state.exchanges.filter((e) => e.kind === 'series').map((e) => e.exchange.trace);
  const first = series.find((r) => r.status !== undefined);
  const hint = first?.responseHeaders?.keepAlive;
  const conn = first?.connectionId ? state.connections.get(first.connectionId) : undefined;
  if (conn?.keepAliveHint?.timeoutMs !== undefined) f.hintedIdleTimeoutMs = conn.keepAliveHint.timeoutMs;
  else if (hint === undefined) delete f.hintedIdleTimeoutMs;
  const kept = serverKeptConnection(state, series);
  if (kept !== undefined) f.serverKeptConnection = kept;
  // the client's own setting: the probe's clients always keep connections alive. What the server does with
  // them is serverKeptConnection (server-closes-connection), never the client's keep-alive (keepalive-disabled).
  f.keepAliveEnabled = true;
  if (state.idle?.measuredMs != null) f.measuredIdleTimeoutMs = Math.round(state.idle.measuredMs);
  if (state.idle?.blackholeAfterMs != null) f.idleBlackholeAfterMs = state.idle.blackholeAfterMs;
  if (state.maxRequests?.perConnection != null) f.maxRequestsPerConnection = state.maxRequests.perConnection;
  if (state.target.secure) {
    const resumption = resumptionOf(state);
    f.tls = {
      ...f.tls,
      ...(resumption ? { resumptionAttempted: true, resumptionSupported: resumption.resumed } : {}),
      ...(resumption?.fullMs !== undefined ? { fullHandshakeMs: round(resumption.fullMs) } : {}),
      ...(resumption?.resumedMs !== undefined ? { resumedHandshakeMs: round(resumption.resumedMs) } : {}),
      ...(state.alpn ? { alpnOffered: state.alpn.offered } : {}),
      ...(state.tlsInspection ? inspectionFacts(state.tlsInspection) : {}),
    };
    const used = [...state.connections.values()].some((c) => c.protocol === 'h2');
    const supported = http2Supported(state, used);
    f.http2 = {
      ...(supported !== undefined ? { supported } : {}),
      used,
      ...(state.http2MaxConcurrentStreams !== undefined ? { maxConcurrentStreams: state.http2MaxConcurrentStreams } : {}),
    };
  }
  if (state.loopMaxDelayMs !== undefined) f.eventLoop = { maxDelayMs: round(state.loopMaxDelayMs), ...(state.blockedBy ? { blockedBy: state.blockedBy } : {}) };
  f.durationMs = round(performance.now() - state.startedAt);
  f.concurrency = 1;
  f.poolSize = 1;
  return f;
}

/**
 * Whether the server speaks h2, from successful negotiations only: a connection that used h2, or an ALPN check
 * that offered h2 and completed (selected it or not). Undefined (null in the result) when h2 was never offered
 * in a handshake that completed.
 */
function http2Supported(state: ProbeState, used: boolean): boolean | undefined {
  if (used) return true;
  for (const check of [state.alpn, ...state.alpnMore]) {
    if (check?.ok && check.offered.includes('h2')) return check.selected === 'h2';
  }
  return undefined;
}

/**
 * A connection's protocol is what its handshake negotiated: over TLS the tracer's label is kept only when the
 * handshake completed (a failed h2 session is not an h2 connection); 'unknown' otherwise.
 */
function negotiatedProtocol(c: ConnectionRecord, target: Target): ConnectionRecord['protocol'] {
  if (!target.secure) return c.protocol;
  // no TLS facts: the handshake did not complete (the tracer counts a stream sent into a failed session all the same)
  if (!c.tls) return 'unknown';
  return c.tls.alpn === 'h2' ? 'h2' : 'http/1.1';
}

/** A server FIN within this long after the response counts as closing the connection after it. */
const CLOSED_RIGHT_AFTER_MS = 100;

/** Did the connection of the first request survive its response? */
function serverKeptConnection(state: ProbeState, series: RequestTrace[]): boolean | undefined {
  const first = series[0];
  if (!first || first.status === undefined || !first.connectionId) return undefined;
  if (first.responseHeaders?.connection?.toLowerCase() === 'close') return false;
  const second = series[1];
  if (second) return second.connectionId === first.connectionId && !second.error;
  const c = state.connections.get(first.connectionId);
  if (!c) return undefined;
  if (!c.close || c.close.closedBy === 'client') return true;
  if (c.close.reason === 'server-connection-close') return false;
  if (c.closedAt === undefined) return undefined;
  // closed by the server later on (its idle timeout) is keeping it; closing right after the response is not
  return c.closedAt - (first.startedAt + first.phases.total) > CLOSED_RIGHT_AFTER_MS;
}

function resumptionOf(state: ProbeState): { resumed: boolean; fullMs?: number; resumedMs?: number } | undefined {
  const check = state.exchanges.find((e) => e.kind === 'resumption');
  if (!check || check.exchange.error || !check.exchange.trace.connectionId) return undefined;
  const second = state.connections.get(check.exchange.trace.connectionId);
  if (!second?.tls) return undefined;
  // the times compared come from a warm pair of bare handshakes (tls-inspect.ts), not from the series' first,
  // cold connection, which also pays the process's TLS set-up
  const pair = state.tlsInspection?.resumption.pair;
  return {
    resumed: second.tls.resumed,
    fullMs: pair?.fullMs ?? undefined,
    resumedMs: pair?.resumedMs ?? undefined,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
