import { MalformedError } from './byte-cursor.js';
import type { StreamConsumer } from './tcp-direction.js';
import {
  parseCertificateList, parseClientHello, parseEcdheGroup, parseServerHello, type ClientHelloInfo, type ServerHelloInfo,
} from './tls-hello.js';
import { isEcdheCipher } from './tls-names.js';

const RECORD = { ccs: 20, alert: 21, handshake: 22, appData: 23, heartbeat: 24 } as const;
const HS = { clientHello: 1, serverHello: 2, newSessionTicket: 4, certificate: 11, serverKeyExchange: 12, serverHelloDone: 14, certificateStatus: 22 } as const;
const MAX_RECORD = 16384 + 2048;
/** A handshake message larger than this is not something we need (a huge certificate chain at most). */
const MAX_HANDSHAKE_MESSAGE = 256 * 1024;
const TLS13 = 0x0304;

/** What the cleartext part of a TLS handshake showed. */
export interface TlsObservation {
  /** ClientHello messages (2 when the server sent a HelloRetryRequest). */
  clientHellos: number;
  clientHello?: ClientHelloInfo;
  /** Any ClientHello offered pre_shared_key. */
  pskOffered: boolean;
  serverHello?: ServerHelloInfo;
  helloRetry: boolean;
  /** Group a HelloRetryRequest asked for. */
  helloRetryGroup?: number;
  chain?: { depth: number; bytes: number };
  /** TLS <= 1.2 ECDHE curve from ServerKeyExchange. */
  ecdheGroup?: number;
  ocspStapled: boolean;
  /** TLS <= 1.2 NewSessionTicket sent in the clear. */
  ticketIssued: boolean;
  /** TLS <= 1.2: the server went from ServerHello straight to ChangeCipherSpec (an abbreviated, resumed handshake). */
  abbreviated: boolean;
  clientHelloAt?: number;
  serverHelloAt?: number;
  /** First client application-data record after the handshake. */
  appDataAt?: number;
  /** Early data records the client sent before the ServerHello. */
  earlyDataRecords: number;
  alert?: { from: 'client' | 'server'; level: number; description: number };
  /** Why the rest of the handshake could not be read (garbage, missing bytes). */
  unparsable?: string;
}

/** Reads TLS records from both directions of one connection until the handshake is over. */
export class TlsHandshakeParser {
  readonly obs: TlsObservation = { clientHellos: 0, pskOffered: false, helloRetry: false, ocspStapled: false, ticketIssued: false, abbreviated: false, earlyDataRecords: 0 };
  readonly client: StreamConsumer;
  readonly server: StreamConsumer;
  private clientAppRecords = 0;
  private serverCertSeen = false;
  /** Called once when no more payload is needed (handshake over, or unparsable). */
  onDone: (() => void) | undefined;
  private done = false;

  constructor() {
    this.client = new TlsRecordReader(this, true);
    this.server = new TlsRecordReader(this, false);
  }

  get version(): number | undefined {
    const sh = this.obs.serverHello;
    return sh ? (sh.selectedVersion ?? sh.legacyVersion) : undefined;
  }

  /** TLS 1.3 encrypts handshake messages as application-data records, so handshake records stay readable. */
  handshakeReadableAfterCcs(): boolean {
    return this.version === TLS13 || this.obs.helloRetry;
  }

  fail(reason: string): void {
    if (this.obs.unparsable === undefined) this.obs.unparsable = reason;
    this.finish();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    this.onDone?.();
  }

  get finished(): boolean {
    return this.done;
  }

  recordStart(fromClient: boolean, type: number, tsMs: number): void {
    if (!fromClient) {
      if (type === RECORD.ccs && this.version !== undefined && this.version !== TLS13 && !this.serverCertSeen) this.obs.abbreviated = true;
      return;
    }
    if (type !== RECORD.appData) return;
    if (!this.obs.serverHello) {
      this.obs.earlyDataRecords++;
      return;
    }
    this.clientAppRecords++;
    // TLS 1.3: the client's first encrypted record is its Finished
    const needed = this.version === TLS13 ? 2 : 1;
    if (this.clientAppRecords >= needed && this.obs.appDataAt === undefined) {
      this.obs.appDataAt = tsMs;
      this.finish();
    }
  }

