/** What the raw engine needs from a response head. */
export interface ResponseHead {
  status: number;
  /** The server asked to close (Connection: close, or HTTP/1.0 without keep-alive). */
  close: boolean;
  keepAlive?: string;
}

export interface ParserEvents {
  onHead(head: ResponseHead): void;
  onComplete(): void;
  /** `code` is the llhttp error code Node's own parser gives for the same bytes (HPE_*). */
  onError(code: ParseErrorCode, message: string): void;
}

/**
 * The limits of llhttp as Node and undici run it, so the raw engine rejects what they reject:
 * the header section (status line, fields, and trailers) at most 16 KiB (Node's
 * --max-http-header-size and undici's maxHeaderSize default), at most 2000 fields (Node's
 * server.maxHeadersCount default; Node drops the rest, here it is an error), a chunk-size line
 * with its extensions at most 16 KiB (Node's chunk-extension limit).
 */
export const PARSER_LIMITS = { maxHeaderBytes: 16 * 1024, maxHeaders: 2000, maxChunkLine: 16 * 1024 } as const;

/** llhttp's error codes, as Node reports them (err.code) for the same bytes. */
export type ParseErrorCode =
  | 'HPE_HEADER_OVERFLOW'
  | 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
  | 'HPE_INVALID_CONSTANT'
  | 'HPE_INVALID_VERSION'
  | 'HPE_INVALID_STATUS'
  | 'HPE_INVALID_HEADER_TOKEN'
  | 'HPE_INVALID_CONTENT_LENGTH'
  | 'HPE_UNEXPECTED_CONTENT_LENGTH'
  | 'HPE_INVALID_TRANSFER_ENCODING'
  | 'HPE_INVALID_CHUNK_SIZE'
  | 'HPE_STRICT';

