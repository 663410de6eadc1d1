import type { ConnectionRecord } from '../model/connection.js';
import type { Finding } from '../model/finding.js';
import type { PhaseName } from '../model/phases.js';
import type { RequestTrace } from '../model/request.js';
import type { ServerConnectionCounts } from '../trace/server/types.js';
import { summaryOfTrace } from '../trace/tally.js';
import type { InflightRequest, RequestSummary } from '../trace/types.js';
import { BoundedValues, connectionProtocolVersion, httpMethod, PeerCache, requestProtocolVersion, type Attrs, type PeerAttrs } from './attributes.js';
import { METRICS, type MetricKey } from './names.js';
import type { MetricSink, Observer, RecordFn } from './sink.js';

/** What the observable metrics read at collection; an absent source leaves its metrics out. */
export interface RecorderSources {
  /** Record the client side (the process's outgoing requests). */
  client: boolean;
  /** Record the server side. A recorder with only this side takes every record as the server's. */
  server: boolean;
  /** Client requests in flight (http.client.active_requests, and which open connections are active). */
  inflight?: () => readonly InflightRequest[];
  /** Client connections open now. */
  openClientConnections?: () => Iterable<ConnectionRecord>;
  serverCounts?: () => ServerConnectionCounts;
  /** The findings of a diagnosis now (connscope.findings); called at most once per findingsEveryMs. */
  findings?: () => readonly Finding[];
  findingsEveryMs?: number;
}

type EventKey = { [K in MetricKey]: (typeof METRICS)[K]['kind'] extends 'histogram' | 'counter' ? K : never }[MetricKey];
type Instruments = Partial<Record<EventKey, RecordFn>>;

/** Phases recorded into connscope.http.client.phase.duration (all of them: they add up to the request's duration). */
const PHASES: readonly PhaseName[] = ['blocked', 'dns', 'connect', 'tls', 'send', 'wait', 'receive'];
const REUSED: Readonly<Record<'true' | 'false', Attrs>> = { true: Object.freeze({ 'connscope.connection.reused': 'true' }), false: Object.freeze({ 'connscope.connection.reused': 'false' }) };

/** The attribute sets of one peer that repeat on every request, built once (frozen: a sink may cache by them). */
interface PeerSets {
  phase: Partial<Record<PhaseName, Attrs>>;
  reused: Attrs;
  fresh: Attrs;
  /** Request attribute sets by method, status, version and error type. */
  requests: Map<string, Attrs>;
}

/** Request attribute sets kept per peer (and for the server side); past it a set is built per request. */
const MAX_REQUEST_SETS = 64;

function sideOf(key: MetricKey): 'client' | 'server' | 'findings' {
  if (key === 'findings') return 'findings';
  return key.startsWith('server') ? 'server' : 'client';
}

/**
 * Turns the tracer's events (request, connection, close) into the metrics of names.ts, into every
 * sink added: the one mapping behind `connscope run`'s OpenTelemetry and Prometheus outputs and
 * serverMetrics(). With no sink, an event costs a length check (plus whatever beforeEvent does).
 */
export class MetricsRecorder {
  private outs: Instruments[] = [];
  private readonly peers = new PeerCache();
  private readonly peerSets = new WeakMap<PeerAttrs, PeerSets>();
  private readonly serverRequestSets = new Map<string, Attrs>();
  private readonly errorTypes = new BoundedValues();
  private readonly closeReasons = new BoundedValues();
  private findingsAt = -Infinity;
  private findingsNow: readonly Finding[] = [];
  /** Every finding id seen (bounded by the catalog): reported 0 once it no longer holds. */
  private readonly findingsSeen = new Map<string, string>();
  /** Runs before each event: lets a sink bound to OpenTelemetry's global provider follow it. */
  beforeEvent: (() => void) | undefined;
  /**
   * Set while beforeEvent must run per request to see a MeterProvider appear (otel-global.ts: once
   * OpenTelemetry's global object exists). With no sink and no such watch the recorder does not
   * listen for `tally` at all (see refresh()).
   */
  private polling = false;
  /** The tracers observe() subscribed to, and whether their `tally` events reach onTally now. */
  private readonly observed: Subscribable[] = [];
  private tallyOn = false;
  private readonly tallyListener = (r: RequestSummary): void => this.onTally(r);

