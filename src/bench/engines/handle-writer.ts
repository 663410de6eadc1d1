import type net from 'node:net';
import { getSystemErrorName } from 'node:util';

/** A libuv write request as Node's stream binding makes it (`WriteWrap`). */
interface WriteReq {
  handle: unknown;
  buffer: Buffer | null;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
}

/** The parts of Node's `stream_wrap` binding a direct write uses. */
interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}

/** A TCP socket's native handle: what net.Socket itself writes through. */
interface TcpHandle {
  writeBuffer(req: WriteReq, data: Buffer): number;
}

let binding: StreamWrapBinding | null | undefined;

/**
 * Node's stream binding, or null where it cannot be had quietly. process.binding() is deprecated in
 * the documentation only; it warns under --pending-deprecation, so then net.Socket.write it is.
 */
function streamWrap(): StreamWrapBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  const pending = process.execArgv.includes('--pending-deprecation') || /--pending-deprecation/.test(process.env.NODE_OPTIONS ?? '') || process.env.NODE_PENDING_DEPRECATION === '1';
  const get = (process as unknown as { binding?: (name: string) => unknown }).binding;
  if (pending || typeof get !== 'function') return binding;
  try {
    const b = get.call(process, 'stream_wrap') as Partial<StreamWrapBinding>;
    if (typeof b.WriteWrap === 'function' && b.streamBaseState instanceof Int32Array && typeof b.kLastWriteWasAsync === 'number') binding = b as StreamWrapBinding;
  } catch {
    // not offered by this Node: the socket's own write
  }
  return binding;
}

/**
 * Writes a plain TCP socket's requests straight to its native handle, as net.Socket.write does in
 * the end, without the stream machinery around it. Per write net.Socket makes a native write
 * request object (a C++ constructor call), runs the Writable state machine and queues a nextTick for
 * the write's callback; a load engine writing ~50 bytes at a time paid more for that than for its
 * response parsing. Here one request object serves every write that completes at once (nearly all:
 * the kernel takes a small write whole); only a write the kernel could not take at once keeps its
 * object (and buffer) until libuv finishes it, and a new one serves the next.
 * A failed write reports the error (an Error with the errno's code) once; the socket's own error
 * and close events still come from net.Socket. TLS sockets and a Node without the binding use
 * socket.write.
 */
export class HandleWriter {
  private readonly binding: StreamWrapBinding | null;
  private req: WriteReq | null = null;
  private failed = false;
  /** Writes libuv still holds (the kernel did not take them at once). */
  pending = 0;

  /** Where the binding says whether the last write went async (read after every write). */
  private readonly state: Int32Array;
  private readonly asyncSlot: number;

  constructor(
    private readonly socket: net.Socket,
    private readonly onError: (err: Error) => void,
    direct: boolean,
  ) {
    this.binding = direct ? streamWrap() : null;
    this.state = this.binding?.streamBaseState ?? new Int32Array(1);
    this.asyncSlot = this.binding?.kLastWriteWasAsync ?? 0;
  }

  /** Writes go to the native handle (false: through socket.write). */
  get direct(): boolean {
    return this.binding !== null;
  }

  write(data: Buffer): void {
    const handle = (this.socket as unknown as { _handle: TcpHandle | null })._handle;
    const b = this.binding;
    if (b === null || handle === null || typeof handle.writeBuffer !== 'function') {
      this.socket.write(data);
      return;
    }
    let req = this.req;
    if (req === null) req = this.req = this.newReq(b, handle);
    const err = handle.writeBuffer(req, data);
    if (err !== 0) return this.fail(err);
    if (this.state[this.asyncSlot]) {
      // libuv holds req and the bytes until the write is done: they are its own until oncomplete
      req.buffer = data;
      req.async = true;
      this.req = null;
      this.pending++;
    }
  }

  private newReq(b: StreamWrapBinding, handle: TcpHandle): WriteReq {
    const req = new b.WriteWrap();
    req.handle = handle;
    req.buffer = null;
    req.async = false;
    const done = (status: number): void => {
      this.pending--;
      // ECANCELED: the socket closed with the write pending, and its own error or close reports why
      if (status < 0 && getSystemErrorName(status) !== 'ECANCELED') this.fail(status);
    };
    req.oncomplete = function (status: number) {
      this.buffer = null;
      done(status);
    };
    return req;
  }

  private fail(status: number): void {
    if (this.failed) return;
    this.failed = true;
    const code = getSystemErrorName(status);
    const err = Object.assign(new Error(`write ${code}`), { code, errno: status, syscall: 'write' });
    this.onError(err);
  }
}
