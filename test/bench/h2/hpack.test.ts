import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H2ProtocolError } from '../../../src/errors.js';
import { HpackDecoder } from '../../../src/bench/h2/hpack-decoder.js';
import { encodeHeaderBlock } from '../../../src/bench/h2/hpack-encoder.js';
import { huffmanDecode, huffmanEncode } from '../../../src/bench/h2/hpack-huffman.js';
import { decodeInt } from '../../../src/bench/h2/hpack-integer.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');
const pairs = (flat: string[]): Array<[string, string]> => {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
};
const decoder = (tableSize = 4096, maxHeaderListSize = 64 * 1024): HpackDecoder => new HpackDecoder({ tableSize, maxHeaderListSize });
const compression = (re: RegExp) => (e: unknown): boolean => e instanceof H2ProtocolError && e.h2Code === 'COMPRESSION_ERROR' && re.test(e.message);

test('RFC 7541 C.1: integers with a prefix (10 in 5 bits, 1337 in 5 bits, 42 at an octet boundary)', () => {
  const c = { pos: 0 };
  assert.equal(decodeInt(hex('0a'), 0, 1, 5, c), 10);
  assert.equal(decodeInt(hex('1f9a0a'), 0, 3, 5, c), 1337);
  assert.equal(c.pos, 3);
  assert.equal(decodeInt(hex('2a'), 0, 1, 8, c), 42);
});

test('RFC 7541 C.2: literal with indexing, without indexing, never indexed, indexed', () => {
  const d = decoder();
  assert.deepEqual(pairs(d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'))), [['custom-key', 'custom-header']]);
  assert.deepEqual(d.tableState, { count: 1, size: 55 });
  const e = decoder();
  assert.deepEqual(pairs(e.decode(hex('040c 2f73 616d 706c 652f 7061 7468'))), [[':path', '/sample/path']]);
  assert.deepEqual(pairs(e.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))), [['password', 'secret']]);
  assert.deepEqual(pairs(e.decode(hex('82'))), [[':method', 'GET']]);
  assert.deepEqual(e.tableState, { count: 0, size: 0 });
});