  constructor(private readonly sources: RecorderSources) {}

  /** Whether beforeEvent must run on every request (a late MeterProvider may appear): see `polling`. */
  setPolling(on: boolean): void {
    this.polling = on;
    this.refresh();
  }

  /**
   * Listens for `tally` (every request, both ends) only while something needs it: a sink to record
   * into, or the watch for a late MeterProvider. `connscope run` in an app without OpenTelemetry or
   * --metrics-port would otherwise pay a listener call per request for nothing (docs/run.md, "Cost
   * per level"); the tracer's other events are rare and stay subscribed.
   */
  private refresh(): void {
    const want = this.outs.length > 0 || this.polling;
    if (want === this.tallyOn) return;
    this.tallyOn = want;
    for (const t of this.observed) {
      if (want) t.on('tally', this.tallyListener);
      else t.off('tally', this.tallyListener);
    }
  }

  /** Creates this recorder's instruments in a sink; returns a function removing it. */
  add(sink: MetricSink): () => void {
    const ins: Instruments = {};
    for (const key of Object.keys(METRICS) as MetricKey[]) {
      const def = METRICS[key];
      const side = sideOf(key);
      if ((side === 'client' && !this.sources.client) || (side === 'server' && !this.sources.server)) continue;
      if (def.kind === 'histogram' || def.kind === 'counter') ins[key as EventKey] = sink.instrument(def);
      else {
        const observer = this.observer(key);
        if (observer) sink.observe(def, observer);
      }
    }
    this.outs = [...this.outs, ins];
    this.refresh();
    return () => {
      this.outs = this.outs.filter((o) => o !== ins);
      this.refresh();
    };
  }

  get sinks(): number {
    return this.outs.length;
  }

  private isServer(source: string): boolean {
    return source === 'server' || !this.sources.client;
  }

  private setsOf(peer: PeerAttrs): PeerSets {
    let sets = this.peerSets.get(peer);
    if (!sets) {
      const phase: Partial<Record<PhaseName, Attrs>> = {};
      for (const name of PHASES) phase[name] = Object.freeze({ 'connscope.phase': name, ...peer });
      sets = { phase, reused: Object.freeze({ ...REUSED.true, ...peer }), fresh: Object.freeze({ ...REUSED.false, ...peer }), requests: new Map() };
      this.peerSets.set(peer, sets);
    }
    return sets;
  }

  private errorType(r: RequestSummary, server: boolean): string | undefined {
    if (r.error) return this.errorTypes.of(r.error.code);
    // semconv: a status the side treats as an error is the error type (client: 4xx and 5xx, server: 5xx)
    if (r.status !== undefined && r.status >= (server ? 500 : 400)) return String(r.status);
    return undefined;
  }

  /** One finished request from its trace: what onTally and onPhases record together. */
  onRequest(r: RequestTrace): void {
    this.onTally(summaryOfTrace(r));
    this.onPhases(r);
  }

  /**
   * Any finished request, traced or not (the tracer's `tally` event): request duration and count,
   * and a failed lookup's duration. Exact whatever the tracer samples.
   */
  onTally(r: RequestSummary): void {
    this.beforeEvent?.();
    const outs = this.outs;
    if (outs.length === 0) return;
    const server = this.isServer(r.source);
    const peer = this.peers.of(r.origin);
    const method = httpMethod(r.method);
    const version = requestProtocolVersion(r.httpVersion);
    const error = this.errorType(r, server);
    // the same few combinations repeat: one frozen set each (bounded), so a sink can cache by it
    const cache = server ? this.serverRequestSets : this.setsOf(peer).requests;
    const key = `${peer['url.scheme']} ${method} ${r.status ?? ''} ${version ?? ''} ${error ?? ''}`;
    let a = cache.get(key);
    if (!a) {
      a = { 'http.request.method': method, 'url.scheme': peer['url.scheme'] };
      if (!server) {
        a['server.address'] = peer['server.address'];
        a['server.port'] = peer['server.port'];
      }
      if (version !== undefined) a['network.protocol.version'] = version;
      if (r.status !== undefined) a['http.response.status_code'] = r.status;
      if (error !== undefined) a['error.type'] = error;
      if (cache.size < MAX_REQUEST_SETS) cache.set(key, Object.freeze(a));
    }
    const seconds = r.durationMs / 1000;
    const sets = server ? undefined : this.setsOf(peer);
    for (const o of outs) {
      if (!sets) {
        o.serverRequestDuration?.(seconds, a);
        o.serverRequests?.(1, REUSED[r.reused ? 'true' : 'false']);
        continue;
      }
      o.clientRequestDuration?.(seconds, a);
      o.clientRequests?.(1, r.reused ? sets.reused : sets.fresh);
      // a lookup that failed never made a connection: its duration is the request's up to the failure
      if (r.error?.layer === 'dns') {
        const p = r.sampled ? r.toTrace().phases : undefined;
        o.dnsLookupDuration?.((p ? (p.dns ?? p.total - (p.blocked ?? 0)) : r.durationMs) / 1000, { 'dns.question.name': peer['server.address'], 'error.type': a['error.type'] ?? r.error.code });
      }
    }
  }

