import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Finding } from '../../model/finding.js';
import { packageRoot } from '../../package-root.js';
import { esc } from './escape.js';

const FIX_LABELS = [['node:http', 'nodeHttp'], ['undici', 'undici'], ['fetch', 'fetch'], ['server', 'server']] as const;

/** The installed docs folder (the package ships docs/), so a card's link opens offline; null when absent. */
const DOCS_ROOT = ((): URL | null => {
  const url = new URL('docs/', pathToFileURL(`${packageRoot()}/`));
  return existsSync(fileURLToPath(url)) ? url : null;
})();

function docsHref(docs: string): string {
  if (!DOCS_ROOT || !docs.startsWith('docs/')) return docs;
  const [path, anchor] = docs.slice('docs/'.length).split('#');
  return `${pathToFileURL(fileURLToPath(new URL(path!, DOCS_ROOT))).href}${anchor ? `#${anchor}` : ''}`;
}

/** One card per finding, most severe first as the engine sorted them: severity, evidence, fix per client, docs. */
export function findingCards(findings: readonly Finding[], idPrefix = 'finding'): string {
  if (findings.length === 0) return '<p class="pass">no findings</p>';
  return `<div class="cards">${findings.map((f) => card(f, idPrefix)).join('\n')}</div>`;
}

function card(f: Finding, idPrefix: string): string {
  const evidence = Object.entries(f.evidence)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(v === null ? '-' : String(v))}</code></dd>`)
    .join('');
  const fixes = FIX_LABELS.filter(([, key]) => f.fix[key])
    .map(([label, key]) => `<tr><th>${esc(label)}</th><td><code>${esc(f.fix[key])}</code></td></tr>`)
    .join('');
  return `<article class="finding sev-${esc(f.severity)}" id="${esc(`${idPrefix}-${f.id}`)}" data-finding="${esc(f.id)}">
<header><span class="sev">${esc(f.severity)}</span><code>${esc(f.id)}</code><strong>${esc(f.title)}</strong></header>
${evidence ? `<dl class="kv evidence">${evidence}</dl>` : ''}
<p><strong>Fix:</strong> ${esc(f.fix.summary)}</p>
${fixes ? `<table class="fixes"><tbody>${fixes}</tbody></table>` : ''}
<p class="note">docs: <a href="${esc(docsHref(f.docs))}">${esc(f.docs)}</a></p>
</article>`;
}
