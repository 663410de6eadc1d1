import net from 'node:net';
import tls from 'node:tls';
import { checkCa } from '../ca-pem.js';
import { explainCertError } from '../cert-errors.js';
import { ConnectError, DnsError, H2Error, TlsError, TimeoutError, classifyError, type ConnscopeError } from '../errors.js';
import type { ResolvedBenchOptions } from './options.js';

/** The HTTP/2 client connection preface followed by an empty SETTINGS frame (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
const H2_FRAME_SETTINGS = 4;

/**
 * Opens one connection (and TLS handshake) before the load starts, so an unreachable target, a
 * certificate problem or a server without HTTP/2 (for --client h2) ends the run at once with one
 * clear error instead of a report full of errors.
 */
export function preflight(o: ResolvedBenchOptions): Promise<void> {
  const url = o.url;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const where = `${host}:${port}`;
  // before any traffic: Node ignores trust anchors without a certificate, and the hint would then say "pass --ca"
  try {
    if (o.ca !== undefined) checkCa(o.ca);
  } catch (err) {
    return Promise.reject(err);
  }
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
    // which step the deadline caught: TCP not connected, the TLS handshake, or the h2c preface unanswered
    let tcpConnected = false;
    socket.once('connect', () => (tcpConnected = true));
    const timer = setTimeout(() => finish(stalled(where, o.connectTimeoutMs, tcpConnected, secure)), o.connectTimeoutMs);
    const onAbort = (): void => finish(new TimeoutError('interrupted before the run started'));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let settled = false;
    const finish = (err?: ConnscopeError): void => {
      if (settled) return;
      settled = true;
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
      if (o.client !== 'h2') return finish();
      if (secure) return finish((socket as tls.TLSSocket).alpnProtocol === 'h2' ? undefined : noH2(where, 'ALPN h2'));
      // h2 without TLS is prior knowledge (h2c): an HTTP/2 server answers the preface with its SETTINGS
      let seen = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        if (seen.length >= 9) finish(seen[3] === H2_FRAME_SETTINGS ? undefined : noH2(where, 'h2c prior knowledge'));
      });
      socket.once('end', () => finish(noH2(where, 'h2c prior knowledge')));
      socket.write(H2_PREFACE);
    });
    socket.once('error', (err) => finish(o.client === 'h2' && classifyError(err).code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' ? noH2(where, 'ALPN h2') : describe(err, where, secure, { host, caGiven: o.ca !== undefined })));
  });
}

function noH2(where: string, how: string): H2Error {
  return new H2Error(`${where} does not offer HTTP/2 (${how})`, { hint: how === 'ALPN h2' ? 'use --client undici for HTTP/1.1' : 'use --client undici for HTTP/1.1, or an https:// URL' });
}

function stalled(where: string, ms: number, tcpConnected: boolean, secure: boolean): TimeoutError {
  if (!tcpConnected) return new TimeoutError(`no connection to ${where} within ${ms} ms`, { layer: 'tcp', hint: 'is the target reachable? raise --connect-timeout' });
  if (secure) {
    return new TimeoutError(`TCP connected to ${where}, but the TLS handshake did not complete within ${ms} ms`, {
      layer: 'tls', hint: 'the server accepted the connection and stalled the handshake: is it a TLS port, and is the server overloaded? raise --connect-timeout',
    });
  }
  return new TimeoutError(`TCP connected to ${where}, but no HTTP/2 SETTINGS answered the h2c preface within ${ms} ms`, { layer: 'h2', hint: 'use --client undici for HTTP/1.1, or an https:// URL' });
}

function describe(err: unknown, where: string, secure: boolean, cert: { host: string; caGiven: boolean }): ConnscopeError {
  const e = classifyError(err);
  if (e.layer === 'dns') return new DnsError(`cannot resolve ${where}: ${e.code}`, { cause: err });
  const certificate = explainCertError(e.code, err, cert);
  if (certificate) return new TlsError(`TLS handshake with ${where} failed: ${certificate.message}`, { cause: err, hint: certificate.hint });
  if (e.layer === 'tls' || (secure && e.code === 'ECONNRESET' && /TLS|SSL|secure/i.test(e.message))) {
    return new TlsError(`TLS handshake with ${where} failed: ${firstLine(e.message)} (${e.code})`, { cause: err });
  }
  return new ConnectError(`cannot connect to ${where}: ${e.code}`, { cause: err, hint: e.code === 'ECONNREFUSED' ? 'nothing listens there' : undefined });
}

function firstLine(message: string): string {
  // OpenSSL messages carry the library's source location after the reason
  const m = /:SSL routines:[^:]*:([^:]+)/.exec(message);
  return m ? m[1]! : message.split('\n')[0]!;
}
