import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATALOG, ENGINE_FINDINGS, RULES } from '../../src/diagnose/index.js';

const docs = readFileSync(new URL('../../docs/findings.md', import.meta.url), 'utf8');

test('every catalog id has a rule (or is made by the engine) and a docs section, and every rule is in the catalog', () => {
  const ruleIds = new Set(RULES.map((r) => r.id));
  for (const id of Object.keys(CATALOG)) {
    assert.ok(ruleIds.has(id as never) !== ENGINE_FINDINGS.includes(id as never), `${id}: no rule, or a rule for an engine finding`);
    assert.match(docs, new RegExp(`^## ${id}$`, 'm'), `docs/findings.md has no section for ${id}`);
  }
  assert.equal(ruleIds.size, RULES.length, 'two rules share an id');
});