  handshakeMessage(fromClient: boolean, type: number, buf: Buffer, start: number, end: number, tsMs: number): void {
    const o = this.obs;
    if (fromClient) {
      if (type !== HS.clientHello) return;
      const ch = parseClientHello(buf, start, end);
      o.clientHellos++;
      o.clientHello ??= ch;
      if (ch.pskOffered) o.pskOffered = true;
      return;
    }
    switch (type) {
      case HS.serverHello: {
        const sh = parseServerHello(buf, start, end);
        if (sh.helloRetry) {
          o.helloRetry = true;
          o.helloRetryGroup = sh.group;
        } else {
          o.serverHello = sh;
          o.serverHelloAt = tsMs;
        }
        return;
      }
      case HS.certificate:
        if (this.version !== TLS13) {
          this.serverCertSeen = true;
          o.chain = parseCertificateList(buf, start, end);
        }
        return;
      case HS.serverKeyExchange:
        if (o.serverHello && isEcdheCipher(o.serverHello.cipher)) o.ecdheGroup = parseEcdheGroup(buf, start, end);
        return;
      case HS.serverHelloDone:
        this.serverCertSeen = true;
        return;
      case HS.certificateStatus:
        o.ocspStapled = true;
        return;
      case HS.newSessionTicket:
        if (this.version !== TLS13) o.ticketIssued = true;
        return;
      default:
        return;
    }
  }

  alert(fromClient: boolean, level: number, description: number): void {
    this.obs.alert ??= { from: fromClient ? 'client' : 'server', level, description };
  }

  markClientHelloTime(tsMs: number): void {
    this.obs.clientHelloAt ??= tsMs;
  }
}

/** Record layer of one direction: headers across segment boundaries, handshake bodies assembled, application data skipped. */
class TlsRecordReader implements StreamConsumer {
  private readonly header = Buffer.alloc(5);
  private headerFill = 0;
  private bodyLeft = 0;
  private type = 0;
  private ccsSeen = false;
  private hs: Buffer = Buffer.alloc(0);
  private alertBytes: number[] = [];

  constructor(
    private readonly p: TlsHandshakeParser,
    private readonly fromClient: boolean,
  ) {}

  gap(_tsMs: number): void {
    if (!this.p.finished) this.p.fail('bytes missing from the capture during the TLS handshake');
  }

  data(buf: Buffer, start: number, end: number, tsMs: number): void {
    let s = start;
    try {
      while (s < end && !this.p.finished) {
        if (this.bodyLeft === 0) {
          const take = Math.min(5 - this.headerFill, end - s);
          buf.copy(this.header, this.headerFill, s, s + take);
          this.headerFill += take;
          s += take;
          if (this.headerFill < 5) break;
          this.headerFill = 0;
          this.startRecord(tsMs);
          continue;
        }
        const take = Math.min(this.bodyLeft, end - s);
        this.body(buf, s, s + take, tsMs);
        s += take;
        this.bodyLeft -= take;
      }
    } catch (err) {
      if (err instanceof MalformedError) this.p.fail(`malformed TLS handshake: ${err.message}`);
      else throw err;
    }
  }

  private startRecord(tsMs: number): void {
    const h = this.header;
    const type = h[0]!;
    const len = (h[3]! << 8) | h[4]!;
    if (type < RECORD.ccs || type > RECORD.heartbeat || h[1] !== 3 || h[2]! > 4 || len > MAX_RECORD) {
      this.p.fail(`not a TLS record (bytes ${h.toString('hex')})`);
      return;
    }
    this.type = type;
    this.bodyLeft = len;
    if (type === RECORD.handshake && this.fromClient && this.hs.length === 0) this.p.markClientHelloTime(tsMs);
    this.p.recordStart(this.fromClient, type, tsMs);
    if (type === RECORD.ccs && !this.p.handshakeReadableAfterCcs()) this.ccsSeen = true;
    if (type === RECORD.alert) this.alertBytes = [];
  }

  private body(buf: Buffer, s: number, e: number, tsMs: number): void {
    if (this.type === RECORD.handshake && !this.ccsSeen) {
      this.hs = this.hs.length === 0 ? Buffer.from(buf.subarray(s, e)) : Buffer.concat([this.hs, buf.subarray(s, e)]);
      this.drainHandshake(tsMs);
    } else if (this.type === RECORD.alert && !this.ccsSeen && this.alertBytes.length < 2) {
      for (let i = s; i < e && this.alertBytes.length < 2; i++) this.alertBytes.push(buf[i]!);
      if (this.alertBytes.length === 2) this.p.alert(this.fromClient, this.alertBytes[0]!, this.alertBytes[1]!);
    }
  }

  private drainHandshake(tsMs: number): void {
    let pos = 0;
    const hs = this.hs;
    while (hs.length - pos >= 4) {
      const type = hs[pos]!;
      const len = (hs[pos + 1]! << 16) | (hs[pos + 2]! << 8) | hs[pos + 3]!;
      if (len > MAX_HANDSHAKE_MESSAGE) throw new MalformedError(`handshake message of ${len} bytes`);
      if (hs.length - pos < 4 + len) break;
      this.p.handshakeMessage(this.fromClient, type, hs, pos + 4, pos + 4 + len, tsMs);
      pos += 4 + len;
      if (this.p.finished) break;
    }
    this.hs = pos === hs.length ? Buffer.alloc(0) : hs.subarray(pos);
  }
}
