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
  onError(message: string): void;
}

const enum State {
  Head,
  FixedBody,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

/**
 * A minimal HTTP/1.1 response parser for load generation: the status line, Content-Length,
 * chunked framing and the Connection / Keep-Alive headers; everything else is skipped unread.
 */
export class ResponseParser {
  private state = State.Head;
  private pending: Buffer | null = null;
  private remaining = 0;
  private bodyless = false;
  /** The request was HEAD: the response has no body whatever its headers say. */
  noBody = false;

  constructor(private readonly ev: ParserEvents) {}

  /** True between responses (nothing partially received). */
  get idle(): boolean {
    return this.state === State.Head && this.pending === null;
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
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let i = 0;
    const len = buf.length;
    while (i < len) {
      switch (this.state) {
        case State.Head: {
          const endAt = buf.indexOf(CRLFCRLF, i);
          if (endAt < 0) {
            if (len - i > MAX_HEAD) return this.ev.onError('response head too large');
            this.pending = buf.subarray(i);
            return;
          }
          const head = this.parseHead(buf.toString('latin1', i, endAt));
          if (!head) return this.ev.onError('malformed response head');
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
          const nl = buf.indexOf(10, i);
          if (nl < 0) {
            this.pending = buf.subarray(i);
            return;
          }
          const size = parseInt(buf.toString('latin1', i, nl), 16);
          if (!Number.isFinite(size) || size < 0) return this.ev.onError('bad chunk size');
          i = nl + 1;
          if (size === 0) this.state = State.Trailers;
          else {
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
          const take = Math.min(this.remaining, len - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // an empty line ends the trailers; other lines are trailer fields
          const nl = buf.indexOf(10, i);
          if (nl < 0) {
            this.pending = buf.subarray(i);
            return;
          }
          const empty = nl === i || (nl === i + 1 && buf[i] === 13);
          i = nl + 1;
          if (empty) this.complete();
          break;
        }
        case State.UntilClose:
          return;
      }
    }
  }

  private complete(): void {
    this.state = State.Head;
    this.ev.onComplete();
  }

  private parseHead(text: string): ResponseHead | null {
    // 'HTTP/1.x NNN': checked by position, no regex on the hot path
    if (text.length < 12 || !text.startsWith('HTTP/1.') || text.charCodeAt(8) !== 32) return null;
    const minor = text[7];
    const status = Number(text.slice(9, 12));
    if (!(status >= 100 && status < 1000)) return null;
    const lower = text.toLowerCase();
    const contentLength = headerValue(lower, '\ncontent-length:');
    const te = headerValue(lower, '\ntransfer-encoding:');
    const chunked = te !== undefined && te.includes('chunked');
    const connection = headerValue(lower, '\nconnection:') ?? '';
    const keepAlive = headerValue(lower, '\nkeep-alive:');
    if (status >= 100 && status < 200) return { status, close: false };
    const close = connection.includes('close') || (minor === '0' && !connection.includes('keep-alive'));
    if (this.noBody || status === 204 || status === 304) {
      this.bodyless = true;
    } else if (chunked) this.state = State.ChunkSize;
    else if (contentLength !== undefined) {
      const n = Number(contentLength);
      if (!Number.isInteger(n) || n < 0) return null;
      this.remaining = n;
      if (n === 0) this.bodyless = true;
      else this.state = State.FixedBody;
    } else this.state = State.UntilClose;
    return { status, close, keepAlive };
  }
}

/** Value of a header in a lower-cased head (`name` starts with '\n' and ends with ':'), trimmed. */
function headerValue(lowerHead: string, name: string): string | undefined {
  const at = lowerHead.indexOf(name);
  if (at < 0) return undefined;
  const from = at + name.length;
  let to = lowerHead.indexOf('\r', from);
  if (to < 0) to = lowerHead.length;
  return lowerHead.slice(from, to).trim();
}
