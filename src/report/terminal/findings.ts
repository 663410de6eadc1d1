import type { Finding } from '../../model/finding.js';
import { severityLabel, type Palette } from './style.js';

/** Findings, most severe first: title, the evidence it saw, and what to change per client stack. */
export function renderFindings(findings: readonly Finding[], p: Palette): string {
  if (findings.length === 0) return `  ${p.green('no findings')}\n`;
  const out: string[] = [];
  for (const f of findings) {
    out.push(`  ${severityLabel(f.severity, p)} ${p.bold(f.id)}  ${f.title}`);
    const ev = Object.entries(f.evidence)
      .map(([k, v]) => `${k}=${v === null ? '-' : String(v)}`)
      .join('  ');
    if (ev) out.push(`        ${p.dim('evidence')} ${ev}`);
    out.push(`        ${p.dim('fix')}      ${f.fix.summary}`);
    for (const [label, text] of [['node:http', f.fix.nodeHttp], ['undici', f.fix.undici], ['fetch', f.fix.fetch], ['server', f.fix.server]] as const) {
      if (text) out.push(`          ${p.dim(label.padEnd(9))} ${text}`);
    }
    out.push(`        ${p.dim('docs')}     ${f.docs}`);
  }
  return out.join('\n') + '\n';
}
