import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { CloseInfo, ConnectionRecord } from '../../model/connection.js';
import { newIdleStats, addIdlePeriod, parseKeepAliveHeader } from '../../model/connection.js';
import { chargeEstablishment, establishmentFromMarks, type EstablishmentMarks } from '../../model/establishment.js';
import type { Facts } from '../../model/facts.js';
import { phasesFromMarks, type RequestMarks } from '../../model/phases.js';
import type { RequestTrace } from '../../model/request.js';
import { classifyError, ConnectionResetError, ConnectTimeoutError, ResponseParseError, TimeoutError, UsageError } from '../../errors.js';
import { epochOf } from '../../trace/clock.js';
import { RecordIds } from '../../trace/ids.js';
import { tlsInfoOf } from '../../trace/tls-info.js';
import { countStep, originOf, pathOf, requestHeaders, type Engine, type EngineContext, type RecordSink, type RequestDone, type StepCounts } from '../engine.js';
import type { ResolvedBenchOptions } from '../options.js';
import { EventClock } from '../event-clock.js';
import { HandleWriter } from './handle-writer.js';
import { ResponseParser, type ResponseHead } from './raw-parser.js';

interface Pending {
  start: number;
  done: RequestDone;
  assigned: number;
  firstByte: number;
  status: number;
  index: number;
  idleBefore: number;
}

type ConnState = 'connecting' | 'open' | 'closed';

/** One socket of the raw pool, with its own accounting. */
class RawConnection {
  readonly id: string;
  state: ConnState = 'connecting';
  readonly inflight: Pending[] = [];
  served = 0;
  lastActivity = 0;
  serverAskedClose = false;
  /** Requests assigned but not yet written (flushed once per loop turn). */
  unwritten = 0;
  /** Establishment marks; the model turns them into the record's phases (model/establishment.ts). */
  readonly marks: EstablishmentMarks;
  record: ConnectionRecord | undefined;
  readonly parser: ResponseParser;

  private readonly feed = (chunk: Buffer): void => this.parser.feed(chunk);

  /** Set by the engine right after connecting, before any event can arrive. */
  socket!: net.Socket;
  writer!: HandleWriter;
  /** net/tls `onread`: every read lands in the engine's one buffer and goes straight to the parser. */
  readonly onread: net.OnReadOpts;

  constructor(
    readonly engine: RawEngine,
    readBuffer: Buffer,
    readonly secure: boolean,
    lookup: boolean,
  ) {
    this.id = engine.ids.connection();
    this.marks = { created: performance.now(), lookup, handshake: secure };
    this.parser = new ResponseParser({
      onHead: (h) => engine.onHead(this, h),
      onComplete: () => engine.onComplete(this),
      onError: (code, m) => engine.fail(this, new ResponseParseError(code, m), { closedBy: 'client', reason: `error:${code}`, errorCode: code }),
    });
    this.onread = {
      buffer: readBuffer,
      // `readBuffer` is where the bytes are: readView(n) is its first n bytes
      callback: (n: number) => {
        // one event: the heads, completions and next requests of this read share one clock read
        engine.clock.run(this.feed, engine.readView(n));
        return true;
      },
    };
  }
}

/**
 * A lean HTTP/1.1 keep-alive engine on net/tls sockets, built for maximum request rate:
 * one pre-serialized request buffer, a minimal response parser, optional pipelining, and its own
 * connection accounting (no tracer needed).
 */
export class RawEngine implements Engine {
  readonly kind = 'raw' as const;
  readonly selfAccounting = true;
  private readonly o: ResolvedBenchOptions;
  private readonly sink: RecordSink;
  private readonly requestBuffer: Buffer;
  private readonly queue: Pending[] = [];
  private readonly free: RawConnection[] = [];
  private readonly conns = new Set<RawConnection>();
  private connecting = 0;
  private closed = false;
  private session: Buffer | undefined;
  /**
   * One TLS context for every connection: tls.connect with `ca` builds a new context (parsing the CA) per
   * connection, 1-5 ms of the loop each, which a run without keep-alive paid on every request (as the h2 engine).
   */
  private secureContext: tls.SecureContext | undefined;
  private readonly origin: string;
  private readonly path: string;
  private readonly sweep: NodeJS.Timeout;
  private toFlush: RawConnection[] = [];
  private flushScheduled = false;
  /**
   * Every socket reads into this one buffer (net/tls `onread`): the callback runs synchronously and
   * the parser copies what it keeps, so no read allocates, and no stream machinery runs per read.
   */
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  /** The last view of readBuffer handed to a parser: a load of same-size responses makes no view per read. */
  private view = this.readBuffer.subarray(0, 0);
  /** @internal the time of the read being handled (connections run their reads through it) */
  readonly clock = new EventClock();
  /** @internal pool, connection and request ids (the tracer's numbering) */
  readonly ids = new RecordIds(this, 'raw');

