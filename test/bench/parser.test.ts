import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PARSER_LIMITS, ResponseParser } from '../../src/bench/engines/raw-parser.js';

function parseAll(chunks: Buffer[], noBody = false): { statuses: number[]; completes: number; errors: string[]; closeAsked: boolean[] } {
  const out = { statuses: [] as number[], completes: 0, errors: [] as string[], closeAsked: [] as boolean[] };
  const p = new ResponseParser({
    onHead: (h) => {
      out.statuses.push(h.status);
      out.closeAsked.push(h.close);
    },
    onComplete: () => out.completes++,
    onError: (m) => out.errors.push(m),
  });
  p.noBody = noBody;
  for (const c of chunks) p.feed(c);
  p.end();
  return out;
}

const STREAM = Buffer.from(
  'HTTP/1.1 100 Continue\r\n\r\n' +
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello' +
  'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n' +
  'HTTP/1.1 204 No Content\r\n\r\n' +
  'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n' +
  'HTTP/1.1 200 OK\r\ncontent-length: 0\r\nConnection: close\r\n\r\n' +
  'HTTP/1.0 200 OK\r\n\r\nuntil the end',
);

test('the raw parser frames content-length, chunked, bodiless and read-until-close responses', () => {
  const r = parseAll([STREAM]);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.statuses, [200, 201, 204, 304, 200, 200]);
  assert.equal(r.completes, 6);
  assert.deepEqual(r.closeAsked, [false, false, false, false, true, true]);
});

test('the raw parser gives the same result whatever way the bytes are split', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 12 }), (cuts) => {
      const sorted = [...cuts].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let last = 0;
      for (const c of sorted) {
        chunks.push(STREAM.subarray(last, c));
        last = c;
      }
      chunks.push(STREAM.subarray(last));
      const r = parseAll(chunks);
      assert.deepEqual(r.statuses, [200, 201, 204, 304, 200, 200]);
      assert.equal(r.completes, 6);
    }),
    { numRuns: 300 },
  );
});

test('a HEAD response has no body whatever its content-length says', () => {
  const r = parseAll([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n')], true);
  assert.equal(r.completes, 2);
});

/** What a parser reports, as one line per event. */
function eventsOf(chunks: Buffer[], noBody = false): string[] {
  const events: string[] = [];
  const p = new ResponseParser({
    onHead: (h) => events.push(`head ${h.status} close=${h.close} keep-alive=${h.keepAlive}`),
    onComplete: () => events.push('complete'),
    onError: (code) => events.push(`error ${code}`),
  });
  p.noBody = noBody;
  for (const c of chunks) p.feed(c);
  return events;
}

// heads that repeat byte for byte, with every framing, so the replay of a remembered head meets each one
const RESPONSES = [
  'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nKeep-Alive: timeout=5\r\n\r\nhello',
  'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  'HTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
];

test('a head repeated byte for byte gives what parsing it alone gives, whatever the order and the splits', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: RESPONSES.length - 1 }), { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 20 }), (kinds, cutSeeds) => {
      // ground truth: each response through a fresh parser, which has no head to remember
      const expected = kinds.flatMap((k) => eventsOf([Buffer.from(RESPONSES[k]!)]));
      const stream = Buffer.from(kinds.map((k) => RESPONSES[k]).join(''));
      const cuts = [...new Set(cutSeeds.map((c) => c % stream.length))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let last = 0;
      for (const c of cuts) {
        chunks.push(stream.subarray(last, c));
        last = c;
      }
      chunks.push(stream.subarray(last));
      assert.deepEqual(eventsOf(chunks), expected);
    }),
    { numRuns: 300 },
  );
});

test('a remembered head is not replayed once the request is HEAD: the same head then has no body', () => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n';
  const events: string[] = [];
  const p = new ResponseParser({ onHead: (h) => events.push(`head ${h.status}`), onComplete: () => events.push('complete'), onError: (code) => events.push(`error ${code}`) });
  p.feed(Buffer.from(`${head}hello${head}hello`));
  p.noBody = true;
  p.feed(Buffer.from(`${head}${head}`));
  assert.deepEqual(events, ['head 200', 'complete', 'head 200', 'complete', 'head 200', 'complete', 'head 200', 'complete']);
  assert.ok(p.idle);
});

