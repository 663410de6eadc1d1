import { MalformedError } from './malformed.js';

export const EXT = {
  serverName: 0,
  statusRequest: 5,
  supportedGroups: 10,
  alpn: 16,
  sessionTicket: 35,
  preSharedKey: 41,
  earlyData: 42,
  supportedVersions: 43,
  keyShare: 51,
} as const;

/** A ClientHello, as far as connection behaviour goes. */
export interface ClientHelloInfo {
  legacyVersion: number;
  /** supported_versions, in the client's order (GREASE included). */
  versions: number[];
  sni?: string;
  alpn: string[];
  groups: number[];
  keyShareGroups: number[];
  /** legacy_session_id length (32 in TLS 1.3 "middlebox compatibility" mode, or a TLS 1.2 session to resume). */
  sessionIdHex: string;
  /** session_ticket extension present; ticketBytes > 0 means a ticket is being presented. */
  sessionTicketExt: boolean;
  ticketBytes: number;
  /** pre_shared_key offered: a TLS 1.3 resumption attempt. */
  pskOffered: boolean;
  earlyData: boolean;
  /** status_request: the client asks for a stapled OCSP response. */
  statusRequest: boolean;
}

export interface ServerHelloInfo {
  legacyVersion: number;
  /** supported_versions selected (TLS 1.3), absent for TLS <= 1.2. */
  selectedVersion?: number;
  helloRetry: boolean;
  sessionIdHex: string;
  cipher: number;
  alpn?: string;
  /** Key share group (TLS 1.3), or the group a HelloRetryRequest asks for. */
  group?: number;
  pskAccepted: boolean;
  sessionTicketExt: boolean;
}

const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/*
 * The parsers read with plain indexes over buf (no cursor objects, no subarrays): a capture has one or two
 * hellos per connection, so this code runs thousands of times, mostly before the JIT has optimised it,
 * and every object or string it makes is paid per connection. Bounds are checked before each read;
 * `what` names the field in the error (built only when it is thrown).
 */

/** Throws unless n bytes from p stay within end. */
function need(p: number, n: number, end: number, what: string): void {
  if (p + n > end) throw new MalformedError(`${what} runs past its bounds`);
}

function needExtension(p: number, n: number, end: number, type: number): void {
  if (p + n > end) throw new MalformedError(`extension ${type} runs past its bounds`);
}

const u16 = (buf: Buffer, p: number): number => (buf[p]! << 8) | buf[p + 1]!;

/** Parses a ClientHello body (after the 4-byte handshake header). Throws MalformedError on nonsense. */
export function parseClientHello(buf: Buffer, start: number, end: number): ClientHelloInfo {
  need(start, 2, end, 'client_version');
  const info: ClientHelloInfo = {
    legacyVersion: u16(buf, start), versions: [], alpn: [], groups: [], keyShareGroups: [], sessionIdHex: '',
    sessionTicketExt: false, ticketBytes: 0, pskOffered: false, earlyData: false, statusRequest: false,
  };
  let p = start + 2;
  need(p, 32, end, 'random');
  p += 32;
  need(p, 1, end, 'session_id length');
  const sidLen = buf[p++]!;
  if (sidLen > 32) throw new MalformedError(`session_id of ${sidLen} bytes`);
  need(p, sidLen, end, 'session_id');
  if (sidLen > 0) info.sessionIdHex = buf.toString('hex', p, p + sidLen);
  p += sidLen;
  need(p, 2, end, 'cipher_suites length');
  const suites = u16(buf, p);
  p += 2;
  if (suites % 2 !== 0 || suites === 0) throw new MalformedError('odd cipher_suites length');
  need(p, suites, end, 'cipher_suites');
  p += suites;
  need(p, 1, end, 'compression length');
  const compression = buf[p++]!;
  need(p, compression, end, 'compression_methods');
  p += compression;
  if (p === end) return info; // no extensions (very old clients)
  need(p, 2, end, 'extensions length');
  const extsLen = u16(buf, p);
  p += 2;
  need(p, extsLen, end, 'extensions');
  const extsEnd = p + extsLen;
  while (p < extsEnd) {
    need(p, 2, extsEnd, 'extension type');
    const type = u16(buf, p);
    need(p + 2, 2, extsEnd, 'extension length');
    const len = u16(buf, p + 2);
    p += 4;
    needExtension(p, len, extsEnd, type);
    const bodyEnd = p + len;
    switch (type) {
      case EXT.serverName: {
        const sni = readServerName(buf, p, bodyEnd);
        if (info.sni === undefined) info.sni = sni;
        break;
      }
      case EXT.alpn:
        info.alpn = readAlpnList(buf, p, bodyEnd);
        break;
      case EXT.supportedGroups:
        readU16List(buf, p, bodyEnd, 2, 'supported_groups length', info.groups);
        break;
      case EXT.keyShare: {
        need(p, 2, bodyEnd, 'client_shares length');
        const listEnd = p + 2 + u16(buf, p);
        need(p + 2, listEnd - p - 2, bodyEnd, 'vector');
        for (let q = p + 2; q < listEnd;) {
          need(q, 2, listEnd, 'key_share group');
          info.keyShareGroups.push(u16(buf, q));
          need(q + 2, 2, listEnd, 'key_exchange length');
          const n = u16(buf, q + 2);
          need(q + 4, n, listEnd, 'key_exchange');
          q += 4 + n;
        }
        break;
      }
      case EXT.supportedVersions:
        readU16List(buf, p, bodyEnd, 1, 'supported_versions length', info.versions);
        break;
      case EXT.sessionTicket:
        info.sessionTicketExt = true;
        info.ticketBytes = len;
        break;
      case EXT.preSharedKey:
        info.pskOffered = true;
        break;
      case EXT.earlyData:
        info.earlyData = true;
        break;
      case EXT.statusRequest:
        info.statusRequest = true;
        break;
      default:
        break;
    }
    p = bodyEnd;
  }
  return info;
}

