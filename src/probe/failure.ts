import {
  ConnectError, ConnscopeError, DnsError, H2Error, HttpProtocolError, SocketResetError, StackCodeError, TimeoutError, TlsError, classifyError,
} from '../errors.js';
import { explainCertError } from '../cert-errors.js';

/** A failure as the probe's result reports it (kept here so types.ts imports no code that imports it back). */
export interface ProbeFailure {
  code: string;
  message: string;
  layer: string | null;
  hint: string | null;
}

/** Where a request was when it failed; decides how a reset or a timeout is explained. */
export type FailedIn = 'dns' | 'connect' | 'tls' | 'send' | 'wait' | 'receive';

export interface FailureContext {
  host: string;
  port: number;
  address?: string;
  phase: FailedIn;
  /** Response body bytes received before the failure. */
  bodyBytes?: number;
  /** The response's Content-Length, when it announced one. */
  expectedBodyBytes?: number;
  /** The server ended its side (FIN) before the failure; a reset (RST) leaves this false. */
  peerClosed?: boolean;
  /** Bytes of a response whose headers never completed: how far the server got before it stalled. */
  partial?: { bytes: number; statusLine?: string };
  /**
   * A response on this connection that must not have a body (204, 304): stray bytes after it are read as the
   * start of the next response, which then is "not HTTP".
   */
  bodiless?: { status: number; requestIndex: number; sameRequest: boolean; contentLength?: string };
  /** The user gave trust anchors (--ca): decides the hint for an unknown issuer. */
  caGiven?: boolean;
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS, when an HTTP/2 stream failed. */
  h2MaxConcurrentStreams?: number;
}

/**
 * Turns a raw Node/OpenSSL error into one ConnscopeError line the user can act on. A StackCodeError stands
 * for the stack's own error (a close the client saw without one), so it is explained like it; any other
 * ConnscopeError already is an explanation.
 */
export function explainError(err: unknown, ctx: FailureContext): ConnscopeError {
  if (err instanceof ConnscopeError && !(err instanceof StackCodeError)) return err;
  const { code, message } = classifyError(err);
  const where = `${ctx.address ?? ctx.host}:${ctx.port}`;
  const d = { cause: err };
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA'].includes(code)) {
    return new DnsError(`cannot resolve ${ctx.host} (${code})`, { ...d, hint: 'check the host name, or pin an address with --resolve host:port:addr' });
  }
  if (code === 'ECONNREFUSED') return new ConnectError(`connection refused by ${where}`, { ...d, hint: 'nothing listens there' });
  if (['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT'].includes(code)) {
    return new ConnectError(`cannot connect to ${where} (${code})`, d);
  }
  const cert = explainCertError(code, err, { host: ctx.host, caGiven: ctx.caGiven });
  if (cert) return new TlsError(cert.message, { ...d, hint: cert.hint });
  const alert = /ALERT_([A-Z_]+)$/.exec(code);
  if (alert) {
    return new TlsError(`the server sent TLS alert "${alert[1]!.toLowerCase().replace(/_/g, ' ')}" during the handshake`, d);
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || /wrong version number|packet length too long|http request/.test(message)) {
    return new TlsError(`the server at ${where} did not answer with TLS (${code})`, { ...d, hint: 'is it plain http://?' });
  }
  if (code.startsWith('ERR_SSL') || code === 'EPROTO') return new TlsError(`TLS handshake failed: ${opensslReason(message)} (${code})`, d);
  if (code.startsWith('HPE_') || code === 'ERR_INVALID_HTTP_RESPONSE') return notHttp(err, code, message, ctx);
  if (code.startsWith('ERR_HTTP2')) return explainH2(code, message, ctx, d);
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || message === 'aborted') {
    if (ctx.phase === 'tls') return new TlsError(`the connection was closed during the TLS handshake with ${where}`, d);
    if (ctx.phase === 'receive') {
      const of = ctx.expectedBodyBytes !== undefined ? ` of ${ctx.expectedBodyBytes}` : '';
      const got = ctx.bodyBytes ?? 0;
      if (ctx.peerClosed) {
        return new SocketResetError(got === 0
          ? `the server closed the connection after the response headers, before the body (0${of} body bytes)`
          : `the server closed the connection mid-body after ${got}${of} body bytes`, d);
      }
      return new SocketResetError(`the connection was reset mid-response after ${got}${of} body bytes`, d);
    }
    if (ctx.phase === 'connect' || ctx.phase === 'dns') return new ConnectError(`the connection to ${where} was reset`, d);
    if (ctx.partial) {
      return new SocketResetError(`the server ${ctx.peerClosed ? 'closed' : 'reset'} the connection after a partial response (${partialText(ctx.partial)}), before its headers ended`, d);
    }
    return new SocketResetError(ctx.peerClosed
      ? 'the server closed the connection before sending a response'
      : `the server reset the connection before sending a response (${code})`, d);
  }
  return new ConnscopeError(code.startsWith('CONNSCOPE') ? code : 'CONNSCOPE_ERR_NETWORK', `${firstLine(message)} (${code})`, d);
}