test('garbage instead of a status line is an error', () => {
  const r = parseAll([Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')]);
  assert.equal(r.errors.length, 1);
});

function errorsOf(text: string): string[] {
  return parseAll([Buffer.from(text)]).errors;
}

test('llhttp rejections: Content-Length with Transfer-Encoding, two different Content-Length values, bad status lines (same HPE_* codes as Node)', () => {
  assert.deepEqual(errorsOf('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'), ['HPE_INVALID_TRANSFER_ENCODING']);
  assert.deepEqual(errorsOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n'), ['HPE_UNEXPECTED_CONTENT_LENGTH']);
  assert.deepEqual(errorsOf('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'), ['HPE_UNEXPECTED_CONTENT_LENGTH']);
  assert.deepEqual(errorsOf('HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello'), ['HPE_INVALID_CONTENT_LENGTH']);
  assert.deepEqual(errorsOf('HELLO THERE\r\n\r\n'), ['HPE_INVALID_CONSTANT']);
  assert.deepEqual(errorsOf('HTTP/2.0 200 OK\r\n\r\n'), ['HPE_INVALID_VERSION']);
  assert.deepEqual(errorsOf('HTTP/1.1 2x0 OK\r\n\r\n'), ['HPE_INVALID_STATUS']);
  assert.deepEqual(errorsOf('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n'), ['HPE_INVALID_HEADER_TOKEN']);
  assert.deepEqual(errorsOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), ['HPE_INVALID_CHUNK_SIZE']);
  // a repeated equal Content-Length is one length (RFC 9112 §6.3)
  const same = parseAll([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok')]);
  assert.deepEqual(same.errors, []);
  assert.equal(same.completes, 1);
});

test('header limits: 10,000 fields and a head above 16 KiB are HPE_HEADER_OVERFLOW; 2,000 small fields pass', () => {
  let many = 'HTTP/1.1 200 OK\r\n';
  for (let i = 0; i < 10_000; i++) many += `X-H${i}: v\r\n`;
  assert.deepEqual(errorsOf(`${many}Content-Length: 0\r\n\r\n`), ['HPE_HEADER_OVERFLOW']);
  let fields = 'HTTP/1.1 200 OK\r\n';
  for (let i = 0; i < 2001; i++) fields += 'a:\r\n';
  assert.ok(fields.length < PARSER_LIMITS.maxHeaderBytes);
  assert.deepEqual(errorsOf(`${fields}Content-Length: 0\r\n\r\n`), ['HPE_HEADER_OVERFLOW'], 'the field count alone');
  let ok = 'HTTP/1.1 200 OK\r\n';
  for (let i = 0; i < 1999; i++) ok += 'a:\r\n';
  assert.deepEqual(errorsOf(`${ok}Content-Length: 0\r\n\r\n`), []);
  assert.deepEqual(errorsOf(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`), ['HPE_HEADER_OVERFLOW']);
});

/** Feeds `total` bytes of `fill` after `prefix` in `size`-byte pieces; returns the errors and the most the parser held. */
function feedEndless(prefix: string, fill: string, size: number, total: number): { errors: string[]; maxBuffered: number; fedUntilError: number } {
  const errors: string[] = [];
  const p = new ResponseParser({ onHead: () => undefined, onComplete: () => undefined, onError: (code) => errors.push(code) });
  p.feed(Buffer.from(prefix));
  const piece = Buffer.alloc(size, fill);
  let maxBuffered = 0;
  let fed = 0;
  let fedUntilError = -1;
  while (fed < total) {
    p.feed(piece);
    fed += size;
    maxBuffered = Math.max(maxBuffered, p.buffered);
    if (errors.length > 0 && fedUntilError < 0) fedUntilError = fed;
  }
  return { errors, maxBuffered, fedUntilError };
}

test('an endless chunk-size line or header line is rejected after 16 KiB, holding at most 16 KiB, whatever the piece size', () => {
  const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (const size of [1, 7, 1024, 64 * 1024]) {
    // 50 MB in big pieces took 48 s before (the unfinished line was copied and searched again per piece)
    const total = size === 1 ? 40_000 : 50 * 1024 * 1024;
    // endless hex digits overflow after 13 digits (llhttp: 'Chunk size overflow')
    const digits = feedEndless(chunked, '1', size, total);
    assert.deepEqual(digits.errors, ['HPE_INVALID_CHUNK_SIZE'], `piece ${size}`);
    assert.ok(digits.fedUntilError <= 14 + size, `rejected after ${digits.fedUntilError} bytes (piece ${size})`);
    // an endless chunk extension after a valid size stops at 16 KiB
    const line = feedEndless(`${chunked}1;ext=`, 'a', size, total);
    assert.deepEqual(line.errors, ['HPE_CHUNK_EXTENSIONS_OVERFLOW'], `piece ${size}`);
    assert.ok(line.fedUntilError <= PARSER_LIMITS.maxChunkLine + size, `rejected after ${line.fedUntilError} bytes (piece ${size})`);
    assert.ok(line.maxBuffered <= PARSER_LIMITS.maxChunkLine + size, `held ${line.maxBuffered} bytes (piece ${size})`);
    const header = feedEndless('HTTP/1.1 200 OK\r\nX-Endless: ', 'a', size, total);
    assert.deepEqual(header.errors, ['HPE_HEADER_OVERFLOW'], `piece ${size}`);
    assert.ok(header.maxBuffered <= PARSER_LIMITS.maxHeaderBytes + size, `held ${header.maxBuffered} bytes (piece ${size})`);
  }
});

test('trailers count toward the header limit; an endless trailer is HPE_HEADER_OVERFLOW', () => {
  const r = feedEndless('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ', 'a', 4096, 1024 * 1024);
  assert.deepEqual(r.errors, ['HPE_HEADER_OVERFLOW']);
  assert.ok(r.maxBuffered <= PARSER_LIMITS.maxHeaderBytes + 4096);
});
