import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { OptionError, UsageError } from '../../src/errors.js';
import {
  formatDuration, looksLikeDuration, parseDuration, parseEnum, parseInteger, parseNumber, parseOnOff, parsePath, parseRate, readOptionFile,
} from '../../src/options/grammar.js';

// The one grammar of option values: each parser against values the test computes itself, and every
// refusal in the one wording `invalid <name> '<raw>' (expected …)`.

const dir = mkdtempSync(join(tmpdir(), 'connscope-grammar-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const WORDING = /^invalid (\S+) '([^]*)' \(expected [^]+\)$/;

function refuses(fn: () => unknown, name: string, raw: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof OptionError && e instanceof UsageError, String(e));
    const m = WORDING.exec(e.message);
    assert.ok(m, e.message);
    assert.equal(m[1], name);
    assert.equal(m[2], raw);
    return true;
  });
}

const FACTOR = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, '': 1000 } as const;

test('durations: ms, s, m, h and bare seconds, the same in every place', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('3'), 3000);
  assert.equal(parseDuration(' 2S '), 2000, 'units in any case, blanks around');
  for (const bad of ['soon', '-1s', '1e3', '', '5 minutes', '0x10', '2d', '.5s', 'Infinity']) refuses(() => parseDuration(bad, '--timeout'), '--timeout', bad);
});

test('durations: any number with any unit is that many ms (property)', () => {
  fc.assert(fc.property(fc.nat(10_000_000), fc.constantFrom('ms', 's', 'm', 'h', ''), (n, unit) => {
    assert.equal(parseDuration(`${n}${unit}`), n * FACTOR[unit]);
    assert.ok(looksLikeDuration(`${n}${unit}`));
  }));
});

test('durations: formatDuration writes what parseDuration reads back (property)', () => {
  fc.assert(fc.property(fc.nat(100 * 3_600_000), (ms) => {
    assert.equal(parseDuration(formatDuration(ms)), ms);
  }));
  assert.equal(formatDuration(300_000), '5m');
  assert.equal(formatDuration(1500), '1500ms');
});

test('durations: any text is either a duration or refused in the one wording, never a throw of another kind (property)', () => {
  fc.assert(fc.property(fc.string({ maxLength: 12 }), (raw) => {
    try {
      const ms = parseDuration(raw, '--duration');
      assert.ok(Number.isFinite(ms) && ms >= 0, raw);
    } catch (e) {
      assert.ok(e instanceof OptionError, String(e));
      assert.ok(WORDING.test(e.message), e.message);
    }
  }));
});

test('durations: a range is enforced and said in the grammar of the flag', () => {
  assert.equal(parseDuration('1h', '--timeout', { min: 1, max: 3_600_000 }), 3_600_000);
  refuses(() => parseDuration('2h', '--timeout', { min: 1, max: 3_600_000 }), '--timeout', '2h');
  refuses(() => parseDuration('0', '--timeout', { min: 1, max: 3_600_000 }), '--timeout', '0');
  assert.throws(() => parseDuration('2h', '--timeout', { min: 1, max: 3_600_000 }), /from 1ms to 1h/);
  assert.throws(() => parseDuration('50ms', '--watch', { min: 100 }), /at least 100ms/);
});

test('integers: accepted exactly within their range, refused outside it (property)', () => {
  fc.assert(fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 100 }), (n, min, width) => {
    const max = min + width;
    if (n >= min && n <= max) assert.equal(parseInteger(String(n), '--top', { min, max }), n);
    else refuses(() => parseInteger(String(n), '--top', { min, max }), '--top', String(n));
  }));
  for (const bad of ['1.5', '1e3', '0x10', '', ' ', 'ten', '9007199254740993']) refuses(() => parseInteger(bad, '-n'), '-n', bad);
  assert.throws(() => parseInteger('0', '--concurrency', { min: 1, max: 10_000 }), /expected an integer from 1 to 10000/);
});

test('numbers and rates: decimals within their bounds; a rate is above 0', () => {
  assert.equal(parseNumber('0.25', '--sample-rate', { min: 0, max: 1 }), 0.25);
  refuses(() => parseNumber('1.5', '--sample-rate', { min: 0, max: 1 }), '--sample-rate', '1.5');
  refuses(() => parseNumber('1e2', '--slow-dns', { min: 0 }), '--slow-dns', '1e2');
  assert.equal(parseRate('2.5', '--rate'), 2.5);
  for (const bad of ['0', '-1', 'fast', '', '2000000']) refuses(() => parseRate(bad, '--rate'), '--rate', bad);
  fc.assert(fc.property(fc.double({ min: 0.001, max: 1_000_000, noNaN: true }), (r) => {
    const text = r.toFixed(3);
    assert.equal(parseRate(text, '--rate'), Number(text));
  }));
});

test('enums, on/off, paths and files', () => {
  assert.equal(parseEnum('warn', '--fail-on', ['info', 'warn', 'error']), 'warn');
  for (const bad of ['Warn', 'fatal', '', 'toString']) refuses(() => parseEnum(bad, '--fail-on', ['info', 'warn', 'error']), '--fail-on', bad);
  assert.throws(() => parseEnum('curl', '--client', ['undici', 'raw']), /expected one of undici, raw\)$/);
  for (const on of ['on', 'ON', 'true', 'yes', '1']) assert.equal(parseOnOff(on, '--server'), true);
  for (const off of ['off', 'false', 'no', '0']) assert.equal(parseOnOff(off, '--server'), false);
  refuses(() => parseOnOff('maybe', 'CONNSCOPE_SERVER'), 'CONNSCOPE_SERVER', 'maybe');
  assert.equal(parsePath('out.json', '--json'), 'out.json');
  refuses(() => parsePath(' ', '--json'), '--json', ' ');
  const file = join(dir, 'ca.pem');
  writeFileSync(file, 'contents');
  assert.equal(readOptionFile('--ca', file).toString(), 'contents');
  assert.throws(() => readOptionFile('--ca', join(dir, 'missing.pem')), (e: unknown) =>
    e instanceof UsageError && e.message === `cannot read --ca file '${join(dir, 'missing.pem')}' (ENOENT)`);
});