/** The first host_name of a server_name extension body, or undefined. */
function readServerName(buf: Buffer, p: number, end: number): string | undefined {
  need(p, 2, end, 'server_name_list length');
  const listEnd = p + 2 + u16(buf, p);
  need(p + 2, listEnd - p - 2, end, 'vector');
  let sni: string | undefined;
  for (let q = p + 2; q < listEnd;) {
    need(q, 1, listEnd, 'name_type');
    const nameType = buf[q]!;
    need(q + 1, 2, listEnd, 'host_name length');
    const n = u16(buf, q + 1);
    need(q + 3, n, listEnd, 'host_name');
    if (nameType === 0 && sni === undefined) sni = buf.toString('latin1', q + 3, q + 3 + n);
    q += 3 + n;
  }
  return sni;
}

/** A vector of 16-bit values with a lenBytes-byte length prefix, appended to out (an odd trailing byte is ignored). */
function readU16List(buf: Buffer, p: number, end: number, lenBytes: 1 | 2, what: string, out: number[]): void {
  need(p, lenBytes, end, what);
  const listStart = p + lenBytes;
  const listEnd = listStart + (lenBytes === 1 ? buf[p]! : u16(buf, p));
  need(listStart, listEnd - listStart, end, 'vector');
  for (let q = listStart; listEnd - q >= 2; q += 2) out.push(u16(buf, q));
}

function readAlpnList(buf: Buffer, p: number, end: number): string[] {
  const out: string[] = [];
  need(p, 2, end, 'ALPN list length');
  const listEnd = p + 2 + u16(buf, p);
  need(p + 2, listEnd - p - 2, end, 'vector');
  for (let q = p + 2; q < listEnd;) {
    need(q, 1, listEnd, 'ALPN protocol length');
    const n = buf[q]!;
    need(q + 1, n, listEnd, 'ALPN protocol');
    out.push(buf.toString('latin1', q + 1, q + 1 + n));
    q += 1 + n;
  }
  return out;
}

function isHelloRetryRandom(buf: Buffer, p: number): boolean {
  for (let i = 0; i < 32; i++) if (buf[p + i] !== HRR_RANDOM[i]) return false;
  return true;
}

/** Parses a ServerHello (or HelloRetryRequest) body. Throws MalformedError on nonsense. */
export function parseServerHello(buf: Buffer, start: number, end: number): ServerHelloInfo {
  need(start, 2, end, 'server_version');
  const legacyVersion = u16(buf, start);
  let p = start + 2;
  need(p, 32, end, 'random');
  const helloRetry = isHelloRetryRandom(buf, p);
  p += 32;
  need(p, 1, end, 'session_id length');
  const sidLen = buf[p++]!;
  if (sidLen > 32) throw new MalformedError(`session_id of ${sidLen} bytes`);
  need(p, sidLen, end, 'session_id');
  const sessionIdHex = sidLen > 0 ? buf.toString('hex', p, p + sidLen) : '';
  p += sidLen;
  need(p, 2, end, 'cipher_suite');
  const info: ServerHelloInfo = { legacyVersion, helloRetry, sessionIdHex, cipher: u16(buf, p), pskAccepted: false, sessionTicketExt: false };
  p += 2;
  need(p, 1, end, 'compression_method');
  p += 1;
  if (p === end) return info;
  need(p, 2, end, 'extensions length');
  const extsEnd = p + 2 + u16(buf, p);
  need(p + 2, extsEnd - p - 2, end, 'extensions');
  p += 2;
  while (p < extsEnd) {
    need(p, 2, extsEnd, 'extension type');
    const type = u16(buf, p);
    need(p + 2, 2, extsEnd, 'extension length');
    const len = u16(buf, p + 2);
    p += 4;
    needExtension(p, len, extsEnd, type);
    switch (type) {
      case EXT.supportedVersions:
        need(p, 2, p + len, 'selected_version');
        info.selectedVersion = u16(buf, p);
        break;
      case EXT.keyShare:
        need(p, 2, p + len, 'key_share group');
        info.group = u16(buf, p);
        break;
      case EXT.preSharedKey:
        info.pskAccepted = true;
        break;
      case EXT.alpn:
        info.alpn = readAlpnList(buf, p, p + len)[0];
        break;
      case EXT.sessionTicket:
        info.sessionTicketExt = true;
        break;
      default:
        break;
    }
    p += len;
  }
  return info;
}

/** Certificate message (TLS <= 1.2, in the clear): how many certificates and their total DER bytes. */
export function parseCertificateList(buf: Buffer, start: number, end: number): { depth: number; bytes: number } {
  need(start, 3, end, 'certificate_list length');
  const listEnd = start + 3 + ((buf[start]! << 16) | u16(buf, start + 1));
  need(start + 3, listEnd - start - 3, end, 'vector');
  let depth = 0;
  let bytes = 0;
  for (let q = start + 3; q < listEnd;) {
    need(q, 3, listEnd, 'certificate length');
    const n = (buf[q]! << 16) | u16(buf, q + 1);
    need(q + 3, n, listEnd, 'certificate');
    q += 3 + n;
    depth++;
    bytes += n;
  }
  return { depth, bytes };
}

/** ServerKeyExchange for ECDHE: the named curve (curve_type 3). */
export function parseEcdheGroup(buf: Buffer, start: number, end: number): number | undefined {
  need(start, 1, end, 'curve_type');
  if (buf[start] !== 3) return undefined;
  need(start + 1, 2, end, 'named_curve');
  return u16(buf, start + 1);
}
