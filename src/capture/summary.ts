import { StatsAccumulator, type HandshakeSeen } from '../model/accumulator.js';
import { DurationHistogram, type Distribution } from '../model/histogram.js';
import type { PcapConnectionRecord } from './pcap-record.js';

/** The capture at a glance: what `connscope pcap` prints above the findings. */
export interface CaptureSummary {
  connections: number;
  byApp: { tls: number; http: number; other: number; none: number };
  /** Requests (parsed for cleartext HTTP/1.1, client turns for TLS). */
  requests: number;
  requestsPerConnection: { mean: number; max: number } | null;
  tls: {
    connections: number;
    resumptionAttempted: number;
    resumed: number;
    fullHandshakes: number;
    helloRetries: number;
    unparsable: number;
    fullHandshakeMs?: Distribution;
    resumedHandshakeMs?: Distribution;
    versions: Record<string, number>;
    alpn: Record<string, number>;
  };
  closes: {
    client: { fin: number; rst: number };
    server: { fin: number; rst: number };
    open: number;
    reasons: Record<string, number>;
  };
  rttMs?: Distribution;
  /** Segments tshark marks tcp.analysis.retransmission (generic, fast, spurious; SYN and FIN included), both directions. */
  retransmissions: number;
  /** Segments tshark marks tcp.analysis.out_of_order, both directions. */
  outOfOrder: number;
  bytes: { clientToServer: number; serverToClient: number };
}

/**
 * Builds the summary one finished connection at a time, in constant memory: connections, requests
 * per connection, handshakes (full/resumed, with their times) and closes go through the model's
 * StatsAccumulator like every source's; the rest is what only a capture sees (TCP flags, RTT,
 * retransmissions, ClientHello details).
 */
export class SummaryBuilder {
  /** Connection-level figures only: the capture's requests are counted by their connections. */
  private readonly acc = new StatsAccumulator({ phases: [] });
  private byApp = { tls: 0, http: 0, other: 0, none: 0 };
  private tlsConns = 0;
  private attempted = 0;
  private helloRetries = 0;
  private unparsable = 0;
  private rtt = new DurationHistogram();
  private versions: Record<string, number> = {};
  private alpn: Record<string, number> = {};
  private flags = { client: { fin: 0, rst: 0 }, server: { fin: 0, rst: 0 }, open: 0 };
  private retrans = 0;
  private outOfOrder = 0;
  private c2s = 0;
  private s2c = 0;
  /** Resumed or not per TLS connection in order, for early vs late resumption rates (bounded). */
  readonly resumedSeries: boolean[] = [];
  /** Idle before close, per close reason (facts: measured idle timeouts). */
  readonly idleBeforeClose = { server: new DurationHistogram(), client: new DurationHistogram() };
  /** Requests served by connections the server closed right after a response. */
  readonly requestsAtServerClose = new Map<number, number>();
  /** Idle time after which clients reused connections the server had already closed (the race, on the wire). */
  readonly reuseAfterServerClose = new DurationHistogram();
  keepAliveHintMs: number | undefined;
  alpnOffered = new Set<string>();
  reusedConnections = 0;

  add(r: PcapConnectionRecord): void {
    const p = r.pcap;
    const t = p.tls;
    // a handshake counts once the ServerHello said which version: full or resumed, with its time
    const handshake: HandshakeSeen | undefined = t?.selectedVersion !== undefined ? { resumed: t.resumed, ms: t.handshakeMs } : undefined;
    this.acc.addConnection(r, handshake);
    this.byApp[p.app]++;
    if (r.requests > 1) this.reusedConnections++;
    if (p.rttMs !== undefined) this.rtt.recordMs(p.rttMs);
    this.retrans += p.retransmissions.client + p.retransmissions.server;
    this.outOfOrder += p.outOfOrder.client + p.outOfOrder.server;
    this.c2s += r.bytesSent ?? 0;
    this.s2c += r.bytesReceived ?? 0;
    if (p.firstClose) {
      const side = this.flags[p.firstClose.side];
      if (p.firstClose.flag === 'FIN') side.fin++;
      else side.rst++;
    } else {
      this.flags.open++;
    }
    if (r.close) {
      if (p.idleBeforeCloseMs !== undefined) {
        if (r.close.reason === 'server-idle-timeout') this.idleBeforeClose.server.recordMs(p.idleBeforeCloseMs);
        if (r.close.reason === 'client-idle-timeout') this.idleBeforeClose.client.recordMs(p.idleBeforeCloseMs);
      }
      if (r.close.reason === 'server-connection-close') this.requestsAtServerClose.set(r.requests, (this.requestsAtServerClose.get(r.requests) ?? 0) + 1);
    }
    if (p.reuseIdleAfterServerCloseMs !== undefined) this.reuseAfterServerClose.recordMs(p.reuseIdleAfterServerCloseMs);
    if (r.keepAliveHint?.timeoutMs !== undefined) this.keepAliveHintMs = r.keepAliveHint.timeoutMs;
    if (!t) return;
    this.tlsConns++;
    for (const a of t.alpnOffered) this.alpnOffered.add(a);
    if (t.resumptionAttempted) this.attempted++;
    if (t.helloRetry) this.helloRetries++;
    if (t.unparsable) this.unparsable++;
    if (r.tls?.version) this.versions[r.tls.version] = (this.versions[r.tls.version] ?? 0) + 1;
    if (t.alpn) this.alpn[t.alpn] = (this.alpn[t.alpn] ?? 0) + 1;
    if (handshake && this.resumedSeries.length < 1_000_000) this.resumedSeries.push(handshake.resumed);
  }

  build(): CaptureSummary {
    const a = this.acc;
    const handshakeMs = a.handshakeMs();
    return {
      connections: a.connections,
      byApp: this.byApp,
      requests: a.requestsServed(),
      requestsPerConnection: a.requestsPerConnection(),
      tls: {
        connections: this.tlsConns,
        resumptionAttempted: this.attempted,
        resumed: a.handshakes.resumed,
        fullHandshakes: a.handshakes.full,
        helloRetries: this.helloRetries,
        unparsable: this.unparsable,
        fullHandshakeMs: handshakeMs.full,
        resumedHandshakeMs: handshakeMs.resumed,
        versions: this.versions,
        alpn: this.alpn,
      },
      closes: { ...this.flags, reasons: a.closes() },
      rttMs: this.rtt.summary(),
      retransmissions: this.retrans,
      outOfOrder: this.outOfOrder,
      bytes: { clientToServer: this.c2s, serverToClient: this.s2c },
    };
  }
}
