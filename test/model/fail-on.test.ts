import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFailOn } from '../../src/cli/options/shared.js';
import { UsageError } from '../../src/errors.js';

test('--fail-on takes info, warn or error in every subcommand; anything else is a usage error', () => {
  assert.equal(parseFailOn(undefined), undefined);
  for (const v of ['info', 'warn', 'error'] as const) assert.equal(parseFailOn(v), v);
  for (const bad of ['Warn', 'fatal', '', 'toString']) assert.throws(() => parseFailOn(bad), UsageError);
});
