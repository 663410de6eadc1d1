import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ResponseParser } from '../../src/bench/engines/raw-parser.js';

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

test('garbage instead of a status line is an error', () => {
  const r = parseAll([Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')]);
  assert.equal(r.errors.length, 1);
});
