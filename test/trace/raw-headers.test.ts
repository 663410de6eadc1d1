import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findHeader } from '../../src/trace/raw-headers.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

test('findHeader: raw Buffer lists in any case, a plain Uint8Array, strings, header text', () => {
  const raw = [b('Date'), b('Mon'), b('Connection'), b('keep-alive'), b('KEEP-ALIVE'), b('timeout=5'), b('content-length'), b('2')];
  assert.equal(findHeader(raw, 'connection'), 'keep-alive');
  assert.equal(findHeader(raw, 'keep-alive'), 'timeout=5');
  assert.equal(findHeader(raw, 'content-length'), '2');
  assert.equal(findHeader(raw, 'transfer-encoding'), undefined);
  // a name of the same length that differs is not a match
  assert.equal(findHeader([b('connectiom'), b('x')], 'connection'), undefined);
  // a view into a larger buffer: only its own bytes count
  const big = new Uint8Array(Buffer.from('xxConnectionyy:keep-alivezz', 'latin1'));
  assert.equal(findHeader([big.subarray(2, 12), big.subarray(15, 25)], 'connection'), 'keep-alive');
  // latin1 bytes above 0x7f survive as the same code points
  assert.equal(findHeader([b('x-name'), Buffer.from([0x63, 0xe9])], 'x-name'), 'c\u00e9');
  assert.equal(findHeader(['Sec-Fetch-Mode', 'cors'], 'sec-fetch-mode'), 'cors');
  assert.equal(findHeader([b('set-cookie'), [b('a=1'), b('b=2')]], 'set-cookie'), 'a=1, b=2');
  assert.equal(findHeader('host: h\r\nConnection: close\r\n', 'connection'), 'close');
  assert.equal(findHeader('x-connection: no\r\n', 'connection'), undefined);
  assert.equal(findHeader([null, b('v'), undefined, b('w')], 'connection'), undefined);
  assert.equal(findHeader(undefined, 'connection'), undefined);
});

test('findHeader: the previous value when the bytes spell it, the new one when they changed', () => {
  const previous = ['timeout', '=5'].join(''); // not the literal's interned string
  const got = findHeader([b('Keep-Alive'), b('timeout=5')], 'keep-alive', previous);
  assert.equal(got, previous);
  assert.equal(findHeader([b('Keep-Alive'), b('timeout=6')], 'keep-alive', previous), 'timeout=6');
});