  /** A traced request's phases (connscope.http.client.phase.duration): the sampled requests only. */
  onPhases(r: RequestTrace): void {
    const outs = this.outs;
    if (outs.length === 0 || this.isServer(r.source)) return;
    const sets = this.setsOf(this.peers.of(r.origin));
    for (const o of outs) {
      const phase = o.clientPhaseDuration;
      if (!phase) continue;
      for (const name of PHASES) {
        const ms = r.phases[name];
        if (ms !== undefined) phase(ms / 1000, sets.phase[name]!);
      }
    }
  }

  onConnection(c: ConnectionRecord): void {
    this.beforeEvent?.();
    const outs = this.outs;
    if (outs.length === 0) return;
    const kind = c.tls ? { 'connscope.tls.handshake': c.tls.resumed ? 'resumed' : 'full' } : undefined;
    if (this.isServer(c.source)) {
      for (const o of outs) {
        o.serverConnections?.(1, {});
        if (!kind) continue;
        o.serverHandshakes?.(1, kind);
        if (c.establishment.tls !== undefined) o.serverHandshakeDuration?.(c.establishment.tls / 1000, kind);
      }
      return;
    }
    const peer = this.peers.of(c.origin);
    const version = connectionProtocolVersion(c.protocol);
    const a: Attrs = version === undefined ? peer : { ...peer, 'network.protocol.version': version };
    for (const o of outs) {
      o.clientConnections?.(1, a);
      if (kind) o.clientHandshakes?.(1, { ...kind, 'server.address': peer['server.address'], 'server.port': peer['server.port'] });
      if (c.establishment.dns !== undefined) o.dnsLookupDuration?.(c.establishment.dns / 1000, { 'dns.question.name': peer['server.address'] });
    }
  }

  onClose(c: ConnectionRecord): void {
    this.beforeEvent?.();
    const outs = this.outs;
    if (outs.length === 0) return;
    const server = this.isServer(c.source);
    const close: Attrs | undefined = c.close ? { 'connscope.close.side': c.close.closedBy, 'connscope.close.reason': this.closeReasons.of(c.close.reason) } : undefined;
    // a handshake that failed never served anything: count the close, not a lifetime
    const lifetime = c.closedAt !== undefined && c.protocol !== 'unknown' ? (c.closedAt - c.openedAt) / 1000 : undefined;
    if (server) {
      for (const o of outs) {
        if (close) o.serverCloses?.(1, close);
        if (lifetime === undefined) continue;
        o.serverConnectionDuration?.(lifetime, {});
        o.serverRequestsPerConnection?.(c.requests, {});
      }
      return;
    }
    const peer = this.peers.of(c.origin);
    const version = connectionProtocolVersion(c.protocol);
    for (const o of outs) {
      if (close) o.clientCloses?.(1, { ...close, ...peer });
      if (lifetime !== undefined) o.clientConnectionDuration?.(lifetime, version === undefined ? peer : { ...peer, 'network.protocol.version': version });
    }
  }

