import type { TLSSocket, PeerCertificate, DetailedPeerCertificate } from 'node:tls';
import type { TlsChain, TlsInfo } from '../model/connection.js';

/**
 * The certificates the server presented, leaf first. Node appends issuers it found in the local trust
 * store; a self-signed root is the trust anchor, not something the server needs to send, so it is not counted.
 */
export function presentedChain(socket: TLSSocket): TlsChain | undefined {
  const first = socket.getPeerCertificate(true) as DetailedPeerCertificate;
  if (!first || !first.raw) return undefined;
  let depth = 0;
  let bytes = 0;
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = first;
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    if (depth > 0 && isSelfSigned(cert)) break;
    depth++;
    bytes += cert.raw.length;
    cert = cert.issuerCertificate;
  }
  return { depth, bytes };
}

function isSelfSigned(c: PeerCertificate): boolean {
  return JSON.stringify(c.subject) === JSON.stringify(c.issuer);
}

/** TLS facts of an established client socket. `ocspStapled` comes from the OCSPResponse event. */
export function tlsInfoOf(socket: TLSSocket, ocspStapled?: boolean): TlsInfo {
  const info: TlsInfo = { resumed: socket.isSessionReused() };
  const version = socket.getProtocol();
  if (version) info.version = version;
  const cipher = socket.getCipher();
  if (cipher) info.cipher = cipher.standardName ?? cipher.name;
  const eph = socket.getEphemeralKeyInfo() as { name?: string; type?: string } | null;
  if (eph && (eph.name || eph.type)) info.group = eph.name ?? eph.type;
  info.alpn = socket.alpnProtocol ?? false;
  const chain = presentedChain(socket);
  if (chain) info.chain = chain;
  if (ocspStapled !== undefined) info.ocspStapled = ocspStapled;
  const leaf = socket.getPeerCertificate(false);
  if (leaf?.valid_to) {
    const t = Date.parse(leaf.valid_to);
    if (Number.isFinite(t)) info.leafValidTo = t;
  }
  const sn = (socket as unknown as { servername?: string | false }).servername;
  if (typeof sn === 'string' && sn) info.servername = sn;
  return info;
}