const REQUESTS = [
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
  [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
];

for (const [section, blocks] of [
  ['C.3 (plain)', ['8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', '8286 84be 5808 6e6f 2d63 6163 6865', '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65']],
  ['C.4 (Huffman)', ['8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', '8286 84be 5886 a8eb 1064 9cbf', '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf']],
] as const) {
  test(`RFC 7541 ${section}: three requests on one connection share the dynamic table`, () => {
    const d = decoder();
    const sizes = [57, 110, 164];
    blocks.forEach((b, i) => {
      assert.deepEqual(pairs(d.decode(hex(b))), REQUESTS[i]);
      assert.equal(d.tableState.size, sizes[i]);
    });
    assert.equal(d.tableState.count, 3);
  });
}

const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const RESPONSES = [
  [[':status', '302'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']],
  [[':status', '307'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'], ['location', 'https://www.example.com']],
  [[':status', '200'], ['cache-control', 'private'], ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'], ['location', 'https://www.example.com'], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]],
];

for (const [section, blocks] of [
  ['C.5 (plain)', [
    '4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
    '4803 3330 37c1 c0bf',
    '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
  ]],
  ['C.6 (Huffman)', [
    '4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
    '4883 640e ffc1 c0bf',
    '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
  ]],
] as const) {
  test(`RFC 7541 ${section}: three responses, a 256-byte table, entries evicted`, () => {
    // the encoder's table is 256 bytes: announced as ours here, so it may not grow past it
    const d = decoder(256);
    const after = [{ count: 4, size: 222 }, { count: 4, size: 222 }, { count: 3, size: 215 }];
    blocks.forEach((b, i) => {
      assert.deepEqual(pairs(d.decode(hex(b))), RESPONSES[i]);
      assert.deepEqual(d.tableState, after[i]);
    });
  });
}

test('Huffman: every octet round-trips; bad padding and EOS are COMPRESSION_ERROR', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
  const coded = huffmanEncode(all);
  assert.equal(huffmanDecode(coded, 0, coded.length), all);
  // 'a' is 00011 (5 bits): padded with 3 one-bits → 0x1f; with zeros it is invalid padding
  assert.equal(huffmanDecode(hex('1f'), 0, 1), 'a');
  assert.throws(() => huffmanDecode(hex('18'), 0, 1), compression(/invalid padding/));
  // eight one-bits of padding after a whole symbol: padding longer than 7 bits
  assert.throws(() => huffmanDecode(hex('1fff'), 0, 2), compression(/invalid padding/));
  // EOS (30 one-bits) inside the string
  assert.throws(() => huffmanDecode(hex('ffffffff'), 0, 4), compression(/EOS/));
});

test('decoder limits: index out of range, table size update above the limit or after a field, runaway integer, string past the end', () => {
  assert.throws(() => decoder().decode(hex('be')), compression(/HPACK index 62 is beyond/));
  assert.throws(() => decoder().decode(hex('80')), compression(/HPACK index 0/));
  // 0x3f 80 20: size update to 31 + 4096 = 4127 > 4096; 0x3f e1 1f: exactly 4096, allowed
  assert.throws(() => decoder().decode(hex('3f8020')), compression(/table size update to 4127 is above/));
  assert.doesNotThrow(() => decoder().decode(hex('3fe11f')));
  assert.throws(() => decoder().decode(hex('82 20')), compression(/size update after a header field/));
  assert.doesNotThrow(() => decoder().decode(hex('20')));
  assert.throws(() => decoder().decode(hex('ffffffffffffff7f')), compression(/above 2\^31-1/));
  assert.throws(() => decoder().decode(hex('ff80')), compression(/runs past the end/));
  assert.throws(() => decoder().decode(hex('400a 6375 7374')), compression(/string of 10 bytes runs past the end/));
});

test('a block that reads the dynamic table is decoded anew once the table changed, not replayed', () => {
  const d = decoder();
  const add = hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572');
  d.decode(add);
  d.decode(add);
  assert.deepEqual(d.tableState, { count: 2, size: 110 });
  // index 62 is the newest entry: the same byte names a different field once the table changed
  const ref = hex('be');
  assert.deepEqual(pairs(d.decode(ref)), [['custom-key', 'custom-header']]);
  d.decode(hex('4001 61 0162'));
  assert.deepEqual(pairs(d.decode(ref)), [['a', 'b']]);
  assert.deepEqual(pairs(d.decode(ref)), [['a', 'b']]);
});

test('a block of literals added with indexing (nginx\'s shape) replays with the same fields and the same table inserts and evictions', () => {
  const d = decoder(256);
  const lit = (name: number, v: string): Buffer => Buffer.concat([Buffer.from([0x40 | name, v.length]), Buffer.from(v)]);
  // :status 200, server (54), date (33) with incremental indexing: 3 × ~70-byte entries fill a 256-byte table
  const block = Buffer.concat([hex('88'), lit(54, 'nginx/1.22.1'), lit(33, 'Mon, 30 Nov 2026 03:30:00 GMT')]);
  const want = [[':status', '200'], ['server', 'nginx/1.22.1'], ['date', 'Mon, 30 Nov 2026 03:30:00 GMT']];
  for (let i = 1; i <= 4; i++) {
    assert.deepEqual(pairs(d.decode(block)), want, `decode ${i}`);
    // entries 50 + 65 = 115 bytes per block: two blocks' worth fit, older ones are evicted
    assert.deepEqual(d.tableState, i === 1 ? { count: 2, size: 115 } : { count: 4, size: 230 }, `table after ${i}`);
  }
  // the table holds what a full decode would: the newest entry is this block's date
  assert.deepEqual(pairs(d.decode(hex('be bf'))), [['date', 'Mon, 30 Nov 2026 03:30:00 GMT'], ['server', 'nginx/1.22.1']]);
});

test('a size update evicts entries; an entry larger than the table empties it', () => {
  const d = decoder(256);
  d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
  assert.deepEqual(d.tableState, { count: 1, size: 55 });
  d.decode(hex('20'));
  assert.deepEqual(d.tableState, { count: 0, size: 0 });
  d.decode(hex('3f 21')); // back to 31 + 33 = 64
  d.decode(hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'));
  assert.deepEqual(d.tableState, { count: 1, size: 55 });
  // 'x' × 40: 1 + 40 + 32 = 73 > 64: the table empties, nothing added, the field still decodes
  const big = Buffer.concat([hex('4001 78 28'), Buffer.alloc(40, 'x')]);
  assert.deepEqual(pairs(d.decode(big)), [['x', 'x'.repeat(40)]]);
  assert.deepEqual(d.tableState, { count: 0, size: 0 });
});

test('HPACK bomb: one 4 KB table entry referenced 1,000 times is cut off at the header list limit, not decoded to 4 MB', () => {
  const d = decoder(4096, 64 * 1024);
  const value = 'v'.repeat(4000);
  // literal with indexing, new name 'x', 4000-byte value (length 4000 = 0x7f + 3873 → 7f a1 1e), then index 62 a thousand times
  const add = Buffer.concat([hex('40 01 78 7f a1 1e'), Buffer.from(value)]);
  const bomb = Buffer.concat([add, Buffer.alloc(1000, 0xbe)]);
  assert.throws(() => d.decode(bomb), compression(/decoded header list is above 65536 bytes/));
});

test('encoder: a block decodes back to its fields; static matches are one byte; credentials are never indexed', () => {
  const fields: Array<[string, string]> = [[':method', 'GET'], [':scheme', 'https'], [':authority', '127.0.0.1:8443'], [':path', '/'], ['user-agent', 'connscope'], ['authorization', 'Bearer t'], ['x-long', 'y'.repeat(300)]];
  const block = encodeHeaderBlock(fields);
  assert.deepEqual(pairs(decoder().decode(block)), fields);
  assert.deepEqual([...block.subarray(0, 2)], [0x82, 0x87]);
  // the decoder's table is untouched: the block is the same on every connection
  const d = decoder();
  d.decode(block);
  assert.deepEqual(d.tableState, { count: 0, size: 0 });
  const auth = block.indexOf(Buffer.from('Bearer t'));
  // 'authorization' is static 23, never indexed: 0001 1111 + 8 (23 - 15) before the value's length byte
  assert.deepEqual([...block.subarray(auth - 3, auth - 1)], [0x1f, 0x08]);
});