/** A response that is not HTTP; when a 204/304 came before it on the connection, its stray body is the likely start. */
function notHttp(err: unknown, code: string, message: string, ctx: FailureContext): HttpProtocolError {
  const reason = firstLine(message).replace(/^Parse Error: /, '');
  const b = ctx.bodiless;
  if (b) {
    const which = b.sameRequest ? 'this request' : `request ${b.requestIndex} on this connection`;
    const declared = b.contentLength !== undefined ? ` (it declared content-length: ${b.contentLength})` : '';
    return new HttpProtocolError(
      `the server's response is not valid HTTP (${code}: ${reason}): the ${b.status} response to ${which} must not have a body${declared}, ` +
      'and the bytes the server sent after it were read as the start of the next response', { cause: err, hint: `the server must not send a body with ${b.status}` });
  }
  // which part of the response broke names the step: the head (waiting) or the body (receiving)
  const part = ctx.phase === 'receive' ? ' in its body' : ctx.phase === 'wait' ? ' in its head (status line and headers)' : '';
  return new HttpProtocolError(`the server's response is not valid HTTP${part} (${code}: ${reason})`, { cause: err });
}

function explainH2(code: string, message: string, ctx: FailureContext, d: { cause: unknown }): H2Error {
  const rst = /NGHTTP2_([A-Z_]+)/.exec(message)?.[1];
  if (rst === 'REFUSED_STREAM') {
    const zero = ctx.h2MaxConcurrentStreams === 0;
    return new H2Error(`the server refused the HTTP/2 stream (REFUSED_STREAM)${zero ? ': its SETTINGS_MAX_CONCURRENT_STREAMS is 0, it accepts no request' : ''}`, {
      ...d, hint: zero ? "raise the server's max concurrent streams (nginx http2_max_concurrent_streams, Node settings.maxConcurrentStreams)" : 'the server did not process the request; it is safe to retry',
    });
  }
  if (rst) return new H2Error(`the server reset the HTTP/2 stream (${rst})`, d);
  if (code === 'ERR_HTTP2_GOAWAY_SESSION') return new H2Error('the server ended the HTTP/2 session (GOAWAY) before the stream completed', d);
  return new H2Error(`HTTP/2 failure: ${firstLine(message)} (${code})`, d);
}

export function phaseTimeout(ctx: FailureContext, ms: number): TimeoutError {
  const where = `${ctx.address ?? ctx.host}:${ctx.port}`;
  const of = ctx.expectedBodyBytes !== undefined ? ` of ${ctx.expectedBodyBytes}` : '';
  const what: Record<FailedIn, string> = {
    dns: `resolving ${ctx.host}`,
    connect: `connecting to ${where}`,
    tls: `the TLS handshake with ${where}`,
    send: `sending the request to ${where}`,
    wait: ctx.partial
      ? `receiving the response headers from ${where} (the server sent a partial response, ${partialText(ctx.partial)}, then stalled before its headers ended)`
      : `waiting for a response from ${where} (the server accepted the connection but never answered)`,
    receive: `receiving the response body from ${where} (${ctx.bodyBytes ?? 0}${of} body bytes arrived, then it stalled)`,
  };
  return new TimeoutError(`timed out after ${Math.round(ms)} ms ${what[ctx.phase]}`, { hint: 'raise --timeout / --connect-timeout if the server is just slow' });
}

function partialText(p: { bytes: number; statusLine?: string }): string {
  return p.statusLine ? `${p.bytes} bytes starting "${p.statusLine}"` : `${p.bytes} bytes`;
}

/** 'write EPROTO 80...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:...' → 'wrong version number'. */
function opensslReason(message: string): string {
  return /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1]?.trim() ?? firstLine(message);
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

export function toFailure(err: ConnscopeError): ProbeFailure {
  return { code: err.code, message: err.message, layer: err.layer ?? null, hint: err.hint ?? null };
}
