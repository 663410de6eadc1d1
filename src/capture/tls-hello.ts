import { ByteCursor, MalformedError } from './byte-cursor.js';

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

/** Parses a ClientHello body (after the 4-byte handshake header). Throws MalformedError on nonsense. */
export function parseClientHello(buf: Buffer, start: number, end: number): ClientHelloInfo {
  const c = new ByteCursor(buf, start, end);
  const info: ClientHelloInfo = {
    legacyVersion: c.u16('client_version'), versions: [], alpn: [], groups: [], keyShareGroups: [], sessionIdHex: '',
    sessionTicketExt: false, ticketBytes: 0, pskOffered: false, earlyData: false, statusRequest: false,
  };
  c.bytes(32, 'random');
  const sidLen = c.u8('session_id length');
  if (sidLen > 32) throw new MalformedError(`session_id of ${sidLen} bytes`);
  info.sessionIdHex = c.bytes(sidLen, 'session_id').toString('hex');
  const suites = c.u16('cipher_suites length');
  if (suites % 2 !== 0 || suites === 0) throw new MalformedError('odd cipher_suites length');
  c.bytes(suites, 'cipher_suites');
  c.bytes(c.u8('compression length'), 'compression_methods');
  if (c.remaining === 0) return info; // no extensions (very old clients)
  const exts = c.sub(c.u16('extensions length'), 'extensions');
  while (exts.remaining > 0) {
    const type = exts.u16('extension type');
    const body = exts.sub(exts.u16('extension length'), `extension ${type}`);
    switch (type) {
      case EXT.serverName: {
        const list = body.sub(body.u16('server_name_list length'));
        while (list.remaining > 0) {
          const nameType = list.u8('name_type');
          const name = list.bytes(list.u16('host_name length'), 'host_name');
          if (nameType === 0 && info.sni === undefined) info.sni = name.toString('latin1');
        }
        break;
      }
      case EXT.alpn:
        info.alpn = readAlpnList(body);
        break;
      case EXT.supportedGroups: {
        const list = body.sub(body.u16('supported_groups length'));
        while (list.remaining >= 2) info.groups.push(list.u16());
        break;
      }
      case EXT.keyShare: {
        const list = body.sub(body.u16('client_shares length'));
        while (list.remaining > 0) {
          info.keyShareGroups.push(list.u16('key_share group'));
          list.bytes(list.u16('key_exchange length'), 'key_exchange');
        }
        break;
      }
      case EXT.supportedVersions: {
        const list = body.sub(body.u8('supported_versions length'));
        while (list.remaining >= 2) info.versions.push(list.u16());
        break;
      }
      case EXT.sessionTicket:
        info.sessionTicketExt = true;
        info.ticketBytes = body.remaining;
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
  }
  return info;
}

/** Parses a ServerHello (or HelloRetryRequest) body. Throws MalformedError on nonsense. */
export function parseServerHello(buf: Buffer, start: number, end: number): ServerHelloInfo {
  const c = new ByteCursor(buf, start, end);
  const legacyVersion = c.u16('server_version');
  const random = c.bytes(32, 'random');
  const sidLen = c.u8('session_id length');
  if (sidLen > 32) throw new MalformedError(`session_id of ${sidLen} bytes`);
  const info: ServerHelloInfo = {
    legacyVersion, helloRetry: random.equals(HRR_RANDOM), sessionIdHex: c.bytes(sidLen, 'session_id').toString('hex'),
    cipher: c.u16('cipher_suite'), pskAccepted: false, sessionTicketExt: false,
  };
  c.u8('compression_method');
  if (c.remaining === 0) return info;
  const exts = c.sub(c.u16('extensions length'), 'extensions');
  while (exts.remaining > 0) {
    const type = exts.u16('extension type');
    const body = exts.sub(exts.u16('extension length'), `extension ${type}`);
    switch (type) {
      case EXT.supportedVersions:
        info.selectedVersion = body.u16('selected_version');
        break;
      case EXT.keyShare:
        info.group = body.u16('key_share group');
        break;
      case EXT.preSharedKey:
        info.pskAccepted = true;
        break;
      case EXT.alpn:
        info.alpn = readAlpnList(body)[0];
        break;
      case EXT.sessionTicket:
        info.sessionTicketExt = true;
        break;
      default:
        break;
    }
  }
  return info;
}

function readAlpnList(body: ByteCursor): string[] {
  const out: string[] = [];
  const list = body.sub(body.u16('ALPN list length'));
  while (list.remaining > 0) out.push(list.bytes(list.u8('ALPN protocol length'), 'ALPN protocol').toString('latin1'));
  return out;
}

/** Certificate message (TLS <= 1.2, in the clear): how many certificates and their total DER bytes. */
export function parseCertificateList(buf: Buffer, start: number, end: number): { depth: number; bytes: number } {
  const c = new ByteCursor(buf, start, end);
  const list = c.sub(c.u24('certificate_list length'));
  let depth = 0;
  let bytes = 0;
  while (list.remaining > 0) {
    const n = list.u24('certificate length');
    list.bytes(n, 'certificate');
    depth++;
    bytes += n;
  }
  return { depth, bytes };
}

/** ServerKeyExchange for ECDHE: the named curve (curve_type 3). */
export function parseEcdheGroup(buf: Buffer, start: number, end: number): number | undefined {
  const c = new ByteCursor(buf, start, end);
  return c.u8('curve_type') === 3 ? c.u16('named_curve') : undefined;
}
