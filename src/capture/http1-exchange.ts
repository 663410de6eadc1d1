import type { StreamConsumer } from './tcp-direction.js';

/** One cleartext HTTP/1.x request and its response, as seen on the wire. */
export interface HttpExchange {
  /** 1-based position on the connection. */
  index: number;
  method: string;
  /** Path without the query string (query values are never kept). */
  path: string;
  requestConnection?: string;
  startedAt: number;
  /** Last request byte seen before the response began. */
  sentAt: number;
  firstByteAt?: number;
  /** Last response byte. */
  endAt?: number;
  status?: number;
  httpVersion?: string;
  responseConnection?: string;
  responseKeepAlive?: string;
}

const MAX_HEAD = 16 * 1024;
const METHOD = /^[A-Z][A-Z-]{0,19} /;
const REQUEST_LINE = /^([A-Z][A-Z-]{0,19}) (\S+) HTTP\/(1\.[01])$/;
const STATUS_LINE = /^HTTP\/(1\.[01]) (\d{3})/;

/**
 * Cleartext HTTP/1.1 by turns: client bytes after a response (or at the start) begin a request, server
 * bytes after a request are its response. Request and response heads are read for the request line,
 * status and the Connection / Keep-Alive headers; bodies are skipped, never copied. Pipelining shows as
 * one request per turn.
 */
export class Http1Parser {
  readonly client: StreamConsumer;
  readonly server: StreamConsumer;
  /** False once the first client bytes did not look like HTTP/1.x. */
  isHttp = true;
  requests = 0;
  private current: HttpExchange | undefined;
  private reqHead = '';
  private resHead = '';
  private reqHeadDone = false;
  private resHeadDone = false;
  onExchange: ((x: HttpExchange) => void) | undefined;
  /** The most recent Keep-Alive / Connection response headers. */
  lastResponseConnection: string | undefined;
  lastResponseKeepAlive: string | undefined;

  constructor() {
    this.client = { data: (b, s, e, t) => this.clientData(b, s, e, t), gap: () => this.clientGap() };
    this.server = { data: (b, s, e, t) => this.serverData(b, s, e, t), gap: () => this.serverGap() };
  }

  private clientData(buf: Buffer, start: number, end: number, ts: number): void {
    if (!this.isHttp) return;
    const cur = this.current;
    if (!cur || cur.firstByteAt !== undefined) {
      const head = buf.toString('latin1', start, Math.min(end, start + 21));
      if (!METHOD.test(head)) {
        if (this.requests === 0) this.isHttp = false;
        else if (cur) cur.sentAt = ts; // a body sent after an interim (1xx) response
        return;
      }
      this.finishCurrent();
      this.requests++;
      this.current = { index: this.requests, method: '', path: '', startedAt: ts, sentAt: ts };
      this.reqHead = '';
      this.reqHeadDone = false;
      this.resHead = '';
      this.resHeadDone = false;
    }
    const x = this.current!;
    x.sentAt = ts;
    if (!this.reqHeadDone) {
      this.reqHead += buf.toString('latin1', start, Math.min(end, start + MAX_HEAD));
      const endOfHead = this.reqHead.indexOf('\r\n\r\n');
      if (endOfHead >= 0 || this.reqHead.length >= MAX_HEAD) {
        this.reqHeadDone = true;
        this.readRequestHead(x, endOfHead >= 0 ? this.reqHead.slice(0, endOfHead) : this.reqHead);
        this.reqHead = '';
      }
    }
  }

  private serverData(buf: Buffer, start: number, end: number, ts: number): void {
    const x = this.current;
    if (!this.isHttp || !x) return;
    x.firstByteAt ??= ts;
    x.endAt = ts;
    if (!this.resHeadDone) {
      this.resHead += buf.toString('latin1', start, Math.min(end, start + MAX_HEAD));
      const endOfHead = this.resHead.indexOf('\r\n\r\n');
      if (endOfHead >= 0 || this.resHead.length >= MAX_HEAD) {
        this.resHeadDone = true;
        this.readResponseHead(x, endOfHead >= 0 ? this.resHead.slice(0, endOfHead) : this.resHead);
        this.resHead = '';
      }
    }
  }

  private clientGap(): void {
    this.reqHeadDone = true;
    this.reqHead = '';
  }

  private serverGap(): void {
    this.resHeadDone = true;
    this.resHead = '';
  }

  private readRequestHead(x: HttpExchange, head: string): void {
    const lines = head.split('\r\n');
    const m = REQUEST_LINE.exec(lines[0] ?? '');
    if (m) {
      x.method = m[1]!;
      x.path = m[2]!.split('?')[0]!;
      x.httpVersion = m[3]!;
    } else {
      x.method = (lines[0] ?? '').split(' ')[0] ?? '';
    }
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'connection') x.requestConnection = line.slice(colon + 1).trim();
    }
  }

  private readResponseHead(x: HttpExchange, head: string): void {
    const lines = head.split('\r\n');
    const m = STATUS_LINE.exec(lines[0] ?? '');
    if (!m) return;
    x.httpVersion = m[1]!;
    x.status = Number(m[2]);
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      if (name === 'connection') x.responseConnection = line.slice(colon + 1).trim();
      else if (name === 'keep-alive') x.responseKeepAlive = line.slice(colon + 1).trim();
    }
    if (x.status >= 100 && x.status < 200) {
      // an interim response (100 Continue): the final status is not read, the timings still are
      x.status = undefined;
      return;
    }
    if (x.responseConnection !== undefined) this.lastResponseConnection = x.responseConnection;
    if (x.responseKeepAlive !== undefined) this.lastResponseKeepAlive = x.responseKeepAlive;
  }

  private finishCurrent(): void {
    if (this.current) this.onExchange?.(this.current);
    this.current = undefined;
  }

  /** The connection ended: emits the last exchange. */
  finish(): void {
    this.finishCurrent();
  }
}
