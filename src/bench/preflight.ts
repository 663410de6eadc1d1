import net from 'node:net';
import tls from 'node:tls';
import { ConnectError, DnsError, TlsError, TimeoutError, classifyError, type ConnscopeError } from '../errors.js';
import type { ResolvedBenchOptions } from './options.js';

/**
 * Opens one connection (and TLS handshake) before the load starts, so an unreachable target or a
 * certificate problem ends the run at once with one clear error instead of a report full of errors.
 */
export function preflight(o: ResolvedBenchOptions): Promise<void> {
  const url = o.url;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const where = `${host}:${port}`;
  return new Promise<void>((resolve, reject) => {
    const socket = secure
      ? tls.connect({
          host,
          port,
          servername: net.isIP(host) ? undefined : host,
          ca: o.ca,
          rejectUnauthorized: !o.insecure,
          ALPNProtocols: o.client === 'h2' ? ['h2'] : ['http/1.1'],
        })
      : net.connect({ host, port });
    const timer = setTimeout(() => finish(new TimeoutError(`no connection to ${where} within ${o.connectTimeoutMs} ms`, { layer: 'tcp', hint: 'is the target reachable? raise --connect-timeout' })), o.connectTimeoutMs);
    const onAbort = (): void => finish(new TimeoutError('interrupted before the run started'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (err?: ConnscopeError): void => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) socket.destroy();
      else {
        // a graceful close, so the server sees a complete handshake and counts the connection
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      }
      if (err) reject(err);
      else resolve();
    };
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      if (secure && o.client === 'h2' && (socket as tls.TLSSocket).alpnProtocol !== 'h2') {
        return finish(new TlsError(`${where} does not offer HTTP/2 (ALPN h2)`, { hint: 'use --client undici for HTTP/1.1' }));
      }
      finish();
    });
    socket.once('error', (err) => finish(describe(err, where, secure)));
  });
}

function describe(err: unknown, where: string, secure: boolean): ConnscopeError {
  const e = classifyError(err);
  if (e.layer === 'dns') return new DnsError(`cannot resolve ${where}: ${e.code}`, { cause: err });
  if (e.layer === 'tls' || (secure && e.code === 'ECONNRESET' && /TLS|SSL|secure/i.test(e.message))) {
    const certificate = /CERT|SELF_SIGNED|UNABLE_TO|altname/i.test(`${e.code} ${e.message}`);
    return new TlsError(`TLS handshake with ${where} failed: ${firstLine(e.message)} (${e.code})`, {
      cause: err,
      hint: certificate ? 'pass the issuing CA with --ca <file>, or --insecure to skip verification' : undefined,
    });
  }
  return new ConnectError(`cannot connect to ${where}: ${e.code}`, { cause: err, hint: e.code === 'ECONNREFUSED' ? 'nothing listens there' : undefined });
}

function firstLine(message: string): string {
  // OpenSSL messages carry the library's source location after the reason
  const m = /:SSL routines:[^:]*:([^:]+)/.exec(message);
  return m ? m[1]! : message.split('\n')[0]!;
}
