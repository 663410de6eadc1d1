import { ACK, decodeTcp, newSegment, segmentAddresses, SYN, type SkipReason, type TcpSegment } from './decode.js';
import type { HttpExchange } from './http1-exchange.js';
import { TcpConnection } from './tcp-connection.js';

/** A closed connection is kept this long (capture time) to absorb its last ACKs and retransmitted FINs. */
const CLOSED_LINGER_MS = 2000;
/** Closed connections are swept every this many TCP packets (a power of two: the check is a mask). */
const SWEEP_EVERY_PACKETS = 8192;
/** How often the packet path calls sweepIfDue() (a power of two, dividing SWEEP_EVERY_PACKETS). */
const SWEEP_CHECK_EVERY_PACKETS = 256;

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
 * A bucket number for an IPv4 connection, the same for both directions: endpoints are ip * 65536 + port
 * (exact integers), folded into a small integer so the map's key is a small integer (no boxed number per lookup).
 */
function bucketOf(a: number, b: number): number {
  const ipA = Math.floor(a / 65536);
  const ipB = Math.floor(b / 65536);
  const ports = (a - ipA * 65536) ^ (b - ipB * 65536);
  return (Math.imul(ipA ^ ipB, 0x9e3779b1) ^ Math.imul(ports, 0x85ebca6b)) & 0x3fffffff;
}

const sameEnds = (c: TcpConnection, a: number | string, b: number | string): boolean =>
  (c.clientKey === a && c.serverKey === b) || (c.clientKey === b && c.serverKey === a);

/**
 * Connections by their two endpoints, either order. IPv4: a map from bucketOf() to a chain of connections
 * (linked through nextInBucket, checked endpoint by endpoint), one lookup and no string per packet.
 * IPv6 uses a string key.
 */
class ConnectionIndex {
  private readonly v4 = new Map<number, TcpConnection>();
  private readonly v6 = new Map<string, TcpConnection>();
  size = 0;

  get(a: number | string, b: number | string): TcpConnection | undefined {
    if (typeof a === 'number' && typeof b === 'number') {
      let c = this.v4.get(bucketOf(a, b));
      while (c !== undefined && !sameEnds(c, a, b)) c = c.nextInBucket;
      return c;
    }
    return this.v6.get(a < b ? `${a}|${b}` : `${b}|${a}`);
  }

  set(a: number | string, b: number | string, c: TcpConnection): void {
    this.delete(a, b);
    this.size++;
    if (typeof a === 'number' && typeof b === 'number') {
      const bucket = bucketOf(a, b);
      c.nextInBucket = this.v4.get(bucket);
      this.v4.set(bucket, c);
    } else {
      this.v6.set(a < b ? `${a}|${b}` : `${b}|${a}`, c);
    }
  }

  delete(a: number | string, b: number | string): void {
    if (typeof a === 'number' && typeof b === 'number') {
      const bucket = bucketOf(a, b);
      let prev: TcpConnection | undefined;
      let c = this.v4.get(bucket);
      while (c !== undefined && !sameEnds(c, a, b)) {
        prev = c;
        c = c.nextInBucket;
      }
      if (c === undefined) return;
      if (prev) prev.nextInBucket = c.nextInBucket;
      else if (c.nextInBucket) this.v4.set(bucket, c.nextInBucket);
      else this.v4.delete(bucket);
      c.nextInBucket = undefined;
    } else {
      const key = a < b ? `${a}|${b}` : `${b}|${a}`;
      if (!this.v6.delete(key)) return;
    }
    this.size--;
  }

  *values(): IterableIterator<TcpConnection> {
    for (const head of this.v4.values()) {
      for (let c: TcpConnection | undefined = head; c !== undefined; c = c.nextInBucket) yield c;
    }
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
    const synOnly = (seg.flags & (SYN | ACK)) === SYN;
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
    // checked more often than it sweeps: V8 deoptimises compiled code at a call it never saw run, and the
    // first sweep (8192 packets in) came after the packet path was compiled, throwing away the compiled code
    // of everything inlined into it; this call runs before that, and is too rare to be inlined itself
    if ((this.tcpPackets & (SWEEP_CHECK_EVERY_PACKETS - 1)) === 0) this.sweepIfDue(ts);
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
    const syn = (seg.flags & SYN) !== 0;
    const ack = (seg.flags & ACK) !== 0;
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

  /** Sweeps every SWEEP_EVERY_PACKETS TCP packets (the count decides, so the result never depends on timing). */
  private sweepIfDue(now: number): void {
    if ((this.tcpPackets & (SWEEP_EVERY_PACKETS - 1)) === 0) this.sweep(now);
  }

  private sweep(now: number): void {
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