  constructor(ctx: EngineContext) {
    this.o = ctx.options;
    this.sink = ctx.sink;
    this.origin = originOf(this.o.url);
    this.path = pathOf(this.o.url);
    this.requestBuffer = serializeRequest(this.o);
    // one sweep for every deadline (connect, response, client idle close), never a timer per request:
    // each fires at most an eighth of the shortest (10-250 ms) late
    const shortest = Math.min(this.o.connectTimeoutMs, this.o.timeoutMs, this.o.idleTimeoutMs ?? Infinity);
    this.sweep = setInterval(() => this.sweepDeadlines(), Math.min(250, Math.max(10, shortest / 8)));
    this.sweep.unref();
  }

  now(): number {
    return this.clock.now();
  }

  /** @internal the first `n` bytes of the shared read buffer (what the last read put there) */
  readView(n: number): Buffer {
    if (this.view.length !== n) this.view = this.readBuffer.subarray(0, n);
    return this.view;
  }

  facts(): Facts {
    const f: Facts = { keepAliveEnabled: this.o.keepAlive, poolSize: this.o.connections };
    if (this.o.idleTimeoutMs !== undefined) f.clientIdleTimeoutMs = this.o.idleTimeoutMs;
    if (this.o.url.protocol === 'https:') f.tls = { clientSessionCacheSize: this.o.tlsSessionCache, resumptionAttempted: this.o.tlsSessionCache > 0 };
    return f;
  }

  stuckSteps(): StepCounts {
    const counts: StepCounts = {};
    for (const conn of this.conns) {
      for (const p of conn.inflight) countStep(counts, p.firstByte ? 'receiving' : conn.unwritten > 0 ? 'sending' : 'waiting');
    }
    // queued requests wait for the connections being opened for them, or for a busy one to free up
    const connecting = Math.min(this.queue.length, this.connecting);
    countStep(counts, 'connecting', connecting);
    countStep(counts, 'blocked', this.queue.length - connecting);
    return counts;
  }

