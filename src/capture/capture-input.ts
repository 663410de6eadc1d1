import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { CaptureFormatError } from '../errors.js';

export type CaptureInput = string | Buffer | Readable | AsyncIterable<Buffer | Uint8Array>;

const CHUNK = 1 << 20;

/** Where a capture's raw bytes stand: read so far (compressed when gzip), and whether they were gzip. */
export interface InputProgress {
  rawBytes: number;
  gzip: boolean;
}

/**
 * Bytes per read of a regular file. Two buffers of this size take turns: one is parsed while the thread
 * pool reads the next into the other, so the kernel's copy (about 30 ms for a 130 MiB capture) runs on
 * another core instead of the main thread, and a hop costs nothing when the read finished meanwhile.
 */
const FILE_CHUNK = 4 << 20;

/**
 * Reads a file, FIFO or character device (/dev/stdin) into reused buffers: the readers copy whatever must
 * outlive a chunk, so nothing else is allocated per chunk (less garbage, lower RSS on big captures).
 * A regular file is read ahead, one chunk in flight while the previous one is parsed (readAhead). An
 * earlier version read it with readSync because awaiting each 1 MiB read through the thread pool, with
 * nothing else to do meanwhile, left the main thread idle for about 40 % of the wall time on a loaded
 * machine; reading ahead overlaps that wait with the parsing instead. A FIFO or a terminal is read one
 * chunk at a time: it may block forever, and what it has not sent yet cannot be read ahead anyway.
 */
async function* readFileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    if ((await fh.stat()).isFile()) {
      yield* readAhead(fh);
      return;
    }
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * A regular file's chunks, each read issued before the previous chunk is handed out: when the consumer
 * comes back for the next chunk (it parses a chunk synchronously, so it is done with that buffer), the
 * read of it has usually completed on a thread-pool thread. One read in flight at a time, at explicit
 * positions; a read still in flight when the consumer stops early is waited for before the file closes.
 */
async function* readAhead(fh: FileHandle): AsyncGenerator<Buffer> {
  const bufs = [Buffer.allocUnsafe(FILE_CHUNK), Buffer.allocUnsafe(FILE_CHUNK)] as const;
  let position = 0;
  let turn = 0;
  let pending: Promise<{ bytesRead: number }> | undefined = fh.read(bufs[0], 0, FILE_CHUNK, 0);
  try {
    for (;;) {
      const { bytesRead } = await pending!;
      pending = undefined;
      if (bytesRead === 0) return;
      position += bytesRead;
      const ready = bufs[turn]!;
      turn ^= 1;
      pending = fh.read(bufs[turn]!, 0, FILE_CHUNK, position);
      yield ready.subarray(0, bytesRead);
    }
  } finally {
    // the consumer stopped early (an error, --strict, Ctrl-C): let the read in flight land before closing
    if (pending) await pending.catch(() => undefined);
  }
}

function rawChunks(input: CaptureInput): AsyncIterable<Buffer | Uint8Array> {
  if (typeof input === 'string') return readFileChunks(input);
  if (Buffer.isBuffer(input)) {
    return (async function* () {
      for (let i = 0; i < input.length; i += CHUNK) yield input.subarray(i, i + CHUNK);
    })();
  }
  return input as AsyncIterable<Buffer>;
}

const asBuffer = (raw: Buffer | Uint8Array): Buffer => (Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));

/** A gzip stream that stopped early (a killed `tcpdump -w - | gzip`): the capture inside is cut short. */
export class GzipTruncated extends Error {}

/**
 * The capture's bytes, gunzipped on the fly when they start with the gzip magic (1f 8b), as tshark reads
 * `cap.pcap.gz`. Streaming: zlib holds one window, the chunk in flight is the only other copy, and
 * backpressure from the reader's loop keeps the decompressed side from running ahead.
 */
export async function* captureBytes(input: CaptureInput, progress: InputProgress): AsyncGenerator<Buffer> {
  const source = rawChunks(input)[Symbol.asyncIterator]();
  let head: Buffer | undefined;
  // the first two bytes decide; a stream may deliver them one at a time
  for (;;) {
    const next = await source.next();
    if (next.done) {
      if (head) yield head;
      return;
    }
    const chunk = asBuffer(next.value);
    progress.rawBytes += chunk.length;
    head = head ? Buffer.concat([head, chunk]) : chunk;
    if (head.length >= 2) break;
    head = Buffer.from(head); // a reused buffer: keep a copy of the lone byte
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield head;
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      const chunk = asBuffer(next.value);
      progress.rawBytes += chunk.length;
      yield chunk;
    }
  }
  progress.gzip = true;
  yield* gunzip(head, source, progress);
}

async function* gunzip(head: Buffer, source: AsyncIterator<Buffer | Uint8Array>, progress: InputProgress): AsyncGenerator<Buffer> {
  const compressed = Readable.from((async function* () {
    // copies: zlib may still hold a chunk while the file reader refills its one buffer
    yield Buffer.from(head);
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      progress.rawBytes += next.value.byteLength;
      yield Buffer.from(asBuffer(next.value));
    }
  })(), { objectMode: false });
  // loaded only for a gzip capture: plain ones never pay for zlib
  const { createGunzip } = await import('node:zlib');
  const gz = createGunzip();
  compressed.on('error', (err) => gz.destroy(err));
  compressed.pipe(gz);
  try {
    for await (const out of gz) yield out as Buffer;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR') throw new GzipTruncated('the gzip stream ends early');
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new CaptureFormatError(`corrupt gzip data (${(err as Error).message})`, progress.rawBytes);
    }
    throw err;
  } finally {
    compressed.destroy();
    gz.destroy();
  }
}
