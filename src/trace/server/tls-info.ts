import type { TLSSocket } from 'node:tls';
import type { TlsInfo } from '../../model/connection.js';

/** TLS facts the server side can see (the key-exchange group is only reported to clients). */
export function serverTlsInfo(socket: TLSSocket): TlsInfo {
  const info: TlsInfo = { resumed: socket.isSessionReused() };
  const version = socket.getProtocol();
  if (version) info.version = version;
  const cipher = socket.getCipher();
  if (cipher) info.cipher = cipher.standardName ?? cipher.name;
  info.alpn = socket.alpnProtocol ?? false;
  const servername = (socket as TLSSocket & { servername?: string | false }).servername;
  if (typeof servername === 'string' && servername) info.servername = servername;
  return info;
}
