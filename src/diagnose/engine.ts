import type { Finding, FindingFix, Severity } from '../model/finding.js';
import { SEVERITY_RANK } from '../model/finding.js';
import type { Session } from '../model/session.js';
import { computeStats, type SessionStats } from '../model/stats.js';
import { CATALOG, docsAnchor, type FindingId } from './catalog.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from './thresholds.js';

export interface RuleContext {
  session: Pick<Session, 'connections' | 'requests' | 'facts'> & Partial<Pick<Session, 'stats'>>;
  thresholds: Thresholds;
  /** The session's stats, computed on first read by runRules(); rules read them through statsOf(). */
  readonly stats?: SessionStats;
}

/**
 * The session's stats (model/accumulator.ts), shared by every rule of one diagnosis: a rule reads
 * derived figures (blocked share, reuse rate, ...) here and never computes them again.
 */
export function statsOf(ctx: RuleContext): SessionStats {
  return ctx.stats ?? summarise(ctx.session);
}

/** A Session knows its totals (bench's whole run); a bare set of records is summarised from its records. */
function summarise(s: RuleContext['session']): SessionStats {
  return s.stats ? s.stats() : computeStats(s.connections.values(), s.requests, s.facts);
}

/** One rule per file; a rule reads the model and returns what it found, never throws on missing data. */
export interface Rule {
  id: FindingId;
  evaluate(ctx: RuleContext): Finding | Finding[] | undefined;
}

export function finding(
  id: FindingId,
  parts: { evidence: Finding['evidence']; fix: FindingFix; severity?: Severity; title?: string },
): Finding {
  return {
    id,
    severity: parts.severity ?? CATALOG[id].severity,
    title: parts.title ?? CATALOG[id].title,
    evidence: parts.evidence,
    fix: parts.fix,
    docs: docsAnchor(id),
  };
}

export interface DiagnoseOptions {
  thresholds?: Partial<Thresholds>;
  /** Run only these rules (default: all). */
  only?: readonly FindingId[];
  rules?: readonly Rule[];
}

/**
 * Runs the rules over a session. A rule that throws does not stop the others, and is not silent either:
 * it becomes a `rule-failed` finding naming the rule and its error, so every report shows that this
 * diagnosis is missing one rule's answer.
 */
export function runRules(rules: readonly Rule[], session: RuleContext['session'], options: DiagnoseOptions = {}): Finding[] {
  const side = oneSide(session);
  let stats: SessionStats | undefined;
  const ctx: RuleContext = {
    session: side,
    thresholds: { ...DEFAULT_THRESHOLDS, ...options.thresholds },
    get stats() {
      return (stats ??= summarise(side));
    },
  };
  const out: Finding[] = [];
  for (const rule of rules) {
    if (options.only && !options.only.includes(rule.id)) continue;
    let result: Finding | Finding[] | undefined;
    try {
      result = rule.evaluate(ctx);
    } catch (error) {
      out.push(ruleFailed(rule.id, error));
      continue;
    }
    if (Array.isArray(result)) out.push(...result);
    else if (result) out.push(result);
  }
  return out.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

const MAX_ERROR_TEXT = 200;

/** The finding that stands for a rule that threw: its id and the first line of its error, bounded. */
function ruleFailed(rule: FindingId, error: unknown): Finding {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const line = text.split('\n')[0]!;
  return finding('rule-failed', {
    evidence: { rule, error: line.length > MAX_ERROR_TEXT ? `${line.slice(0, MAX_ERROR_TEXT)}…` : line },
    fix: {
      summary: `connscope's ${rule} rule failed on this data, so its finding (if any) is missing: please report it with the evidence above; the other rules ran.`,
    },
  });
}

/** True when a finding at or above `level` is present (for --fail-on). */
export function exceeds(findings: readonly Finding[], level: Severity): boolean {
  return findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[level]);
}

/**
 * A session traced from both ends (client and server records of the same traffic) would count every
 * connection twice; the rules then read the client's side. A one-sided session is used as it is.
 */
function oneSide(session: RuleContext['session']): RuleContext['session'] {
  let server = false;
  let client = false;
  for (const c of session.connections.values()) {
    if (c.source === 'server') server = true;
    else client = true;
    if (server && client) break;
  }
  if (!(server && client)) return session;
  const connections = new Map([...session.connections].filter(([, c]) => c.source !== 'server'));
  const requests = session.requests.filter((r) => r.source !== 'server');
  return { connections, requests, facts: session.facts };
}
