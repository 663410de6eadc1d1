import {
  ConnectError, ConnscopeError, DnsError, HttpProtocolError, SocketResetError, TimeoutError, TlsError, classifyError,
} from '../errors.js';
import type { ProbeFailure } from './types.js';

/** Where a request was when it failed; decides how a reset or a timeout is explained. */
export type FailedIn = 'dns' | 'connect' | 'tls' | 'send' | 'wait' | 'receive';

export interface FailureContext {
  host: string;
  port: number;
  address?: string;
  phase: FailedIn;
  /** Response body bytes received before the failure. */
  bodyBytes?: number;
}

const CA_HINT = 'pass --ca <file> with the issuing CA certificate, or --insecure to skip verification';

/** Turns a raw Node/OpenSSL error into one ConnscopeError line the user can act on. */
export function explainError(err: unknown, ctx: FailureContext): ConnscopeError {
  if (err instanceof ConnscopeError) return err;
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
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new TlsError(`certificate verification failed: the certificate does not cover ${ctx.host}`, {
      ...d, hint: 'use a name the certificate was issued for; --resolve pins the address',
    });
  }
  if (isCertCode(code)) {
    return new TlsError(`certificate verification failed: ${certReason(code, message)} (${code})`, { ...d, hint: CA_HINT });
  }
  const alert = /ALERT_([A-Z_]+)$/.exec(code);
  if (alert) {
    return new TlsError(`the server sent TLS alert "${alert[1]!.toLowerCase().replace(/_/g, ' ')}" during the handshake`, d);
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || /wrong version number|packet length too long|http request/.test(message)) {
    return new TlsError(`the server at ${where} did not answer with TLS (${code})`, { ...d, hint: 'is it plain http://?' });
  }
  if (code.startsWith('ERR_SSL') || code === 'EPROTO') return new TlsError(`TLS handshake failed: ${opensslReason(message)} (${code})`, d);
  if (code.startsWith('HPE_') || code === 'ERR_INVALID_HTTP_RESPONSE') {
    return new HttpProtocolError(`the server's response is not valid HTTP (${code}: ${firstLine(message)})`, d);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || message === 'aborted') {
    if (ctx.phase === 'tls') return new TlsError(`the connection was closed during the TLS handshake with ${where}`, d);
    if (ctx.phase === 'receive') {
      return new SocketResetError(`the connection was reset mid-response after ${ctx.bodyBytes ?? 0} body bytes`, d);
    }
    if (ctx.phase === 'connect' || ctx.phase === 'dns') return new ConnectError(`the connection to ${where} was reset`, d);
    return new SocketResetError(`the server closed the connection before sending a response (${code})`, d);
  }
  return new ConnscopeError(code.startsWith('CONNSCOPE') ? code : 'CONNSCOPE_ERR_NETWORK', `${firstLine(message)} (${code})`, d);
}

export function phaseTimeout(ctx: FailureContext, ms: number): TimeoutError {
  const where = `${ctx.address ?? ctx.host}:${ctx.port}`;
  const what: Record<FailedIn, string> = {
    dns: `resolving ${ctx.host}`,
    connect: `connecting to ${where}`,
    tls: `the TLS handshake with ${where}`,
    send: `sending the request to ${where}`,
    wait: `waiting for a response from ${where} (the server accepted the connection but never answered)`,
    receive: `receiving the response body from ${where}`,
  };
  return new TimeoutError(`timed out after ${Math.round(ms)} ms ${what[ctx.phase]}`, { hint: 'raise --timeout / --connect-timeout if the server is just slow' });
}

/** A certificate verification error code (the chain, a date, the name), as opposed to a TLS alert or a network error. */
export function isCertCode(code: string): boolean {
  return code.includes('CERT') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT';
}

function certReason(code: string, message: string): string {
  switch (code) {
    case 'SELF_SIGNED_CERT_IN_CHAIN': return 'the chain ends in a self-signed root that is not trusted';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': return 'the server uses a self-signed certificate';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT': return 'the issuer of the certificate is not trusted (unknown CA or missing intermediate)';
    case 'CERT_HAS_EXPIRED': return 'the certificate has expired';
    case 'CERT_NOT_YET_VALID': return 'the certificate is not valid yet';
    default: return firstLine(message);
  }
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
