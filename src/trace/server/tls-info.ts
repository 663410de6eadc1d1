import type { TLSSocket } from 'node:tls';
import type { TlsInfo } from '../../model/connection.js';
import { negotiatedTls } from '../tls-info.js';

/** TLS facts the server side can see: the client's builder's version/cipher/group (the group is only reported to clients). */
export function serverTlsInfo(socket: TLSSocket): TlsInfo {
  const info = negotiatedTls(socket);
  info.alpn = socket.alpnProtocol ?? false;
  const servername = (socket as TLSSocket & { servername?: string | false }).servername;
  if (typeof servername === 'string' && servername) info.servername = servername;
  return info;
}
