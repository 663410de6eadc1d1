import tls from 'node:tls';
import type { TlsInfo } from '../model/connection.js';
import type { ConnscopeError } from '../errors.js';
import { explainError, phaseTimeout } from './failure.js';
// the tracer's reading of a TLS socket, so a bare handshake and a traced connection report the same facts
import { tlsInfoOf } from '../trace/tls-info.js';
import { certificateFacts, type CertificateFacts } from './certificate.js';
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
  /** The last session the server gave (with `ticketWaitMs`, the first TLS 1.3 ticket), to offer on a later handshake. */
  session?: Buffer;
  /** Leaf certificate facts (with `certificate: true`). */
  certificate?: CertificateFacts;
  /** The chain verified against the trust store in use; with rejectUnauthorized a failure is an error instead. */
  authorized?: boolean;
  /** Why it did not verify (CERT_HAS_EXPIRED, ...), when `authorized` is false. */
  authorizationError?: string;
}

/** What some checks set beyond the client's TLS settings. */
export interface HandshakeExtras {
  /** OpenSSL cipher string ('DEFAULT@SECLEVEL=0' lets OpenSSL 3 offer TLS 1.0/1.1). */
  ciphers?: string;
  /** OpenSSL options (crypto.constants.SSL_OP_NO_TICKET: no ticket extension, TLS 1.2 resumes by session id only). */
  secureOptions?: number;
  /** A session from an earlier handshake to offer for resumption. */
  session?: Buffer;
  /**
   * Wait for a session ticket after a TLS 1.3 handshake, at most this long: TLS 1.3 servers send NewSessionTicket
   * after the handshake (one round trip after the client's Finished), TLS 1.2 ones inside it. The wait is also
   * capped at TICKET_WAIT_BASE_MS + 3 handshake times, so a server that sends none costs little.
   */
  ticketWaitMs?: number;
  /** Read the leaf certificate's facts. */
  certificate?: boolean;
}

const TICKET_WAIT_BASE_MS = 200;
/** How long a finished handshake's socket may wait for the server's close before it is destroyed. */
const CLOSE_GRACE_MS = 1000;

/** One bare TLS handshake (no HTTP, nothing written), closed right after; never rejects. */
export function handshake(target: Target, options: ClientTls, timeoutMs: number, extras: HandshakeExtras = {}): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    let connectedAt: number | undefined;
    let ocsp: boolean | undefined;
    let settled = false;
    let session: Buffer | undefined;
    let onSession: (() => void) | undefined;
    /** The handshake's result while waiting for a ticket: a timeout or an error then still ends in success. */
    let secured: HandshakeResult | undefined;
    const finish = (): void => done(session ? { ...secured!, session } : secured!);
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
      ...(extras.ciphers ? { ciphers: extras.ciphers } : {}),
      ...(extras.secureOptions !== undefined ? { secureOptions: extras.secureOptions } : {}),
      ...(extras.session ? { session: extras.session } : {}),
      ...(target.lookup && !target.pinnedAddress ? { lookup: target.lookup } : {}),
    } as tls.ConnectionOptions);
    const done = (r: HandshakeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (r.ok) {
        // close_notify and FIN, reading on until the server closes: a destroy with a ticket still unread makes the
        // kernel send RST, and the server then logs a reset instead of a completed handshake
        socket.on('error', () => undefined);
        socket.end();
        // the process need not wait for the server's close
        socket.unref();
        setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      } else socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => {
      if (secured) return finish();
      const phase = connectedAt === undefined ? 'connect' : 'tls';
      done({ ok: false, error: phaseTimeout({ host: target.host, port: target.port, phase }, timeoutMs), rawCode: 'CONNSCOPE_ERR_TIMEOUT' });
    }, timeoutMs);
    timer.unref();
    socket.once('connect', () => (connectedAt = performance.now()));
    socket.on('OCSPResponse', (resp: Buffer | null) => (ocsp = Boolean(resp && resp.length > 0)));
    socket.on('session', (s: Buffer) => {
      session = s;
      onSession?.();
    });
    socket.once('secureConnect', () => {
      const at = performance.now();
      const result: HandshakeResult = (secured = {
        ok: true,
        info: tlsInfoOf(socket, ocsp ?? false),
        handshakeMs: connectedAt === undefined ? undefined : at - connectedAt,
        remoteAddress: socket.remoteAddress,
        authorized: socket.authorized,
      });
      if (!socket.authorized && socket.authorizationError) result.authorizationError = String(socket.authorizationError);
      if (extras.certificate) {
        const leaf = socket.getPeerX509Certificate();
        if (leaf) result.certificate = certificateFacts(leaf);
      }
      // a TLS 1.2 session (ticket or not) is complete at the handshake, but Node emits its 'session' right after
      // 'secureConnect'; a TLS 1.3 ticket comes a round trip later
      const waitMs = socket.getProtocol() === 'TLSv1.3' && extras.ticketWaitMs
        ? Math.min(extras.ticketWaitMs, TICKET_WAIT_BASE_MS + 3 * (result.handshakeMs ?? 0))
        : 0;
      if (waitMs <= 0) return process.nextTick(finish);
      onSession = finish;
      setTimeout(finish, waitMs).unref();
    });
    socket.once('error', (err: Error & { code?: string }) => {
      if (secured) return finish();
      const phase = connectedAt === undefined ? 'connect' : 'tls';
      done({ ok: false, error: explainError(err, { host: target.host, port: target.port, phase, caGiven: options.ca !== undefined }), rawCode: err.code ?? 'UNKNOWN' });
    });
  });
}
