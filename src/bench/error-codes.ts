import { classifyError, H2_CODE_NAMES } from '../errors.js';

/**
 * Every code a bench report can show, with what it means in one line. Codes are the ones Node,
 * llhttp, undici and nghttp2 use; CONNSCOPE_ERR_* are connscope's own where the stack has none.
 * docs/bench.md#error-codes prints the same table.
 */
export const ERROR_MEANINGS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens on that port (the connection was refused)',
  ECONNRESET: 'the server reset or closed the connection before the response was complete',
  EPIPE: 'the server closed the connection while the request was being written',
  ETIMEDOUT: 'the operating system gave up on the TCP connection',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
  ECONNABORTED: 'the connection was aborted locally',
  EADDRNOTAVAIL: 'no local port or address was free for a new connection',
  ENOTFOUND: 'the host name does not exist in DNS',
  EAI_AGAIN: 'DNS lookup failed for now (resolver unreachable or overloaded)',
  UND_ERR_SOCKET: 'undici: the connection closed under a request (the server closed or reset it)',
  UND_ERR_CONNECT_TIMEOUT: 'the TCP connect (or TLS handshake) did not finish within --connect-timeout',
  UND_ERR_HEADERS_TIMEOUT: 'the response head did not arrive within --timeout',
  UND_ERR_BODY_TIMEOUT: 'the response body stalled for longer than --timeout',
  UND_ERR_HEADERS_OVERFLOW: 'the response head is above 16 KiB (undici maxHeaderSize)',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the body length differs from Content-Length (undici also reports Content-Length with Transfer-Encoding this way)',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'the request body length differs from its Content-Length',
  UND_ERR_CLOSED: 'undici: the pool was closed',
  UND_ERR_DESTROYED: 'undici: the pool was destroyed',
  UND_ERR_ABORTED: 'the request was aborted',
  UND_ERR_INFO: 'undici: the connection ended for a reason that is no error of the request',
  HPE_INVALID_CONSTANT: 'the response does not start with HTTP/ (not an HTTP/1.1 server, e.g. HTTP/2 only or another protocol)',
  HPE_INVALID_VERSION: 'the status line has an HTTP version other than 1.x',
  HPE_INVALID_STATUS: 'the status line has no valid 3-digit status code',
  HPE_INVALID_HEADER_TOKEN: 'a header line has an invalid name or value character',
  HPE_INVALID_CONTENT_LENGTH: 'Content-Length is not a number',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'two different Content-Length values, or Content-Length after Transfer-Encoding (a smuggling shape)',
  HPE_INVALID_TRANSFER_ENCODING: 'Transfer-Encoding after Content-Length, or an invalid Transfer-Encoding (a smuggling shape)',
  HPE_INVALID_CHUNK_SIZE: 'a chunk-size line is not a hex number (or overflows)',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'a chunk-size line (with its extensions) is above 16 KiB',
  HPE_HEADER_OVERFLOW: 'the response head is above 16 KiB or has more than 2000 fields (Node --max-http-header-size)',
  HPE_CR_EXPECTED: 'a line of the response head lacks its CR',
  HPE_LF_EXPECTED: 'a line of the response head lacks its LF',
  HPE_STRICT: 'bytes that break HTTP/1.1 framing (e.g. no CRLF after chunk data)',
  HPE_CLOSED_CONNECTION: 'data after a response that said Connection: close',
  HPE_INVALID_EOF_STATE: 'the connection ended in the middle of a response',
  HPE_UNEXPECTED_SPACE: 'unexpected whitespace in the status line',
  ERR_HTTP2_STREAM_ERROR: 'an HTTP/2 stream failed (see the NGHTTP2_* code when the server reset it)',
  ERR_HTTP2_SESSION_ERROR: 'the HTTP/2 session failed with an error code from the server',
  ERR_HTTP2_GOAWAY_SESSION: 'a new stream was started on a session that had received GOAWAY',
  ERR_HTTP2_INVALID_SESSION: 'a stream was started on a destroyed HTTP/2 session',
  ERR_HTTP2_STREAM_CANCEL: 'the HTTP/2 stream was cancelled before it was sent',
  ERR_HTTP2_ERROR: 'nghttp2 refused to send the stream',
  NGHTTP2_REFUSED_STREAM: 'the server refused the HTTP/2 stream (RST_STREAM REFUSED_STREAM or above GOAWAY\'s last-stream-id): not processed, safe to retry',
  NGHTTP2_INTERNAL_ERROR: 'the server reset the HTTP/2 stream with INTERNAL_ERROR',
  NGHTTP2_PROTOCOL_ERROR: 'the server reset the HTTP/2 stream with PROTOCOL_ERROR',
  NGHTTP2_CANCEL: 'the HTTP/2 stream was cancelled (RST_STREAM CANCEL)',
  NGHTTP2_ENHANCE_YOUR_CALM: 'the server reset the stream with ENHANCE_YOUR_CALM: it thinks the client is too aggressive',
  NGHTTP2_FLOW_CONTROL_ERROR: 'the server reset the stream with FLOW_CONTROL_ERROR',
  NGHTTP2_STREAM_CLOSED: 'the server reset the stream with STREAM_CLOSED',
  NGHTTP2_FRAME_SIZE_ERROR: 'the server reset the stream with FRAME_SIZE_ERROR',
  NGHTTP2_COMPRESSION_ERROR: 'the server reset the stream with COMPRESSION_ERROR (HPACK)',
  NGHTTP2_CONNECT_ERROR: 'the server reset the stream with CONNECT_ERROR',
  NGHTTP2_INADEQUATE_SECURITY: 'the server reset the stream with INADEQUATE_SECURITY (TLS too weak for HTTP/2)',
  NGHTTP2_HTTP_1_1_REQUIRED: 'the server reset the stream with HTTP_1_1_REQUIRED: use HTTP/1.1 for this request',
  NGHTTP2_SETTINGS_TIMEOUT: 'the server reset the stream with SETTINGS_TIMEOUT',
  NGHTTP2_NO_ERROR: 'the server closed the stream early with NO_ERROR, before a complete response',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed (pass its CA with --ca)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a CA that is not trusted (pass it with --ca)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain is incomplete or its CA is not trusted (pass it with --ca)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuing CA is not trusted (pass it with --ca)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is not for this host name',
  EPROTO: 'the TLS handshake failed (protocol error)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server did not answer TLS (an http:// port?)',
  CONNSCOPE_ERR_TIMEOUT: 'no response (or no progress) within --timeout',
  CONNSCOPE_ERR_HTTP: 'the HTTP parser rejected the response (the example names what)',
  CONNSCOPE_ERR_RESET: 'the connection was reset',
  CONNSCOPE_ERR_H2_PROTOCOL: 'the server broke the HTTP/2 or HPACK rules (frame size, CONTINUATION, flow control, header compression ...): the client closed the connection with GOAWAY; the example names what',
  CONNSCOPE_ERR_H2_NO_SETTINGS: 'the server closed the new HTTP/2 connection before sending its SETTINGS',
  CONNSCOPE_ERR_100_CONTINUE:
    'the server sent 100 Continue; undici 7 drops the connection on it ("bad response") although RFC 9110 §15.2 has clients accept it (node:http and raw do)',
  CONNSCOPE_ERR_TOO_MANY_REDIRECTS: 'fetch followed 20 redirects without reaching a response: a redirect loop',
  CONNSCOPE_ERR_REDIRECT: 'fetch could not follow a redirect (e.g. to a scheme other than http or https)',
  CONNSCOPE_ERR_UNCODED: 'an error that carries no code (the example shows its message)',
};

