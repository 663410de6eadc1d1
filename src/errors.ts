import type { ErrorLayer, RequestError } from './model/request.js';
import { llhttpCodeOf } from './llhttp-codes.js';

/** Process exit codes shared by every subcommand. */
export const EXIT = { ok: 0, findings: 1, usage: 2, network: 3, internal: 4 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorDetails {
  layer?: ErrorLayer;
  /** Something the user can do about it. */
  hint?: string;
  /** Phases measured before the failure (ms). */
  timings?: Record<string, number>;
  cause?: unknown;
  onReusedSocket?: boolean;
}

/** Base class: a stable `code` (CONNSCOPE_ERR_*) and the network layer where it happened. */
export class ConnscopeError extends Error {
  readonly code: string;
  readonly layer: ErrorLayer | undefined;
  readonly hint: string | undefined;
  readonly timings: Record<string, number> | undefined;
  readonly onReusedSocket: boolean;
  constructor(code: string, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.layer = details.layer;
    this.hint = details.hint;
    this.timings = details.timings;
    this.onReusedSocket = details.onReusedSocket ?? false;
  }
}

export class UsageError extends ConnscopeError {
  constructor(message: string, hint?: string) {
    super('CONNSCOPE_ERR_USAGE', message, { hint });
  }
}
export class DnsError extends ConnscopeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('CONNSCOPE_ERR_DNS', message, { ...d, layer: 'dns' });
  }
}
export class ConnectError extends ConnscopeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('CONNSCOPE_ERR_CONNECT', message, { ...d, layer: 'tcp' });
  }
}
export class TlsError extends ConnscopeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('CONNSCOPE_ERR_TLS', message, { ...d, layer: 'tls' });
  }
}
export class HttpProtocolError extends ConnscopeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('CONNSCOPE_ERR_HTTP', message, { ...d, layer: 'http' });
  }
}
/** A response the HTTP/1.1 parser rejects; `code` is llhttp's (HPE_*), as Node reports the same bytes. */
export class ResponseParseError extends ConnscopeError {
  constructor(code: `HPE_${string}`, message: string, d: ErrorDetails = {}) {
    super(code, message, { ...d, layer: 'http' });
  }
}
export class H2Error extends ConnscopeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('CONNSCOPE_ERR_H2', message, { ...d, layer: 'h2' });
  }
}
/** RFC 9113 error code names, by code (RST_STREAM, GOAWAY, and the errors a client detects itself). */
export type H2CodeName =
  | 'NO_ERROR' | 'PROTOCOL_ERROR' | 'INTERNAL_ERROR' | 'FLOW_CONTROL_ERROR' | 'SETTINGS_TIMEOUT' | 'STREAM_CLOSED' | 'FRAME_SIZE_ERROR'
  | 'REFUSED_STREAM' | 'CANCEL' | 'COMPRESSION_ERROR' | 'CONNECT_ERROR' | 'ENHANCE_YOUR_CALM' | 'INADEQUATE_SECURITY' | 'HTTP_1_1_REQUIRED';
export const H2_CODE_NAMES: readonly H2CodeName[] = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];
/**
 * The server broke HTTP/2 (RFC 9113) or HPACK (RFC 7541) as the client saw it: a frame above
 * SETTINGS_MAX_FRAME_SIZE, an endless CONTINUATION run, an HPACK bomb ... `h2Code` is the error the
 * client closed the connection with (its GOAWAY).
 */
export class H2ProtocolError extends ConnscopeError {
  readonly h2Code: H2CodeName;
  constructor(h2Code: H2CodeName, message: string, d: ErrorDetails = {}) {
    super('CONNSCOPE_ERR_H2_PROTOCOL', `${message} (${h2Code})`, { ...d, layer: 'h2' });
    this.h2Code = h2Code;
  }
}
/** The server reset one stream (RST_STREAM); `code` is nghttp2's name for it ('NGHTTP2_INTERNAL_ERROR'), as node:http2 reports it. */
export class H2StreamResetError extends ConnscopeError {
  constructor(code: `NGHTTP2_${string}`, d: ErrorDetails = {}) {
    super(code, `the server reset the stream (RST_STREAM ${code.slice(8)})`, { ...d, layer: 'h2' });
  }
}
/** The server ended the whole session with a GOAWAY carrying an error: node:http2's code for it. */
export class H2SessionError extends ConnscopeError {
  constructor(codeName: string, d: ErrorDetails = {}) {
    super('ERR_HTTP2_SESSION_ERROR', `the server ended the session with GOAWAY ${codeName}`, { ...d, layer: 'h2' });
  }
}
export class TimeoutError extends ConnscopeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('CONNSCOPE_ERR_TIMEOUT', message, d);
  }
}
export class SocketResetError extends ConnscopeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('CONNSCOPE_ERR_RESET', message, { ...d, layer: d.layer ?? 'tcp' });
  }
}
/**
 * Stands for an error Node (or undici) raises in the same situation, under that stack's own code, where
 * connscope's own client sees the event without an error object (a request closed before its response, a
 * connect deadline of its own): error tables, classifyError() and the probe's explanations then treat it
 * exactly as the stack's error. The layer is the one layerOf() gives that code.
 */
