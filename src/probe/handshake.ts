import tls from 'node:tls';
import type { TlsInfo } from '../model/connection.js';
import type { ConnscopeError } from '../errors.js';
import { explainError, phaseTimeout } from './failure.js';
// the tracer's reading of a TLS socket, so a bare handshake and a traced connection report the same facts
import { tlsInfoOf } from '../trace/tls-info.js';
import type { Target } from './target.js';
import type { ClientTls } from './http1-client.js';

export interface HandshakeResult {
  ok: boolean;
  info?: TlsInfo;
  /** TCP connected → secure (ms). */
  handshakeMs?: number;
  remoteAddress?: string;
  error?: ConnscopeError;
  /** Raw error code (ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION, ...), for telling causes apart. */
  rawCode?: string;
}

/** One bare TLS handshake (no HTTP), closed right after; never rejects. */
export function handshake(target: Target, options: ClientTls, timeoutMs: number): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    let connectedAt: number | undefined;
    let ocsp: boolean | undefined;
    let settled = false;
    const socket = tls.connect({
      host: target.pinnedAddress ?? target.host,
      port: target.port,
      servername: target.servername,
      ca: options.ca,
      rejectUnauthorized: options.rejectUnauthorized,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      ALPNProtocols: options.ALPNProtocols,
      // not in the typings, but tls.connect honours it (the OCSPResponse event)
      requestOCSP: true,
      ...(target.lookup && !target.pinnedAddress ? { lookup: target.lookup } : {}),
    } as tls.ConnectionOptions);
    const done = (r: HandshakeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => {
      const phase = connectedAt === undefined ? 'connect' : 'tls';
      done({ ok: false, error: phaseTimeout({ host: target.host, port: target.port, phase }, timeoutMs), rawCode: 'CONNSCOPE_ERR_TIMEOUT' });
    }, timeoutMs);
    timer.unref();
    socket.once('connect', () => (connectedAt = performance.now()));
    socket.on('OCSPResponse', (resp: Buffer | null) => (ocsp = Boolean(resp && resp.length > 0)));
    socket.once('secureConnect', () => {
      const at = performance.now();
      done({
        ok: true,
        info: tlsInfoOf(socket, ocsp ?? false),
        handshakeMs: connectedAt === undefined ? undefined : at - connectedAt,
        remoteAddress: socket.remoteAddress,
      });
    });
    socket.once('error', (err: Error & { code?: string }) => {
      const phase = connectedAt === undefined ? 'connect' : 'tls';
      done({ ok: false, error: explainError(err, { host: target.host, port: target.port, phase, caGiven: options.ca !== undefined }), rawCode: err.code ?? 'UNKNOWN' });
    });
  });
}
