import { PHASE_NAMES } from '../../model/phases.js';

/**
 * Phase colours follow the terminal legend (blocked gray, dns magenta, connect yellow, tls cyan,
 * send blue, wait green, receive white), each tuned for contrast on a light and on a dark page.
 */
export const PHASE_COLORS = {
  blocked: ['#9ca3af', '#6b7280'],
  dns: ['#c026d3', '#e879f9'],
  connect: ['#ca8a04', '#facc15'],
  tls: ['#0891b2', '#22d3ee'],
  send: ['#2563eb', '#60a5fa'],
  wait: ['#16a34a', '#4ade80'],
  receive: ['#475569', '#e5e7eb'],
} as const;

const phaseVars = (scheme: 0 | 1): string => PHASE_NAMES.map((n) => `--ph-${n}:${PHASE_COLORS[n][scheme]};`).join('');

/** The whole stylesheet, inlined in the page; colours are variables so one rule set serves both schemes. */
export const CSS = `
:root{color-scheme:light dark;--bg:#ffffff;--fg:#111827;--muted:#6b7280;--line:#d1d5db;--panel:#f9fafb;--accent:#2563eb;
--err:#dc2626;--warn:#b45309;--info:#0e7490;--ok:#15803d;--client:#2563eb;--server:#ea580c;--unknown:#6b7280;${phaseVars(0)}}
@media (prefers-color-scheme:dark){:root{--bg:#0f172a;--fg:#e5e7eb;--muted:#94a3b8;--line:#334155;--panel:#111c33;--accent:#60a5fa;
--err:#f87171;--warn:#fbbf24;--info:#22d3ee;--ok:#4ade80;--client:#60a5fa;--server:#fb923c;--unknown:#94a3b8;${phaseVars(1)}}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1240px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:14px;margin:16px 0 6px}
.sub{color:var(--muted);margin:0}.warnline{color:var(--warn);font-weight:600}
code,.num,td,th{font-variant-numeric:tabular-nums}code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
table{border-collapse:collapse;margin:4px 0 8px;font-size:13px}
th,td{padding:3px 10px 3px 0;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
th{color:var(--muted);font-weight:600}td.r,th.r{text-align:right}
tr.failed td{color:var(--err)}
.scroll{overflow-x:auto}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:4px 0 8px}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.note{color:var(--muted);font-size:12.5px;margin:2px 0 8px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12.5px;margin:4px 0}
.legend span::before{content:"";display:inline-block;width:12px;height:10px;margin-right:5px;vertical-align:-1px;background:var(--c);border-radius:2px}
figure{margin:8px 0}
svg{display:block;width:100%;height:auto;overflow:visible}
svg text{fill:var(--fg);font-size:11px;font-family:system-ui,sans-serif}
svg .muted,svg .tick{fill:var(--muted)}
svg .axis,svg .grid{stroke:var(--line);stroke-width:1}
svg .life{stroke:var(--muted);stroke-width:1;stroke-dasharray:3 3}
svg .idle{fill:var(--muted);opacity:.18}
svg .close-client{fill:var(--client)}svg .close-server{fill:var(--server)}svg .close-unknown{fill:var(--unknown)}
svg .req{cursor:pointer}
${PHASE_NAMES.map((n) => `rect[data-phase=${n}]{fill:var(--ph-${n})}`).join('')}svg .req:hover rect,svg .req.sel rect{stroke:var(--fg);stroke-width:1}
svg .req.failed rect{stroke:var(--err);stroke-width:1.5}
svg .bar{fill:var(--accent)}svg .bar.side-client{fill:var(--client)}svg .bar.side-server{fill:var(--server)}svg .bar.side-unknown{fill:var(--unknown)}svg .bar.err{fill:var(--err)}svg .bar.resumed{fill:var(--ok)}svg .bar.full{fill:var(--warn)}
svg .line{fill:none;stroke-width:2}svg .dot{stroke:none}
${PHASE_NAMES.map((n) => `.ph-${n}{fill:var(--ph-${n});stroke:var(--ph-${n})}`).join('')}
svg .line.total{stroke:var(--fg)}.total{fill:var(--fg)}
svg .line.open{stroke:var(--server)}svg path.line.ph-blocked,svg path.line[class*=ph-]{fill:none}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:20px}
@media (max-width:900px){.grid2{grid-template-columns:1fr}}
.cards{display:grid;gap:10px}
.finding{border:1px solid var(--line);border-left:5px solid var(--sevc);border-radius:6px;padding:10px 14px;background:var(--panel)}
.finding.sev-error{--sevc:var(--err)}.finding.sev-warn{--sevc:var(--warn)}.finding.sev-info{--sevc:var(--info)}
.finding header{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.sev{font-weight:700;font-size:12px;color:var(--sevc);text-transform:uppercase;letter-spacing:.04em}
.finding .fixes th{white-space:nowrap}.finding p{margin:6px 0}
.pass{color:var(--ok);font-weight:700}.fail{color:var(--err);font-weight:700}
.scenario{border:1px solid var(--line);border-radius:8px;padding:6px 16px 12px;margin:16px 0}
.variant{min-width:0}
#details{position:fixed;right:16px;bottom:16px;max-width:360px;background:var(--panel);border:1px solid var(--line);border-radius:8px;
padding:8px 12px;box-shadow:0 4px 16px rgba(0,0,0,.25);font-size:12.5px}
#details[hidden]{display:none}#details button{float:right;background:none;border:0;color:var(--muted);cursor:pointer;font-size:16px}
footer{color:var(--muted);font-size:12px;margin-top:32px}
`;
