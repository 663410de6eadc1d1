import { esc } from './escape.js';
import { SCRIPT } from './script.js';
import { CSS } from './style.js';

export interface PageOptions {
  /** 'probe', 'bench', 'lab', 'pcap', 'run': the report kind, on <body data-kind>. */
  kind: string;
  title: string;
  body: string;
  /** connscope's version, for the footer and the generator tag. */
  version?: string;
}

/**
 * One self-contained document: styles and the script are inlined, and the Content-Security-Policy
 * forbids every fetch (default-src 'none'), so opening the file makes no network request at all.
 */
export function htmlPage(o: PageOptions): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="connscope${o.version ? ` ${esc(o.version)}` : ''}">
<title>${esc(o.title)}</title>
<style>${CSS}</style></head>
<body data-kind="${esc(o.kind)}"><main>
${o.body}
<footer>connscope${o.version ? ` ${esc(o.version)}` : ''} · ${esc(o.kind)} report · generated ${esc(new Date().toISOString())} · one self-contained file: no network access when opened</footer>
</main>
<aside id="details" hidden aria-live="polite"><button type="button" aria-label="close">×</button><div></div></aside>
<script>${SCRIPT}</script>
</body></html>
`;
}
