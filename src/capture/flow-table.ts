import { decodeTcp, newSegment, segmentAddresses, TCP_FLAG, type SkipReason, type TcpSegment } from './decode.js';
import type { HttpExchange } from './http1-exchange.js';
import { TcpConnection } from './tcp-connection.js';

/** A closed connection is kept this long (capture time) to absorb its last ACKs and retransmitted FINs. */
const CLOSED_LINGER_MS = 2000;
const SWEEP_EVERY_PACKETS = 8192;

export interface FlowFilter {
  /** Keep connections with this port on either side. */
  port?: number;
  /** Keep connections with this IPv4 address (as a number) on either side. */
  ipv4?: number;
  /** Keep connections with this IPv6 address (formatted like the decoder does) on either side. */
  ipv6?: string;
}

export interface FlowTableOptions {
  filter?: FlowFilter;
  /** Reassemble and parse payloads (TLS, HTTP). Off: TCP-level facts only. */
  parsePayload?: boolean;
  /** A finished connection. */
  onConnection: (c: TcpConnection) => void;
  /** A cleartext HTTP exchange finished. */
  onExchange?: (c: TcpConnection, x: HttpExchange) => void;
}

/**
 * Connections by their two endpoints, either order. IPv4 endpoints are exact integers (ip * 65536 + port),
 * so IPv4 lookups are two numeric Map lookups with no string built per packet; IPv6 uses a string key.
 */
class ConnectionIndex {
  private readonly v4 = new Map<number, Map<number, TcpConnection>>();
  private readonly v6 = new Map<string, TcpConnection>();
  size = 0;

  get(a: number | string, b: number | string): TcpConnection | undefined {
    if (typeof a === 'number' && typeof b === 'number') return a < b ? this.v4.get(a)?.get(b) : this.v4.get(b)?.get(a);
    return this.v6.get(a < b ? `${a}|${b}` : `${b}|${a}`);
  }

  set(a: number | string, b: number | string, c: TcpConnection): void {
    if (this.get(a, b) === undefined) this.size++;
    if (typeof a === 'number' && typeof b === 'number') {
      const lo = a < b ? a : b;
      const hi = a < b ? b : a;
      let inner = this.v4.get(lo);
      if (!inner) this.v4.set(lo, (inner = new Map()));
      inner.set(hi, c);
    } else {
      this.v6.set(a < b ? `${a}|${b}` : `${b}|${a}`, c);
    }
  }

  delete(a: number | string, b: number | string): void {
    if (this.get(a, b) === undefined) return;
    this.size--;
    if (typeof a === 'number' && typeof b === 'number') {
      const lo = a < b ? a : b;
      const inner = this.v4.get(lo);
      inner?.delete(a < b ? b : a);
      if (inner?.size === 0) this.v4.delete(lo);
    } else {
      this.v6.delete(a < b ? `${a}|${b}` : `${b}|${a}`);
    }
  }

  *values(): IterableIterator<TcpConnection> {
    for (const inner of this.v4.values()) yield* inner.values();
    yield* this.v6.values();
  }
}

/** Tracks every TCP connection of a capture, packet by packet, and hands over each one when it is done. */
export class FlowTable {
  private readonly flows = new ConnectionIndex();
  private readonly closed = new Set<TcpConnection>();
  private readonly seg: TcpSegment = newSegment();
  /**
   * The connection of the previous packet: a bulk transfer sends runs of segments on one connection,
   * and comparing two keys is cheaper than the two Map lookups of the index.
   */
  private last: TcpConnection | undefined;
  private nextId = 1;
  private sinceSweep = 0;
  skipped: Record<SkipReason | 'filtered', number> = { 'not-ip': 0, 'not-tcp': 0, fragment: 0, truncated: 0, filtered: 0 };
  tcpPackets = 0;
  firstTs: number | undefined;
  lastTs = 0;

  constructor(private readonly options: FlowTableOptions) {}