const enum State {
  Head,
  FixedBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Failed,
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LF = 10;

class ParseError {
  constructor(
    readonly code: ParseErrorCode,
    readonly message: string,
  ) {}
}

/**
 * A minimal HTTP/1.1 response parser for load generation: the status line, Content-Length,
 * chunked framing and the Connection / Keep-Alive headers, with llhttp's limits and rejections.
 * Each byte is scanned once: an unfinished head or line is kept (bounded by the limits above) and
 * the search resumes where it stopped, so an endless header or chunk-size line is rejected after
 * at most 16 KiB, in time linear in what arrived.
 */
export class ResponseParser {
  private state = State.Head;
  /** Bytes of an unfinished head or line; never above a limit plus one chunk. */
  private pending: Buffer | null = null;
  private remaining = 0;
  /** Bytes of the current trailer section so far. */
  private trailerBytes = 0;
  private bodyless = false;
  /** The request was HEAD: the response has no body whatever its headers say. */
  noBody = false;

  constructor(private readonly ev: ParserEvents) {}

  /** True between responses (nothing partially received). */
  get idle(): boolean {
    return this.state === State.Head && this.pending === null;
  }

  /** Bytes held for an unfinished head or line (what the limits bound). */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  /** The peer closed: a body delimited by the close is now complete. */
  end(): boolean {
    if (this.state === State.UntilClose) {
      this.state = State.Head;
      this.ev.onComplete();
      return true;
    }
    return false;
  }

  feed(chunk: Buffer): void {
    if (this.state === State.Failed) return;
    try {
      this.run(chunk);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.state = State.Failed;
      this.pending = null;
      this.ev.onError(err.code, err.message);
    }
  }

  private run(chunk: Buffer): void {
    let buf = chunk;
    // where the search for the end of the unfinished head/line resumes: bytes before it were scanned
    let scanFrom = 0;
    if (this.pending) {
      scanFrom = this.pending.length;
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let i = 0;
    const len = buf.length;
    while (i < len) {
      switch (this.state) {
        case State.Head: {
          const endAt = buf.indexOf(CRLFCRLF, Math.max(i, scanFrom - 3));
          scanFrom = 0;
          if (endAt < 0 || endAt + 4 - i > PARSER_LIMITS.maxHeaderBytes) {
            if (len - i > PARSER_LIMITS.maxHeaderBytes) throw new ParseError('HPE_HEADER_OVERFLOW', `response header section above ${PARSER_LIMITS.maxHeaderBytes} bytes`);
            this.pending = buf.subarray(i);
            return;
          }
          const head = this.parseHead(buf.toString('latin1', i, endAt));
          i = endAt + 4;
          if (head.status < 200) break; // interim 1xx: the final head follows
          const bodyless = this.bodyless;
          this.bodyless = false;
          this.ev.onHead(head);
          if (bodyless) this.ev.onComplete();
          break;
        }
        case State.FixedBody: {
          const take = Math.min(this.remaining, len - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.complete();
          break;
        }
        case State.ChunkSize: {
          const nl = buf.indexOf(LF, Math.max(i, scanFrom));
          scanFrom = 0;
          if (nl < 0) {
            // an endless run of hex digits overflows as soon as it passes 13 digits, as in llhttp
            if (len - i > 13) chunkSize(buf, i, i + 14);
            if (len - i > PARSER_LIMITS.maxChunkLine) throw new ParseError('HPE_CHUNK_EXTENSIONS_OVERFLOW', `chunk-size line above ${PARSER_LIMITS.maxChunkLine} bytes`);
            this.pending = buf.subarray(i);
            return;
          }
          if (nl + 1 - i > PARSER_LIMITS.maxChunkLine) throw new ParseError('HPE_CHUNK_EXTENSIONS_OVERFLOW', `chunk-size line above ${PARSER_LIMITS.maxChunkLine} bytes`);
          const size = chunkSize(buf, i, nl);
          i = nl + 1;
          if (size === 0) {
            this.trailerBytes = 0;
            this.state = State.Trailers;
          } else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.remaining, len - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.remaining = 2;
            this.state = State.ChunkDataEnd;
          }
          break;
        }
        case State.ChunkDataEnd: {
          // the CRLF after the chunk data
          const expected = this.remaining === 2 ? 13 : LF;
          if (buf[i] !== expected) throw new ParseError('HPE_STRICT', 'expected CRLF after chunk data');
          i++;
          if (--this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // an empty line ends the trailers; other lines are trailer fields, counted in the header limit
          const nl = buf.indexOf(LF, Math.max(i, scanFrom));
          scanFrom = 0;
          const lineEnd = nl < 0 ? len : nl + 1;
          if (this.trailerBytes + lineEnd - i > PARSER_LIMITS.maxHeaderBytes) throw new ParseError('HPE_HEADER_OVERFLOW', `trailer section above ${PARSER_LIMITS.maxHeaderBytes} bytes`);
          if (nl < 0) {
            this.pending = buf.subarray(i);
            return;
          }
          const empty = nl === i || (nl === i + 1 && buf[i] === 13);
          this.trailerBytes += nl + 1 - i;
          i = nl + 1;
          if (empty) this.complete();
          break;
        }
        case State.UntilClose:
          return;
        case State.Failed:
          return;
      }
    }
  }

  private complete(): void {
    this.state = State.Head;
    this.ev.onComplete();
  }

  private parseHead(text: string): ResponseHead {
    // 'HTTP/1.x NNN': checked by position, no regex on the hot path
    if (!text.startsWith('HTTP/')) throw new ParseError('HPE_INVALID_CONSTANT', 'expected HTTP/ at the start of the status line');
    if (text.length < 12 || !text.startsWith('HTTP/1.') || text.charCodeAt(8) !== 32) throw new ParseError('HPE_INVALID_VERSION', 'not an HTTP/1.x status line');
    const minor = text[7];
    const status = Number(text.slice(9, 12));
    if (!(status >= 100 && status < 1000) || (text.length > 12 && text.charCodeAt(12) !== 32)) throw new ParseError('HPE_INVALID_STATUS', 'invalid response status');
    let contentLength: string | undefined;
    let te: string | undefined;
    let connection = '';
    let keepAlive: string | undefined;
    let fields = 0;
    let at = text.indexOf('\r\n');
    while (at >= 0) {
      const from = at + 2;
      at = text.indexOf('\r\n', from);
      const to = at < 0 ? text.length : at;
      if (++fields > PARSER_LIMITS.maxHeaders) throw new ParseError('HPE_HEADER_OVERFLOW', `more than ${PARSER_LIMITS.maxHeaders} header fields`);
      const colon = text.indexOf(':', from);
      if (colon < 0 || colon >= to || colon === from) throw new ParseError('HPE_INVALID_HEADER_TOKEN', 'header line without a field name and colon');
      const nameLength = colon - from;
      // only the few fields that frame the response are read; length and first letter skip the rest cheaply
      if (nameLength !== 10 && nameLength !== 14 && nameLength !== 17) continue;
      const first = text.charCodeAt(from) | 0x20;
      if (first !== 99 && first !== 107 && first !== 116) continue; // c, k, t
      const name = text.slice(from, colon).toLowerCase();
      const value = text.slice(colon + 1, to).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) throw new ParseError('HPE_INVALID_CONTENT_LENGTH', 'invalid Content-Length');
        // RFC 9112 §6.3: differing values are unrecoverable; a repeated equal value is the same length
        if (contentLength !== undefined && contentLength !== value) throw new ParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'two different Content-Length values');
        if (te !== undefined) throw new ParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'Content-Length with Transfer-Encoding');
        contentLength = value;
      } else if (name === 'transfer-encoding') {
        if (contentLength !== undefined) throw new ParseError('HPE_INVALID_TRANSFER_ENCODING', 'Transfer-Encoding with Content-Length');
        te = te === undefined ? value.toLowerCase() : `${te}, ${value.toLowerCase()}`;
      } else if (name === 'connection') connection += value.toLowerCase();
      else if (name === 'keep-alive') keepAlive = value.toLowerCase();
    }
    if (status < 200) return { status, close: false };
    const close = connection.includes('close') || (minor === '0' && !connection.includes('keep-alive'));
    // RFC 9112 §6.3: chunked only when it is the final coding; any other coding reads until close
    const chunked = te !== undefined && /(^|,)\s*chunked\s*$/.test(te);
    if (this.noBody || status === 204 || status === 304) {
      this.bodyless = true;
    } else if (chunked) this.state = State.ChunkSize;
    else if (te !== undefined) this.state = State.UntilClose;
    else if (contentLength !== undefined) {
      const n = Number(contentLength);
      this.remaining = n;
      if (n === 0) this.bodyless = true;
      else this.state = State.FixedBody;
    } else this.state = State.UntilClose;
    return { status, close, keepAlive };
  }
}

/** The size on a chunk-size line (hex digits, then optional ';extensions' and CRLF). */
function chunkSize(buf: Buffer, from: number, nl: number): number {
  let size = 0;
  let digits = 0;
  let i = from;
  for (; i < nl; i++) {
    const c = buf[i]!;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d < 0) break;
    // 13 hex digits are 2^52: beyond a safe integer and beyond any body a bench would read
    if (++digits > 13) throw new ParseError('HPE_INVALID_CHUNK_SIZE', 'chunk size overflow');
    size = size * 16 + d;
  }
  if (digits === 0) throw new ParseError('HPE_INVALID_CHUNK_SIZE', 'invalid character in chunk size');
  const c = buf[i];
  if (i < nl && c !== 13 && c !== 59 && c !== 32 && c !== 9) throw new ParseError('HPE_INVALID_CHUNK_SIZE', 'invalid character in chunk size');
  return size;
}