export class StackCodeError extends ConnscopeError {
  constructor(code: string, message: string, d: ErrorDetails = {}) {
    super(code, message, { ...d, layer: d.layer ?? layerOf(code) });
  }
}
/** The peer closed or reset the connection under a request (Node's ECONNRESET, as in its 'socket hang up'). */
export class ConnectionResetError extends StackCodeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('ECONNRESET', message, d);
  }
}
/** TCP connect, TLS handshake (and for HTTP/2 the server's SETTINGS) not done within the connect deadline (undici's UND_ERR_CONNECT_TIMEOUT). */
export class ConnectTimeoutError extends StackCodeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('UND_ERR_CONNECT_TIMEOUT', message, d);
  }
}
/** An HTTP/2 stream closed without a response and without an error of its own (node:http2's ERR_HTTP2_STREAM_ERROR). */
export class H2StreamClosedError extends StackCodeError {
  constructor(message: string, d: ErrorDetails = {}) {
    super('ERR_HTTP2_STREAM_ERROR', message, d);
  }
}
/** A run stopped by its caller's signal before it could finish. */
export class InterruptedError extends ConnscopeError {
  constructor(message = 'interrupted') {
    super('CONNSCOPE_ERR_INTERRUPTED', message);
  }
}
export class CaptureFormatError extends ConnscopeError {
  /** Byte offset in the file where the problem was found. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('CONNSCOPE_ERR_CAPTURE', `${message} at byte offset ${offset}`);
    this.offset = offset;
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA']);
const TCP_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
  'EADDRNOTAVAIL', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const HTTP_CODES = new Set([
  'HPE_INVALID_CONSTANT', 'HPE_INVALID_VERSION', 'HPE_INVALID_STATUS', 'HPE_INVALID_HEADER_TOKEN',
  'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_RESPONSE_STATUS_CODE', 'UND_ERR_INFO',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_HTTP_HEADERS_SENT',
  'CONNSCOPE_ERR_100_CONTINUE', 'CONNSCOPE_ERR_TOO_MANY_REDIRECTS', 'CONNSCOPE_ERR_REDIRECT',
]);

/**
 * The real code of an error, following `cause` (fetch wraps the real error as the cause of a
 * TypeError without a code). Where the stack gives none: undici's HTTPParserError → llhttp's HPE_*
 * code from its reason; undici's 'bad response' (its only source under a request in flight is an
 * unsolicited 100 Continue, which undici 7 rejects) → CONNSCOPE_ERR_100_CONTINUE; fetch's
 * 'redirect count exceeded' → CONNSCOPE_ERR_TOO_MANY_REDIRECTS.
 */
function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; cause?: unknown; name?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : '';
    if (typeof e.code === 'string' && e.code) {
      if (e.code === 'UND_ERR_SOCKET' && message === 'bad response') return 'CONNSCOPE_ERR_100_CONTINUE';
      return e.code;
    }
    if (e.name === 'HTTPParserError') return llhttpCodeOf(message);
    if (e.cause) return errorCode(e.cause);
    if (/redirect count exceeded/i.test(message)) return 'CONNSCOPE_ERR_TOO_MANY_REDIRECTS';
  }
  return 'UNKNOWN';
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (err.message === 'fetch failed' && cause instanceof Error) return cause.message;
    return err.message;
  }
  return String(err);
}

/** Network layer of an error code. */
export function layerOf(code: string): ErrorLayer {
  if (DNS_CODES.has(code) || code === 'CONNSCOPE_ERR_DNS') return 'dns';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'CONNSCOPE_ERR_TLS' || code === 'EPROTO') return 'tls';
  if (code.startsWith('ERR_HTTP2') || code === 'CONNSCOPE_ERR_H2') return 'h2';
  if (TCP_CODES.has(code) || code === 'CONNSCOPE_ERR_CONNECT' || code === 'CONNSCOPE_ERR_RESET') return 'tcp';
  if (HTTP_CODES.has(code) || code.startsWith('HPE_') || code === 'CONNSCOPE_ERR_HTTP') return 'http';
  return 'tcp';
}

/** Turns any thrown value into the model's RequestError (code, layer, reused-socket flag). */
export function classifyError(err: unknown, onReusedSocket = false): RequestError {
  const code = errorCode(err);
  let layer = layerOf(code);
  // "socket hang up" / "other side closed" carry ECONNRESET / UND_ERR_SOCKET: the peer closed on us
  if (err instanceof ConnscopeError && err.layer) layer = err.layer;
  return { code, message: errorMessage(err), layer, onReusedSocket: onReusedSocket || (err instanceof ConnscopeError && err.onReusedSocket) };
}

/**
 * A bad option value, in the one wording every command uses: `invalid <name> '<value>' (expected …)`.
 * `name` is the option key in the library (`durationMs`), a flag in the CLI (`--duration`), a variable for
 * the register entry (`CONNSCOPE_KEEP_RECENT`); the CLI renames library keys to its flags (cli/options/flags.ts).
 */
export class OptionError extends UsageError {
  readonly option: string;
  readonly value: string;
  readonly expected: string;
  constructor(option: string, value: unknown, expected: string) {
    super(`invalid ${option} '${String(value)}' (expected ${expected})`);
    this.option = option;
    this.value = String(value);
    this.expected = expected;
  }
}
