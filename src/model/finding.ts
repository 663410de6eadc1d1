export type Severity = 'info' | 'warn' | 'error';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warn: 1, error: 2 };

/** What to change, per client stack where it differs. */
export interface FindingFix {
  summary: string;
  nodeHttp?: string;
  undici?: string;
  fetch?: string;
  server?: string;
}

export interface Finding {
  /** Stable id from the catalog (docs/findings.md#<id>). */
  id: string;
  severity: Severity;
  title: string;
  /** The numbers the rule saw. */
  evidence: Record<string, number | string | boolean | null>;
  fix: FindingFix;
  /** Docs anchor, e.g. 'docs/findings.md#slow-tls'. */
  docs: string;
}