/** 'NGHTTP2_REFUSED_STREAM' for 7: the code an HTTP/2 reset is reported under. */
export function h2ErrorCode(code: number): `NGHTTP2_${string}` {
  return `NGHTTP2_${H2_CODE_NAMES[code] ?? `ERROR_${code}`}`;
}

/** The one-line meaning of a code (a generic one for codes the table does not list). */
export function meaningOf(code: string): string {
  return ERROR_MEANINGS[code] ?? (code.startsWith('E') ? 'a system error (see `man errno`)' : 'see the example message');
}

interface Coded {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  hostname?: unknown;
}

/** The innermost error of a cause chain that says something (fetch wraps everything in TypeError 'fetch failed'). */
function unwrap(err: unknown): Coded | undefined {
  let e = err as Coded | undefined;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    if (typeof e.code === 'string' && e.code) return e;
    if (e.name === 'HTTPParserError') return e;
    if (!e.cause || typeof e.cause !== 'object') return e;
    e = e.cause as Coded;
  }
  return e && typeof e === 'object' ? e : undefined;
}

/**
 * The real code of a failed request and an example message that says where it happened: the
 * cause chain is followed (fetch), llhttp's reason is turned into its HPE_* code (undici leaves
 * the code empty), undici's failure on 100 Continue is named as such, and a DNS failure on a host
 * other than the bench target is said to be a redirect target.
 */
export function describeBenchError(err: unknown, target: URL): { code: string; message: string } {
  const e = unwrap(err);
  const message = typeof e?.message === 'string' && e.message ? e.message.split('\n')[0]! : String(err);
  // the codes themselves come from classifyError (one place for every source); here only where they happened
  const classified = classifyError(err).code;
  if (classified === 'CONNSCOPE_ERR_100_CONTINUE') return { code: classified, message: 'undici: bad response (after 100 Continue)' };
  if (typeof e?.code !== 'string' || !e.code) {
    if (classified === 'UNKNOWN' && (/redirect/i.test(message) || /URL scheme must be/i.test(message))) return { code: 'CONNSCOPE_ERR_REDIRECT', message };
    return { code: classified === 'UNKNOWN' ? 'CONNSCOPE_ERR_UNCODED' : classified, message };
  }
  const code = e.code;
  // node:http2's own text ('Stream closed with error code NGHTTP2_REFUSED_STREAM') → the reset's code
  const rst = code === 'ERR_HTTP2_STREAM_ERROR' ? /NGHTTP2_[A-Z0-9_]+/.exec(message) : null;
  if (rst) return { code: rst[0], message: `the server reset the stream (RST_STREAM ${rst[0].slice(8)})` };
  const goaway = code === 'ERR_HTTP2_SESSION_ERROR' ? /error code (\d+)/.exec(message) : null;
  if (goaway) return { code, message: `the server ended the session with GOAWAY ${h2ErrorCode(Number(goaway[1])).slice(8)}` };
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (typeof e.hostname === 'string' && e.hostname !== host) {
    // fetch followed a redirect: the failure is at the redirect target, not at the URL given
    return { code, message: `${message} (a redirect target's host, not ${host})` };
  }
  return { code, message };
}
