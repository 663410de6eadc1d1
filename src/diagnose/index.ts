import type { Finding } from '../model/finding.js';
import { runRules, type DiagnoseOptions, type RuleContext } from './engine.js';
import { RULES } from './rules.js';

export { CATALOG, ENGINE_FINDINGS, type FindingId } from './catalog.js';
export { DEFAULT_THRESHOLDS, type Thresholds } from './thresholds.js';
export { finding, exceeds, runRules, statsOf, type Rule, type RuleContext, type DiagnoseOptions } from './engine.js';
export { RULES } from './rules.js';

/** Runs every rule in the catalog over a session's records and facts. */
export function diagnose(session: RuleContext['session'], options: DiagnoseOptions = {}): Finding[] {
  return runRules(options.rules ?? RULES, session, options);
}
