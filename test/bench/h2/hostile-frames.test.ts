import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bench } from '../../../src/bench/run.js';
import { run } from '../../../src/cli/program.js';
import { EXIT } from '../../../src/errors.js';
import { captureIO } from '../../helpers/cli-io.js';
import { h2EmptyContinuationFlood, h2EndlessContinuation, h2HpackBomb, h2HugeHeaderBlock, h2OversizedFrame, type FrameServer } from '../../helpers/h2-frame-server.js';

/**
 * Frames node:http2 servers never send: the h2 engine ends each with a clear error (CONNSCOPE_ERR_H2_PROTOCOL
 * naming what), tells the server why (GOAWAY with the RFC 9113 code, read back by the server), keeps
 * nothing of it, and the run ends within its deadline.
 */
const GOAWAY = { PROTOCOL_ERROR: 1, FRAME_SIZE_ERROR: 6, COMPRESSION_ERROR: 9 };

const cases: Array<[string, () => Promise<FrameServer>, RegExp, number]> = [
  ['a DATA frame above SETTINGS_MAX_FRAME_SIZE', h2OversizedFrame, /a DATA frame of 20000 bytes, above the SETTINGS_MAX_FRAME_SIZE 16384 .*\(FRAME_SIZE_ERROR\)/, GOAWAY.FRAME_SIZE_ERROR],
  ['endless CONTINUATION (a header block that never ends)', h2EndlessContinuation, /a header block above 65536 bytes over HEADERS and \d+ CONTINUATION frames \(PROTOCOL_ERROR\)/, GOAWAY.PROTOCOL_ERROR],
  ['a huge header block (80 KB over HEADERS and CONTINUATION)', h2HugeHeaderBlock, /a header block above 65536 bytes over HEADERS and 4 CONTINUATION frames \(PROTOCOL_ERROR\)/, GOAWAY.PROTOCOL_ERROR],
  ['a flood of empty CONTINUATION frames', h2EmptyContinuationFlood, /more than 64 CONTINUATION frames \(PROTOCOL_ERROR\)/, GOAWAY.PROTOCOL_ERROR],
  ['an HPACK bomb (one table entry referenced 4,000 times)', h2HpackBomb, /decoded header list is above 65536 bytes .*\(COMPRESSION_ERROR\)/, GOAWAY.COMPRESSION_ERROR],
];

for (const [what, make, message, code] of cases) {
  test(`h2 hostile frames: ${what} → CONNSCOPE_ERR_H2_PROTOCOL, GOAWAY ${code} to the server, within the deadline`, { timeout: 20_000 }, async () => {
    const h = await make();
    try {
      const started = Date.now();
      const r = await bench({ url: h.url, client: 'h2', concurrency: 2, connections: 2, requests: 6, durationMs: 5000, timeoutMs: 2000 });
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
      assert.deepEqual(r.stats.errorsByCode, { CONNSCOPE_ERR_H2_PROTOCOL: 6 });
      assert.match(r.errorTable[0]!.example, message);
      // every stream the server saw ended its connection, each with a GOAWAY carrying the code
      const codes = h.goawayCodes();
      assert.ok(codes.length >= 1, 'no GOAWAY reached the server');
      assert.ok(codes.every((c) => c === code), `GOAWAY codes ${codes.join(',')}`);
      assert.equal(h.streams(), 6);
      assert.equal(r.session.facts.http2?.streamsReset, 0);
    } finally {
      await h.close();
    }
  });
}

test('h2 hostile frames, CLI: one clear error line in the report, exit 1, no stack', { timeout: 20_000 }, async () => {
  const h = await h2HpackBomb();
  try {
    const io = captureIO({ NO_COLOR: '1' });
    assert.equal(await run(['bench', h.url, '--client', 'h2', '-n', '4', '-c', '2'], io), EXIT.findings, io.err);
    assert.match(io.out, /CONNSCOPE_ERR_H2_PROTOCOL\s+4\s+the server broke the HTTP\/2 or HPACK rules/);
    assert.doesNotMatch(io.out + io.err, /^\s+at /m);
  } finally {
    await h.close();
  }
});
