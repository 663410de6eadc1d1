import type { Distribution } from '../model/stats.js';
import { BoundedSample } from './bounded-sample.js';
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

/** Builds the summary one finished connection at a time (bounded memory). */
export class SummaryBuilder {
  private n = 0;
  private byApp = { tls: 0, http: 0, other: 0, none: 0 };
  private requests = 0;
  private maxRequests = 0;
  private tlsConns = 0;
  private attempted = 0;
  private resumed = 0;
  private fullCount = 0;
  private helloRetries = 0;
  private unparsable = 0;
  private full = new BoundedSample();
  private resumedHs = new BoundedSample();
  private rtt = new BoundedSample();
  private versions: Record<string, number> = {};
  private alpn: Record<string, number> = {};
  private closes = { client: { fin: 0, rst: 0 }, server: { fin: 0, rst: 0 }, open: 0, reasons: {} as Record<string, number> };
  private retrans = 0;
  private outOfOrder = 0;
  private c2s = 0;
  private s2c = 0;
  /** Resumed (1) or not (0) per TLS connection in order, for early vs late resumption rates. */
  readonly resumedSeries: number[] = [];
  /** Idle before close, per close reason (facts: measured idle timeouts). */
  readonly idleBeforeClose = { server: new BoundedSample(), client: new BoundedSample() };
  /** Requests served by connections the server closed right after a response. */
  readonly requestsAtServerClose = new Map<number, number>();
  /** Idle time after which clients reused connections the server had already closed (the race, on the wire). */
  readonly reuseAfterServerClose = new BoundedSample();
  keepAliveHintMs: number | undefined;
  alpnOffered = new Set<string>();
  reusedConnections = 0;

  add(r: PcapConnectionRecord): void {
    const p = r.pcap;
    this.n++;
    this.byApp[p.app]++;
    this.requests += r.requests;
    if (r.requests > this.maxRequests) this.maxRequests = r.requests;
    if (r.requests > 1) this.reusedConnections++;
    if (p.rttMs !== undefined) this.rtt.add(p.rttMs);
    this.retrans += p.retransmissions.client + p.retransmissions.server;
    this.outOfOrder += p.outOfOrder.client + p.outOfOrder.server;
    this.c2s += r.bytesSent ?? 0;
    this.s2c += r.bytesReceived ?? 0;
    if (p.firstClose) {
      const side = this.closes[p.firstClose.side];
      if (p.firstClose.flag === 'FIN') side.fin++;
      else side.rst++;
    } else {
      this.closes.open++;
    }
    if (r.close) {
      const key = `${r.close.closedBy}:${r.close.reason}`;
      this.closes.reasons[key] = (this.closes.reasons[key] ?? 0) + 1;
      if (p.idleBeforeCloseMs !== undefined) {
        if (r.close.reason === 'server-idle-timeout') this.idleBeforeClose.server.add(p.idleBeforeCloseMs);
        if (r.close.reason === 'client-idle-timeout') this.idleBeforeClose.client.add(p.idleBeforeCloseMs);
      }
      if (r.close.reason === 'server-connection-close') this.requestsAtServerClose.set(r.requests, (this.requestsAtServerClose.get(r.requests) ?? 0) + 1);
    }
    if (p.reuseIdleAfterServerCloseMs !== undefined) this.reuseAfterServerClose.add(p.reuseIdleAfterServerCloseMs);
    if (r.keepAliveHint?.timeoutMs !== undefined) this.keepAliveHintMs = r.keepAliveHint.timeoutMs;
    const t = p.tls;
    if (!t) return;
    this.tlsConns++;
    for (const a of t.alpnOffered) this.alpnOffered.add(a);
    if (t.resumptionAttempted) this.attempted++;
    if (t.helloRetry) this.helloRetries++;
    if (t.unparsable) this.unparsable++;
    if (r.tls?.version) this.versions[r.tls.version] = (this.versions[r.tls.version] ?? 0) + 1;
    if (t.alpn) this.alpn[t.alpn] = (this.alpn[t.alpn] ?? 0) + 1;
    if (t.selectedVersion !== undefined) {
      if (this.resumedSeries.length < 1_000_000) this.resumedSeries.push(t.resumed ? 1 : 0);
      if (t.resumed) this.resumed++;
      else this.fullCount++;
    }
    if (t.handshakeMs !== undefined) (t.resumed ? this.resumedHs : this.full).add(t.handshakeMs);
  }

  fullHandshakeSample(): BoundedSample {
    return this.full;
  }

  resumedHandshakeSample(): BoundedSample {
    return this.resumedHs;
  }

  build(): CaptureSummary {
    return {
      connections: this.n,
      byApp: this.byApp,
      requests: this.requests,
      requestsPerConnection: this.n ? { mean: this.requests / this.n, max: this.maxRequests } : null,
      tls: {
        connections: this.tlsConns,
        resumptionAttempted: this.attempted,
        resumed: this.resumed,
        fullHandshakes: this.fullCount,
        helloRetries: this.helloRetries,
        unparsable: this.unparsable,
        fullHandshakeMs: this.full.distribution(),
        resumedHandshakeMs: this.resumedHs.distribution(),
        versions: this.versions,
        alpn: this.alpn,
      },
      closes: this.closes,
      rttMs: this.rtt.distribution(),
      retransmissions: this.retrans,
      outOfOrder: this.outOfOrder,
      bytes: { clientToServer: this.c2s, serverToClient: this.s2c },
    };
  }
}
