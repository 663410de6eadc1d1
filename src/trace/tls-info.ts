import type { TLSSocket, DetailedPeerCertificate } from 'node:tls';
import type { TlsChain, TlsInfo } from '../model/connection.js';

const MAX_CHAIN = 16;

/**
 * Certificates the server sent, as far as Node exposes them, and the leaf's expiry. getPeerCertificate(true) links each
 * certificate to its issuer and appends the trust anchor from the client's store, so the walk stops
 * before a self-signed certificate: a root is not counted (servers rarely send it, and when they do
 * Node's API cannot tell it apart from the client's own copy).
 */
function peerCertificates(socket: TLSSocket, read?: DetailedPeerCertificate): { chain: TlsChain; leafValidTo: number | undefined } | undefined {
  let cert = read ?? (socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined);
  if (!cert || !cert.raw) return undefined;
  // the leaf's expiry from the same call: a second getPeerCertificate() costs tens of microseconds more
  const validTo = cert.valid_to ? Date.parse(cert.valid_to) : NaN;
  let depth = 0;
  let bytes = 0;
  const seen = new Set<object>();
  while (cert && cert.raw && !seen.has(cert) && depth < MAX_CHAIN) {
    seen.add(cert);
    const selfSigned = cert.issuerCertificate === cert || (cert.issuerCertificate === undefined && depth > 0 && cert.subject?.CN === cert.issuer?.CN);
    if (selfSigned && depth > 0) break;
    depth++;
    bytes += cert.raw.length;
    if (selfSigned) break;
    cert = cert.issuerCertificate;
  }
  return { chain: { depth, bytes }, leafValidTo: Number.isFinite(validTo) ? validTo : undefined };
}

/**
 * What both ends of a TLS connection can read alike: resumption, version, cipher and group. The cipher is
 * the IANA name (`standardName`, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', as a capture's TLS names
 * are), OpenSSL's name only where Node gives no standard one: one connection gets one cipher string
 * whichever source reported it (tracer, probe, bench engines, server tracing).
 */
export function negotiatedTls(socket: TLSSocket): TlsInfo {
  const info: TlsInfo = { resumed: socket.isSessionReused() };
  const version = socket.getProtocol();
  if (version) info.version = version;
  const cipher = socket.getCipher();
  if (cipher) info.cipher = cipher.standardName || cipher.name;
  // Empty on the client for TLS 1.3 in some Node versions, and always on a server: then the group stays absent.
  const eph = socket.getEphemeralKeyInfo() as { name?: string } | null;
  if (eph && eph.name) info.group = eph.name;
  return info;
}

/**
 * TLS facts of an established client socket; fields Node cannot tell us stay absent. The one builder of a
 * client connection's `tls` for every source (tracer, probe handshakes, bench engines).
 * `certificates: false` leaves `chain` and `leafValidTo` out: getPeerCertificate(true) builds the whole chain
 * as objects, about a millisecond of CPU per connection here (a good part of a handshake's), and even the
 * leaf alone costs tens of microseconds, which a load generator that opens a connection per request cannot
 * spend. (getPeerX509Certificate() would be cheap, but in Node 20 a client socket answers it only once, and
 * the host may be the one asking.) `certificates` may also be the detailed certificate already read: Node reads
 * it once itself to verify the host name and hands it to the `checkServerIdentity` option, so a client that
 * keeps it there (the h2 bench engine) gets the chain without reading it a second time.
 */
export function tlsInfoOf(socket: TLSSocket, ocspStapled?: boolean, certificates: boolean | DetailedPeerCertificate = true): TlsInfo {
  const info = negotiatedTls(socket);
  info.alpn = socket.alpnProtocol ?? false;
  const certs = certificates ? peerCertificates(socket, certificates === true ? undefined : certificates) : undefined;
  if (certs) info.chain = certs.chain;
  if (ocspStapled !== undefined) info.ocspStapled = ocspStapled;
  const servername = (socket as { servername?: string | false }).servername;
  if (typeof servername === 'string' && servername) info.servername = servername;
  if (certs?.leafValidTo !== undefined) info.leafValidTo = certs.leafValidTo;
  return info;
}

/** Whether the socket was created with requestOCSP (only then is 'OCSPResponse' meaningful). */
export function requestedOcsp(socket: TLSSocket): boolean {
  return Boolean((socket as unknown as { _tlsOptions?: { requestOCSP?: boolean } })._tlsOptions?.requestOCSP);
}