  send(done: RequestDone): void {
    if (this.closed) {
      setImmediate(done, undefined, new UsageError('engine closed'));
      return;
    }
    const p: Pending = { start: this.clock.now(), done, assigned: 0, firstByte: 0, status: 0, index: 0, idleBefore: -1 };
    // the usual case under load, a response just freed a connection: straight to it, past the queue
    if (this.queue.length === 0) {
      const conn = this.free.pop();
      // a connection that closed or filled up since it was listed is dropped, as pump() does
      if (conn !== undefined && conn.state === 'open' && conn.inflight.length < this.o.pipelining) {
        this.assign(conn, p);
        if (conn.inflight.length < this.o.pipelining) this.free.push(conn);
        return;
      }
    }
    this.queue.push(p);
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const conn = this.free.pop();
      if (!conn) break;
      if (conn.state !== 'open' || conn.inflight.length >= this.o.pipelining) continue;
      this.assign(conn, this.queue.shift()!);
      if (conn.inflight.length < this.o.pipelining) this.free.push(conn);
    }
    while (this.queue.length > this.connecting && this.conns.size < this.o.connections) this.open();
  }

  private assign(conn: RawConnection, p: Pending): void {
    const now = this.clock.now();
    p.assigned = now;
    if (conn.served > 0 && conn.inflight.length === 0) {
      p.idleBefore = now - conn.lastActivity;
      if (conn.record) addIdlePeriod(conn.record.idle, p.idleBefore);
    }
    p.index = ++conn.served;
    conn.inflight.push(p);
    // writes are gathered and flushed once per turn of the event loop, after all reads of that turn:
    // the server then wakes once for a batch of requests instead of once per request
    conn.unwritten++;
    if (conn.unwritten === 1) this.toFlush.push(conn);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const list = this.toFlush;
    this.toFlush = [];
    for (let i = 0; i < list.length; i++) {
      const conn = list[i]!;
      const n = conn.unwritten;
      conn.unwritten = 0;
      if (conn.state !== 'open') continue;
      conn.writer.write(n === 1 ? this.requestBuffer : Buffer.concat(Array(n).fill(this.requestBuffer)));
    }
  };

  private open(): void {
    const { url } = this.o;
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const secure = url.protocol === 'https:';
    const port = Number(url.port || (secure ? 443 : 80));
    const conn = new RawConnection(this, this.readBuffer, secure, !net.isIP(host));
    const onread = conn.onread;
    let socket: net.Socket;
    if (secure) {
      const options: tls.ConnectionOptions & { onread: net.OnReadOpts } = {
        onread,
        host,
        port,
        servername: net.isIP(host) ? undefined : host,
        secureContext: (this.secureContext ??= tls.createSecureContext({ ca: this.o.ca })),
        rejectUnauthorized: !this.o.insecure,
        session: this.o.tlsSessionCache > 0 ? this.session : undefined,
        ALPNProtocols: ['http/1.1'],
      };
      socket = tls.connect(options);
      if (this.o.tlsSessionCache > 0) socket.on('session', (s: Buffer) => (this.session = s));
    } else {
      socket = net.connect({ host, port, onread });
    }
    socket.setNoDelay(true);
    conn.socket = socket;
    conn.writer = new HandleWriter(socket, (err) => this.fail(conn, err, undefined), !secure);
    conn.parser.noBody = this.o.method === 'HEAD';
    this.conns.add(conn);
    this.connecting++;
    if (conn.marks.lookup) socket.once('lookup', () => (conn.marks.dnsEnd = performance.now()));
    socket.once('connect', () => {
      conn.marks.connectEnd = performance.now();
      if (!secure) this.established(conn);
    });
    if (secure) socket.once('secureConnect', () => {
      conn.marks.tlsEnd = performance.now();
      this.established(conn);
    });
    socket.on('end', () => this.onEnd(conn));
    socket.on('error', (err) => this.fail(conn, err, undefined));
    socket.on('close', () => this.fail(conn, new ConnectionResetError('socket closed'), undefined));
  }

  private established(conn: RawConnection): void {
    if (conn.state !== 'connecting') return;
    this.connecting--;
    conn.state = 'open';
    conn.lastActivity = performance.now();
    const s = conn.socket;
    const record: ConnectionRecord = {
      id: conn.id,
      origin: this.origin,
      source: 'raw',
      poolId: this.ids.poolId,
      protocol: 'http/1.1',
      remoteAddress: s.remoteAddress,
      remotePort: s.remotePort,
      localAddress: s.localAddress,
      localPort: s.localPort,
      openedAt: conn.marks.created,
      openedAtEpoch: epochOf(conn.marks.created),
      establishment: establishmentFromMarks(conn.marks),
      requests: 0,
      idle: newIdleStats(),
    };
    // no certificate facts: reading them would cost a load run up to a millisecond per new connection (tls-info.ts)
    if (conn.secure) record.tls = tlsInfoOf(s as tls.TLSSocket, undefined, false);
    conn.record = record;
    this.sink.connection(record);
    this.free.push(conn);
    this.pump();
  }

  /** @internal parser callback */
  onHead(conn: RawConnection, head: ResponseHead): void {
    const p = conn.inflight[0];
    if (!p) return;
    p.firstByte = this.clock.now();
    p.status = head.status;
    if (head.close) conn.serverAskedClose = true;
    if (head.keepAlive !== undefined && conn.record && !conn.record.keepAliveHint) {
      conn.record.keepAliveHint = { keepAliveHeader: head.keepAlive, ...parseKeepAliveHeader(head.keepAlive) };
    }
  }

  /** @internal parser callback */
  onComplete(conn: RawConnection): void {
    const p = conn.inflight.shift();
    if (!p) return;
    const now = this.clock.now();
    conn.lastActivity = now;
    if (conn.record) conn.record.requests++;
    const fast = p.index > 1 && this.sink.reusedOk?.(p.assigned - p.start, p.firstByte - p.assigned, now - p.start, p.index);
    if (!fast) this.sink.request(this.trace(conn, p, now, undefined));
    if (conn.serverAskedClose || !this.o.keepAlive) {
      const close: CloseInfo = this.o.keepAlive
        ? { closedBy: 'server', reason: 'server-connection-close' }
        : { closedBy: 'client', reason: 'client-connection-close' };
      this.finish(conn, close, undefined);
    } else if (conn.state === 'open') {
      if (conn.inflight.length === this.o.pipelining - 1) this.free.push(conn);
    }
    p.done(p.status, undefined);
    this.pump();
  }

  private onEnd(conn: RawConnection): void {
    conn.parser.end();
    if (conn.state === 'closed') return;
    if (conn.inflight.length === 0) {
      const max = conn.record?.keepAliveHint?.max;
      const reason = max !== undefined && conn.served >= max ? 'server-max-requests' : conn.served > 0 ? 'server-idle-timeout' : 'server-closed';
      this.finish(conn, { closedBy: 'server', reason }, undefined);
    } else {
      const err = new ConnectionResetError('socket hang up');
      this.finish(conn, { closedBy: 'server', reason: 'error:ECONNRESET', errorCode: 'ECONNRESET' }, err);
    }
  }

  /** @internal the connection failed: its in-flight requests fail with `err`. */
  fail(conn: RawConnection, err: unknown, close: CloseInfo | undefined): void {
    if (conn.state === 'closed') return;
    const code = classifyError(err).code;
    this.finish(conn, close ?? { closedBy: conn.state === 'connecting' ? 'unknown' : 'server', reason: `error:${code}`, errorCode: code }, err);
  }

  private finish(conn: RawConnection, close: CloseInfo, err: unknown): void {
    if (conn.state === 'closed') return;
    const wasConnecting = conn.state === 'connecting';
    conn.state = 'closed';
    if (wasConnecting) this.connecting--;
    this.conns.delete(conn);
    conn.socket.destroy();
    const now = performance.now();
    if (conn.record) {
      conn.record.closedAt = now;
      conn.record.close = close;
      const idle = conn.inflight.length === 0 && conn.served > 0 ? now - conn.lastActivity : undefined;
      this.sink.close(conn.record, idle);
    }
    const failed = conn.inflight.splice(0);
    if (this.closed) return;
    if (err === undefined) {
      // requests pipelined behind a response that closed the connection were never answered: send them again
      this.queue.unshift(...failed.map((p) => ({ ...p, index: 0, idleBefore: -1 })));
    } else {
      if (wasConnecting && failed.length === 0) {
        // nothing was written yet: the request waiting for this connection gets the connect error
        const p = this.queue.shift();
        if (p) failed.push(p);
      }
      for (const p of failed) {
        this.sink.request(this.trace(conn, p, now, err));
        p.done(undefined, err);
      }
    }
    this.pump();
  }

  private trace(conn: RawConnection, p: Pending, end: number, err: unknown): RequestTrace {
    const marks: RequestMarks = { start: p.start, end };
    // the request this connection was opened for pays its establishment (all of it, or up to the step it failed in)
    if (p.index === 1 && p.start <= conn.marks.created + 0.001) chargeEstablishment(marks, conn.marks, conn.record === undefined);
    else if (p.assigned) marks.assigned = p.assigned;
    if (p.assigned) marks.sent = p.assigned;
    if (p.firstByte) marks.firstByte = p.firstByte;
    const t: RequestTrace = {
      id: this.ids.request(),
      connectionId: conn.record ? conn.id : undefined,
      origin: this.origin,
      method: this.o.method,
      path: this.path,
      source: 'raw',
      poolId: this.ids.poolId,
      startedAt: p.start,
      startedAtEpoch: epochOf(p.start),
      phases: phasesFromMarks(marks),
      reused: p.index > 1,
    };
    if (p.index > 0) t.requestIndexOnConnection = p.index;
    if (p.idleBefore >= 0) t.idleBeforeMs = p.idleBefore;
    if (p.status) t.status = p.status;
    if (err !== undefined) t.error = classifyError(err, p.index > 1);
    return t;
  }

  private sweepDeadlines(): void {
    const now = performance.now();
    const idleMs = this.o.idleTimeoutMs;
    for (const conn of this.conns) {
      if (conn.state === 'connecting' && now - conn.marks.created > this.o.connectTimeoutMs) {
        const err = new ConnectTimeoutError(`connect timed out after ${this.o.connectTimeoutMs} ms`);
        this.finish(conn, { closedBy: 'client', reason: 'error:UND_ERR_CONNECT_TIMEOUT', errorCode: 'UND_ERR_CONNECT_TIMEOUT' }, err);
      } else if (conn.inflight.length > 0 && now - conn.inflight[0]!.assigned > this.o.timeoutMs) {
        const err = new TimeoutError(`no response within ${this.o.timeoutMs} ms`);
        this.finish(conn, { closedBy: 'client', reason: 'error:CONNSCOPE_ERR_TIMEOUT', errorCode: 'CONNSCOPE_ERR_TIMEOUT' }, err);
      } else if (idleMs !== undefined && conn.state === 'open' && conn.served > 0 && conn.inflight.length === 0 && now - conn.lastActivity >= idleMs) {
        this.finish(conn, { closedBy: 'client', reason: 'client-idle-timeout' }, undefined);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweep);
    this.queue.length = 0;
    for (const conn of [...this.conns]) this.finish(conn, { closedBy: 'client', reason: 'pool-closed' }, undefined);
  }
}

/** The whole request, serialized once. */
export function serializeRequest(o: ResolvedBenchOptions): Buffer {
  const url = o.url;
  const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  const headers = requestHeaders(o);
  let head = `${o.method} ${pathOf(url)} HTTP/1.1\r\nhost: ${headers.host ?? host}\r\n`;
  for (const [k, v] of Object.entries(headers)) if (k !== 'host' && k !== 'connection' && k !== 'content-length') head += `${k}: ${v}\r\n`;
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    if (headers.authorization === undefined) head += `authorization: Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}\r\n`;
  }
  if (!o.keepAlive) head += 'connection: close\r\n';
  if (o.body !== undefined) head += `content-length: ${o.body.length}\r\n`;
  head += '\r\n';
  const h = Buffer.from(head, 'latin1');
  return o.body !== undefined ? Buffer.concat([h, o.body]) : h;
}
