import { addIdlePeriod, newIdleStats, type IdleStats } from '../model/connection.js';
import { ACK, FIN, RST, SYN, type TcpSegment } from './decode.js';
import { Http1Parser, type HttpExchange } from './http1-exchange.js';
import { analyzeSegment } from './tcp-analysis.js';
import { TcpDirection, type StreamConsumer } from './tcp-direction.js';
import { TlsHandshakeParser } from './tls-handshake.js';

export type AppProtocol = 'unknown' | 'tls' | 'http' | 'other';
export type Side = 'client' | 'server';

export interface FirstClose {
  side: Side;
  flag: 'FIN' | 'RST';
  at: number;
  /** Last payload byte (either direction) before this close. */
  lastPayloadAt: number | undefined;
}

const HTTP_METHOD_START = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT|TRACE|PROPFIND|[A-Z]{3,12}) \//;

function looksLikeClientHello(buf: Buffer, s: number, e: number): boolean {
  return e - s >= 6 && buf[s] === 0x16 && buf[s + 1] === 0x03 && buf[s + 5] === 0x01;
}

/**
 * A segment holding just one TLS alert record (close_notify when encrypted): not a request. TLS <= 1.2
 * shows the alert type in the record header; TLS 1.3 wraps it as a 19-byte application-data record.
 */
function isAlertRecord(seg: TcpSegment): boolean {
  const b = seg.data;
  const s = seg.payloadStart;
  if (seg.payloadEnd - s < 5 || b[s + 1] !== 0x03) return false;
  const len = (b[s + 3]! << 8) | b[s + 4]!;
  if (seg.payloadLength !== 5 + len) return false;
  return b[s] === 21 || (b[s] === 23 && len === 19);
}

function looksLikeHttpRequest(buf: Buffer, s: number, e: number): boolean {
  return HTTP_METHOD_START.test(buf.toString('latin1', s, Math.min(e, s + 16)));
}

/**
 * One TCP connection in a capture: the three-way handshake, both directions, who closed first, and
 * the application parser (TLS handshake or cleartext HTTP/1.1) fed with reassembled bytes.
 */
export class TcpConnection {
  /** Which side is the client: from the SYN, else from who spoke TLS/HTTP first, else the higher port. */
  roleFrom: 'syn' | 'content' | 'port';
  c2s = new TcpDirection();
  s2c = new TcpDirection();
  packets = 0;
  /** Either side sent RST, or both sent FIN (a field, set when it happens: read for every packet). */
  closed = false;
  synAt: number | undefined;
  synAckAt: number | undefined;
  ackAt: number | undefined;
  lastAt: number;
  firstClose: FirstClose | undefined;
  app: AppProtocol = 'unknown';
  tls: TlsHandshakeParser | undefined;
  http: Http1Parser | undefined;
  /** Client bursts after the handshake (a request estimate when the payload is encrypted). */
  turns = 0;
  idle: IdleStats = newIdleStats();
  /** The client sent data after the server's FIN: the stale-socket race, seen on the wire. */
  clientDataAfterServerCloseAt: number | undefined;
  /** A cleartext HTTP exchange finished (or the connection ended during one). */
  onExchange: ((c: TcpConnection, x: HttpExchange) => void) | undefined;
  /** End of the previous exchange, for the next request's idleBeforeMs. */
  previousExchangeEndAt: number | undefined;
  /** The next connection in the flow table's bucket (see ConnectionIndex). */
  nextInBucket: TcpConnection | undefined;
  /** An unexpected failure inside a payload parser: the connection keeps its TCP facts. */
  parserError: string | undefined;
  private lastSynAt: number | undefined;
  /** SYN → ACK as tshark measures it for its out-of-order rule (0 = not seen). */
  private initialRttMs = 0;
  private lastPayloadFromClient: boolean | undefined;
  /** -Infinity until the server sends payload (a number, updated in place: see TcpDirection.lastPayloadAt). */
  private lastServerPayloadAt = -Infinity;
  private countingTurns = false;

  constructor(
    readonly id: string,
    public clientKey: number | string,
    public serverKey: number | string,
    public clientAddr: string,
    public clientPort: number,
    public serverAddr: string,
    public serverPort: number,
    readonly firstAt: number,
    roleFrom: 'syn' | 'port',
    private readonly wantPayload: boolean,
  ) {
    this.roleFrom = roleFrom;
    this.lastAt = firstAt;
    if (wantPayload) {
      this.c2s.consumer = this.sniffer(true);
      this.s2c.consumer = this.sniffer(false);
    }
  }

