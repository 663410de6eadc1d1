import { MalformedError } from './malformed.js';
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

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/**
 * Record layer of one direction: headers across segment boundaries, handshake bodies assembled, application
 * data skipped. A handshake message that arrives whole in one segment (the usual ClientHello) is parsed in
 * place; only one that straddles records or segments is copied.
 */
class TlsRecordReader implements StreamConsumer {
  /** Header bytes read so far (a header may straddle two segments), and the header's fields. */
  private headerFill = 0;
  private type = 0;
  private major = 0;
  private minor = 0;
  private length = 0;
  private bodyLeft = 0;
  private ccsSeen = false;
  /** The start of a handshake message whose end has not arrived yet (null: none). */
  private hs: Buffer | null = null;
  /** Alert bytes seen in the current alert record (level, then description). */
  private alertFill = 0;
  private alertLevel = 0;

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
          while (this.headerFill < 5 && s < end) this.headerByte(buf[s++]!);
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

  private headerByte(b: number): void {
    switch (this.headerFill++) {
      case 0: this.type = b; break;
      case 1: this.major = b; break;
      case 2: this.minor = b; break;
      case 3: this.length = b << 8; break;
      default: this.length |= b;
    }
  }

  private startRecord(tsMs: number): void {
    const type = this.type;
    const len = this.length;
    if (type < RECORD.ccs || type > RECORD.heartbeat || this.major !== 3 || this.minor > 4 || len > MAX_RECORD) {
      this.p.fail(`not a TLS record (bytes ${[type, this.major, this.minor, len >> 8, len & 255].map(hex2).join('')})`);
      return;
    }
    this.bodyLeft = len;
    if (type === RECORD.handshake && this.fromClient && this.hs === null) this.p.markClientHelloTime(tsMs);
    this.p.recordStart(this.fromClient, type, tsMs);
    if (type === RECORD.ccs && !this.p.handshakeReadableAfterCcs()) this.ccsSeen = true;
    if (type === RECORD.alert) this.alertFill = 0;
  }

  private body(buf: Buffer, s: number, e: number, tsMs: number): void {
    if (this.type === RECORD.handshake && !this.ccsSeen) {
      const hs = this.hs;
      if (hs === null) {
        const pos = this.drainHandshake(buf, s, e, tsMs);
        // a copy: buf is the reader's chunk, reused for the next read
        this.hs = pos === e ? null : Buffer.from(buf.subarray(pos, e));
      } else {
        const joined = Buffer.concat([hs, buf.subarray(s, e)]);
        const pos = this.drainHandshake(joined, 0, joined.length, tsMs);
        this.hs = pos === joined.length ? null : joined.subarray(pos);
      }
    } else if (this.type === RECORD.alert && !this.ccsSeen && this.alertFill < 2) {
      for (let i = s; i < e && this.alertFill < 2; i++) {
        if (this.alertFill++ === 0) this.alertLevel = buf[i]!;
        else this.p.alert(this.fromClient, this.alertLevel, buf[i]!);
      }
    }
  }

  /** Hands over the complete handshake messages in buf[from, to); returns where the first incomplete one starts. */
  private drainHandshake(buf: Buffer, from: number, to: number, tsMs: number): number {
    let pos = from;
    while (to - pos >= 4) {
      const type = buf[pos]!;
      const len = (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
      if (len > MAX_HANDSHAKE_MESSAGE) throw new MalformedError(`handshake message of ${len} bytes`);
      if (to - pos < 4 + len) break;
      this.p.handshakeMessage(this.fromClient, type, buf, pos + 4, pos + 4 + len, tsMs);
      pos += 4 + len;
      if (this.p.finished) break;
    }
    return pos;
  }
}
