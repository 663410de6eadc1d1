/** What the raw engine needs from a response head. The parser reuses one object: read it in onHead, don't keep it. */
export interface ResponseHead {
  status: number;
  /** The server asked to close (Connection: close, or HTTP/1.0 without keep-alive). */
  close: boolean;
  keepAlive: string | undefined;
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
const CR = 13;
const LF = 10;
const COLON = 58;

/** Lower-case field names the parser reads, as bytes (compared without a string per line). */
const CONTENT_LENGTH = Buffer.from('content-length');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding');
const CONNECTION = Buffer.from('connection');
const KEEP_ALIVE = Buffer.from('keep-alive');

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
 * at most 16 KiB, in time linear in what arrived. The head is read from the bytes: no string is
 * made for a field the parser does not need (at load, this is most of a response's cost here).
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
  /** Handed to onHead, refilled for each response. */
  private readonly head: ResponseHead = { status: 0, close: false, keepAlive: undefined };
  /**
   * The last final head, its bytes (CRLFCRLF included) and what parsing them gave. Under load a
   * server repeats its head byte for byte (nginx's changes when its Date turns over, once a second):
   * the same bytes parse the same, so one compare stands in for the parse.
   */
  private lastHead: Buffer | null = null;
  private lastStatus = 0;
  private lastClose = false;
  private lastKeepAlive: string | undefined = undefined;
  private lastState = State.Head;
  private lastRemaining = 0;
  private lastBodyless = false;
  private lastNoBody = false;

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

  /**
   * The next bytes from the connection. The parser keeps no reference to `chunk` after returning
   * (an unfinished head or line is copied), so the caller may reuse its buffer for the next read.
   */
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
    // what is kept for the next chunk is copied when it is still the caller's buffer
    const keep = (from: number): void => {
      this.pending = buf === chunk ? Buffer.from(buf.subarray(from)) : buf.subarray(from);
    };
    let i = 0;
    const len = buf.length;
    while (i < len) {
      switch (this.state) {
        case State.Head: {
          const last = this.lastHead;
          if (last !== null && this.noBody === this.lastNoBody && len - i >= last.length && last.compare(buf, i, i + last.length) === 0) {
            i += last.length;
            scanFrom = 0;
            this.replayHead();
            break;
          }
          const endAt = buf.indexOf(CRLFCRLF, Math.max(i, scanFrom - 3));
          scanFrom = 0;
          if (endAt < 0 || endAt + 4 - i > PARSER_LIMITS.maxHeaderBytes) {
            if (len - i > PARSER_LIMITS.maxHeaderBytes) throw new ParseError('HPE_HEADER_OVERFLOW', `response header section above ${PARSER_LIMITS.maxHeaderBytes} bytes`);
            keep(i);
            return;
          }
          const head = this.parseHead(buf, i, endAt);
          const headFrom = i;
          i = endAt + 4;
          if (head.status < 200) break; // interim 1xx: the final head follows
          this.rememberHead(buf, headFrom, i);
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
            keep(i);
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
            keep(i);
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

  /** Keeps the head in buf[from, to) and its outcome, for replayHead. */
  private rememberHead(buf: Buffer, from: number, to: number): void {
    const last = this.lastHead;
    // a copy: buf may be the caller's read buffer
    this.lastHead = last !== null && last.length === to - from ? last : Buffer.allocUnsafe(to - from);
    buf.copy(this.lastHead, 0, from, to);
    this.lastStatus = this.head.status;
    this.lastClose = this.head.close;
    this.lastKeepAlive = this.head.keepAlive;
    this.lastState = this.state;
    this.lastRemaining = this.remaining;
    this.lastBodyless = this.bodyless;
    this.lastNoBody = this.noBody;
  }

  /** The bytes just read are the last head's again: its outcome, without parsing. */
  private replayHead(): void {
    const head = this.head;
    head.status = this.lastStatus;
    head.close = this.lastClose;
    head.keepAlive = this.lastKeepAlive;
    this.state = this.lastState;
    this.remaining = this.lastRemaining;
    this.ev.onHead(head);
    if (this.lastBodyless) this.ev.onComplete();
  }

  private complete(): void {
    this.state = State.Head;
    this.ev.onComplete();
  }

  /** The head in buf[from, to) (without its final CRLFCRLF). */
  private parseHead(buf: Buffer, from: number, to: number): ResponseHead {
    // 'HTTP/1.x NNN': checked by position, no regex on the hot path
    const n = to - from;
    if (n < 5 || buf[from] !== 72 || buf[from + 1] !== 84 || buf[from + 2] !== 84 || buf[from + 3] !== 80 || buf[from + 4] !== 47) {
      throw new ParseError('HPE_INVALID_CONSTANT', 'expected HTTP/ at the start of the status line');
    }
    if (n < 12 || buf[from + 5] !== 49 || buf[from + 6] !== 46 || buf[from + 8] !== 32) throw new ParseError('HPE_INVALID_VERSION', 'not an HTTP/1.x status line');
    const minor0 = buf[from + 7] === 48;
    const status = digit(buf[from + 9]!) * 100 + digit(buf[from + 10]!) * 10 + digit(buf[from + 11]!);
    if (!(status >= 100) || (n > 12 && buf[from + 12] !== 32)) throw new ParseError('HPE_INVALID_STATUS', 'invalid response status');
    // Content-Length as its digits' place in buf (a repeated field is compared byte for byte)
    let clFrom = -1;
    let clTo = -1;
    let te: string | undefined;
    let connection = '';
    let keepAlive: string | undefined;
    let fields = 0;
    // each field line: name up to the first colon, value trimmed; lines end at CRLF (a bare LF is part of the line)
    let line = lineEnd(buf, from, to);
    while (line < to) {
      const start = line + 2;
      line = lineEnd(buf, start, to);
      if (++fields > PARSER_LIMITS.maxHeaders) throw new ParseError('HPE_HEADER_OVERFLOW', `more than ${PARSER_LIMITS.maxHeaders} header fields`);
      let colon = start;
      while (colon < line && buf[colon] !== COLON) colon++;
      if (colon >= line || colon === start) throw new ParseError('HPE_INVALID_HEADER_TOKEN', 'header line without a field name and colon');
      // only the few fields that frame the response are read; length and first letter pick the one candidate
      const nameLength = colon - start;
      const first = buf[start]! | 0x20;
      let field: Buffer;
      if (nameLength === 14 && first === 99) field = CONTENT_LENGTH;
      else if (nameLength === 10 && first === 99) field = CONNECTION;
      else if (nameLength === 10 && first === 107) field = KEEP_ALIVE;
      else if (nameLength === 17 && first === 116) field = TRANSFER_ENCODING;
      else continue;
      if (!nameIs(buf, start, field)) continue;
      let vFrom = colon + 1;
      let vTo = line;
      while (vFrom < vTo && isSpace(buf[vFrom]!)) vFrom++;
      while (vTo > vFrom && isSpace(buf[vTo - 1]!)) vTo--;
      if (field === CONTENT_LENGTH) {
        if (vTo - vFrom < 1 || vTo - vFrom > 15 || !allDigits(buf, vFrom, vTo)) throw new ParseError('HPE_INVALID_CONTENT_LENGTH', 'invalid Content-Length');
        // RFC 9112 §6.3: differing values are unrecoverable; a repeated equal value is the same length
        if (clFrom >= 0 && buf.compare(buf, vFrom, vTo, clFrom, clTo) !== 0) throw new ParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'two different Content-Length values');
        if (te !== undefined) throw new ParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'Content-Length with Transfer-Encoding');
        clFrom = vFrom;
        clTo = vTo;
      } else if (field === TRANSFER_ENCODING) {
        if (clFrom >= 0) throw new ParseError('HPE_INVALID_TRANSFER_ENCODING', 'Transfer-Encoding with Content-Length');
        const value = buf.toString('latin1', vFrom, vTo).toLowerCase();
        te = te === undefined ? value : `${te}, ${value}`;
      } else if (field === CONNECTION) {
        // the usual value needs no string
        connection += vTo - vFrom === 10 && nameIs(buf, vFrom, KEEP_ALIVE) ? 'keep-alive' : buf.toString('latin1', vFrom, vTo).toLowerCase();
      } else keepAlive = buf.toString('latin1', vFrom, vTo).toLowerCase();
    }
    const head = this.head;
    head.status = status;
    head.close = false;
    head.keepAlive = undefined;
    if (status < 200) return head;
    head.close = connection === 'keep-alive' ? false : connection.includes('close') || (minor0 && !connection.includes('keep-alive'));
    head.keepAlive = keepAlive;
    // RFC 9112 §6.3: chunked only when it is the final coding; any other coding reads until close
    const chunked = te !== undefined && /(^|,)\s*chunked\s*$/.test(te);
    if (this.noBody || status === 204 || status === 304) {
      this.bodyless = true;
    } else if (chunked) this.state = State.ChunkSize;
    else if (te !== undefined) this.state = State.UntilClose;
    else if (clFrom >= 0) {
      let length = 0;
      for (let k = clFrom; k < clTo; k++) length = length * 10 + buf[k]! - 48;
      this.remaining = length;
      if (length === 0) this.bodyless = true;
      else this.state = State.FixedBody;
    } else this.state = State.UntilClose;
    return head;
  }
}

/**
 * Where the line starting at `from` ends (the CR of its CRLF), or `to`. Buffer.indexOf (memchr) per
 * line: a byte-by-byte loop in JavaScript cost more than the rest of the parse.
 */
function lineEnd(buf: Buffer, from: number, to: number): number {
  let lf = buf.indexOf(LF, from + 1);
  while (lf >= 0 && lf <= to) {
    if (buf[lf - 1] === CR) return lf - 1;
    lf = buf.indexOf(LF, lf + 1);
  }
  return to;
}

/** The field name at `at` is `lower` (ASCII case-insensitive: letters match either case, other bytes exactly). */
function nameIs(buf: Buffer, at: number, lower: Buffer): boolean {
  for (let k = 0; k < lower.length; k++) {
    const c = lower[k]!;
    const b = buf[at + k]!;
    if (b !== c && (c < 97 || c > 122 || b !== c - 32)) return false;
  }
  return true;
}

/** What String.prototype.trim removes, in latin1: tab, LF, VT, FF, CR, space, no-break space. */
function isSpace(b: number): boolean {
  return (b >= 9 && b <= 13) || b === 32 || b === 160;
}

function allDigits(buf: Buffer, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const b = buf[k]!;
    if (b < 48 || b > 57) return false;
  }
  return true;
}

/** A decimal digit's value, or NaN (so a status with any other byte is not a number). */
function digit(b: number): number {
  return b >= 48 && b <= 57 ? b - 48 : NaN;
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