  segment(seg: TcpSegment, fromClient: boolean, ts: number): void {
    this.packets++;
    this.lastAt = ts;
    const f = seg.flags;
    const dir = fromClient ? this.c2s : this.s2c;
    // both read for every packet: a read first met in the FIN branch, after this was compiled, would discard the compiled code
    const other = fromClient ? this.s2c : this.c2s;
    // tshark's initial RTT: the most recent SYN → the first segment with ACK and without SYN
    if ((f & (SYN | ACK)) === SYN) this.lastSynAt = ts;
    else if (this.initialRttMs === 0 && this.lastSynAt !== undefined && (f & (SYN | ACK)) === ACK) this.initialRttMs = ts - this.lastSynAt;
    analyzeSegment(dir.analysis, other.analysis, seg.seq, seg.ack, seg.payloadLength, f, seg.window, ts, this.initialRttMs);
    if (f & SYN) {
      if (f & ACK) {
        this.synAckAt ??= ts;
        if (!dir.synSeen) dir.syn(seg.seq);
      } else {
        this.synAt ??= ts;
        if (!dir.synSeen) dir.syn(seg.seq);
      }
      return;
    }
    if (fromClient && this.ackAt === undefined && this.synAckAt !== undefined && f & ACK) this.ackAt = ts;
    if (seg.payloadLength > 0) {
      if (fromClient && this.s2c.finAt !== undefined && this.clientDataAfterServerCloseAt === undefined) this.clientDataAfterServerCloseAt = ts;
      dir.payload(seg, ts);
      // the first bytes may have shown that client and server were the other way round
      const isClient = dir === this.c2s;
      if (!(this.app === 'tls' && isAlertRecord(seg))) this.trackTurn(isClient, ts);
    }
    if (f & (FIN | RST)) {
      const rst = (f & RST) !== 0;
      if (rst) dir.rstAt ??= ts;
      else dir.finAt ??= ts;
      // closed once either side resets or both have sent FIN
      if (rst || other.finAt !== undefined) this.closed = true;
      if (!this.firstClose) {
        const last = Math.max(this.c2s.lastPayloadAt, this.s2c.lastPayloadAt);
        this.firstClose = { side: fromClient ? 'client' : 'server', flag: rst ? 'RST' : 'FIN', at: ts, lastPayloadAt: Number.isFinite(last) ? last : undefined };
      }
      dir.flush(ts);
    }
  }

  private trackTurn(fromClient: boolean, ts: number): void {
    if (!this.countingTurns) {
      // turns start with the first application bytes: after the TLS handshake, or at once for cleartext
      if (this.app === 'tls') this.countingTurns = this.tls?.obs.appDataAt !== undefined;
      else this.countingTurns = this.app !== 'unknown';
      if (!this.countingTurns) return;
    }
    if (fromClient) {
      if (this.lastPayloadFromClient !== true) {
        this.turns++;
        if (this.turns > 1 && this.lastServerPayloadAt !== -Infinity) addIdlePeriod(this.idle, ts - this.lastServerPayloadAt);
      }
      this.lastPayloadFromClient = true;
    } else {
      this.lastPayloadFromClient = false;
      this.lastServerPayloadAt = ts;
    }
  }

  /** Decides the application protocol from the first bytes, then hands the directions to its parser. */
  private sniffer(fromClient: boolean): StreamConsumer {
    return {
      data: (buf, s, e, ts) => {
        if (this.app !== 'unknown') return;
        const clientHello = looksLikeClientHello(buf, s, e);
        const httpRequest = !clientHello && looksLikeHttpRequest(buf, s, e);
        if (!fromClient && (clientHello || httpRequest) && this.roleFrom === 'port') this.swapRoles();
        else if (!fromClient) {
          this.setApp('other');
          return;
        }
        if (clientHello) this.startTls();
        else if (httpRequest) this.startHttp();
        else {
          this.setApp('other');
          return;
        }
        this.roleFrom = this.roleFrom === 'port' ? 'content' : this.roleFrom;
        this.c2s.consumer?.data(buf, s, e, ts);
      },
      gap: () => {
        if (this.app === 'unknown') this.setApp('other');
      },
    };
  }

  private startTls(): void {
    const tls = new TlsHandshakeParser();
    this.tls = tls;
    this.app = 'tls';
    this.c2s.consumer = tls.client;
    this.s2c.consumer = tls.server;
    tls.onDone = () => {
      this.c2s.release();
      this.s2c.release();
    };
  }

  private startHttp(): void {
    const http = new Http1Parser();
    this.http = http;
    this.app = 'http';
    http.onExchange = (x) => this.onExchange?.(this, x);
    this.c2s.consumer = http.client;
    this.s2c.consumer = http.server;
  }

  /** Stops payload parsing after an unexpected parser failure (never fatal for the capture). */
  parserFailed(err: unknown): void {
    this.parserError = err instanceof Error ? err.message : String(err);
    if (this.tls) this.tls.fail(`parser error: ${this.parserError}`);
    this.c2s.release();
    this.s2c.release();
  }

  private setApp(app: AppProtocol): void {
    this.app = app;
    this.c2s.release();
    this.s2c.release();
  }

  private swapRoles(): void {
    [this.clientKey, this.serverKey] = [this.serverKey, this.clientKey];
    [this.clientAddr, this.serverAddr] = [this.serverAddr, this.clientAddr];
    [this.clientPort, this.serverPort] = [this.serverPort, this.clientPort];
    [this.c2s, this.s2c] = [this.s2c, this.c2s];
    if (this.wantPayload) {
      this.c2s.consumer = this.sniffer(true);
      this.s2c.consumer = this.sniffer(false);
    }
  }

  /** End of the connection (closed and quiet, or end of capture): flushes what waits for missing bytes. */
  finish(): void {
    this.c2s.flush(this.lastAt);
    this.s2c.flush(this.lastAt);
    this.http?.finish();
  }
}