  get open(): number {
    return this.flows.size;
  }

  packet(buf: Buffer, start: number, end: number, ts: number, linkType: number): void {
    this.firstTs ??= ts;
    if (ts > this.lastTs) this.lastTs = ts;
    const seg = this.seg;
    const skip = decodeTcp(buf, start, end, linkType, seg);
    if (skip) {
      this.skipped[skip]++;
      return;
    }
    if (this.options.filter && !this.passes(seg)) {
      this.skipped.filtered++;
      return;
    }
    this.tcpPackets++;
    const last = this.last;
    let conn = last && ((last.clientKey === seg.srcKey && last.serverKey === seg.dstKey) || (last.clientKey === seg.dstKey && last.serverKey === seg.srcKey))
      ? last
      : this.flows.get(seg.srcKey, seg.dstKey);
    const synOnly = (seg.flags & (TCP_FLAG.syn | TCP_FLAG.ack)) === TCP_FLAG.syn;
    if (conn && synOnly && conn.closed) {
      // the port pair is being reused for a new connection
      this.finish(conn);
      conn = undefined;
    }
    if (!conn) {
      conn = this.create(seg, ts);
      this.flows.set(seg.srcKey, seg.dstKey, conn);
    }
    this.last = conn;
    try {
      conn.segment(seg, seg.srcKey === conn.clientKey, ts);
    } catch (err) {
      conn.parserFailed(err);
    }
    if (conn.closed && !this.closed.has(conn)) this.closed.add(conn);
    if (++this.sinceSweep >= SWEEP_EVERY_PACKETS) this.sweep(ts);
  }

  private passes(seg: TcpSegment): boolean {
    const f = this.options.filter!;
    if (f.port !== undefined && seg.srcPort !== f.port && seg.dstPort !== f.port) return false;
    if (f.ipv4 !== undefined && (seg.ipVersion !== 4 || (seg.srcIp4 !== f.ipv4 && seg.dstIp4 !== f.ipv4))) return false;
    if (f.ipv6 !== undefined && (seg.ipVersion !== 6 || (seg.srcAddr !== f.ipv6 && seg.dstAddr !== f.ipv6))) return false;
    return true;
  }

  private create(seg: TcpSegment, ts: number): TcpConnection {
    const { src, dst } = segmentAddresses(seg);
    const syn = (seg.flags & TCP_FLAG.syn) !== 0;
    const ack = (seg.flags & TCP_FLAG.ack) !== 0;
    // without a SYN, guess the server is the lower port; the first TLS/HTTP bytes may correct it
    const srcIsClient = syn ? !ack : seg.srcPort > seg.dstPort;
    const id = `p${this.nextId++}`;
    const parse = this.options.parsePayload !== false;
    const conn = srcIsClient
      ? new TcpConnection(id, seg.srcKey, seg.dstKey, src, seg.srcPort, dst, seg.dstPort, ts, syn ? 'syn' : 'port', parse)
      : new TcpConnection(id, seg.dstKey, seg.srcKey, dst, seg.dstPort, src, seg.srcPort, ts, syn ? 'syn' : 'port', parse);
    conn.onExchange = this.options.onExchange;
    return conn;
  }

  private sweep(now: number): void {
    this.sinceSweep = 0;
    for (const c of this.closed) if (now - c.lastAt > CLOSED_LINGER_MS) this.finish(c);
  }

  private finish(c: TcpConnection): void {
    if (this.flows.get(c.clientKey, c.serverKey) === c) this.flows.delete(c.clientKey, c.serverKey);
    this.closed.delete(c);
    if (this.last === c) this.last = undefined;
    try {
      c.finish();
    } catch (err) {
      c.parserFailed(err);
    }
    this.options.onConnection(c);
  }

  /** End of capture: every connection still tracked is handed over, in the order they were opened. */
  finishAll(): void {
    const all = [...this.flows.values()].sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)));
    for (const c of all) this.finish(c);
  }
}