  /**
   * Subscribes to a tracer's (or server tracer's) events; returns the unsubscribe function. `tally`
   * only while there is somewhere to record (refresh()).
   */
  observe(tracer: Subscribable): () => void {
    const onPhases = (r: RequestTrace): void => this.onPhases(r);
    const onConnection = (c: ConnectionRecord): void => this.onConnection(c);
    const onClose = (c: ConnectionRecord): void => this.onClose(c);
    tracer.on('request', onPhases).on('connection', onConnection).on('close', onClose);
    if (this.tallyOn) tracer.on('tally', this.tallyListener);
    this.observed.push(tracer);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      const i = this.observed.indexOf(tracer);
      if (i !== -1) this.observed.splice(i, 1);
      if (this.tallyOn) tracer.off('tally', this.tallyListener);
      tracer.off('request', onPhases).off('connection', onConnection).off('close', onClose);
    };
  }

  private observer(key: MetricKey): Observer | undefined {
    const s = this.sources;
    switch (key) {
      case 'clientActiveRequests':
        return s.inflight && (() => this.activeRequests(s.inflight!()));
      case 'clientOpenConnections':
        return s.inflight && s.openClientConnections && (() => this.openConnections(s.openClientConnections!(), s.inflight!()));
      case 'serverActiveRequests':
        return s.serverCounts && (() => [[s.serverCounts!().requests, {}]]);
      case 'serverOpenConnections':
        return (
          s.serverCounts &&
          (() => {
            const c = s.serverCounts!();
            return [
              [c.active, { 'http.connection.state': 'active' }],
              [c.idle, { 'http.connection.state': 'idle' }],
            ];
          })
        );
      case 'findings':
        return s.findings && (() => this.findings());
      default:
        return undefined;
    }
  }

  private activeRequests(inflight: readonly InflightRequest[]): [number, Attrs][] {
    const byPeer = new Map<PeerAttrs, number>();
    for (const r of inflight) {
      const p = this.peers.of(r.origin);
      byPeer.set(p, (byPeer.get(p) ?? 0) + 1);
    }
    return [...byPeer].map(([p, n]) => [n, p]);
  }

  private openConnections(open: Iterable<ConnectionRecord>, inflight: readonly InflightRequest[]): [number, Attrs][] {
    const busy = new Set<string>();
    for (const r of inflight) if (r.connectionId !== undefined) busy.add(r.connectionId);
    const groups = new Map<string, [number, Attrs]>();
    for (const c of open) {
      const state = busy.has(c.id) ? 'active' : 'idle';
      const key = `${state} ${c.origin} ${c.protocol}`;
      const g = groups.get(key);
      if (g) {
        g[0]++;
        continue;
      }
      const a: Attrs = { 'http.connection.state': state, ...this.peers.of(c.origin) };
      const version = connectionProtocolVersion(c.protocol);
      if (version !== undefined) a['network.protocol.version'] = version;
      groups.set(key, [1, a]);
    }
    return [...groups.values()];
  }

  private findings(): [number, Attrs][] {
    const every = this.sources.findingsEveryMs ?? 60_000;
    const now = performance.now();
    if (now - this.findingsAt >= every) {
      this.findingsAt = now;
      try {
        this.findingsNow = this.sources.findings!();
      } catch {
        // a diagnosis that failed leaves the last one standing; metrics never throw into the host
      }
      for (const f of this.findingsNow) this.findingsSeen.set(f.id, f.severity);
    }
    const present = new Set(this.findingsNow.map((f) => f.id));
    return [...this.findingsSeen].map(([id, severity]) => [present.has(id) ? 1 : 0, { 'connscope.finding.id': id, 'connscope.finding.severity': severity }]);
  }
}

/** The event surface shared by the client tracer and a server tracer. */
interface Subscribable {
  on(event: 'tally', listener: (r: RequestSummary) => void): Subscribable;
  off(event: 'tally', listener: (r: RequestSummary) => void): Subscribable;
  on(event: 'request', listener: (r: RequestTrace) => void): Subscribable;
  on(event: 'connection' | 'close', listener: (c: ConnectionRecord) => void): Subscribable;
  off(event: 'request', listener: (r: RequestTrace) => void): Subscribable;
  off(event: 'connection' | 'close', listener: (c: ConnectionRecord) => void): Subscribable;
}
