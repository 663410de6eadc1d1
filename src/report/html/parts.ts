import { PHASE_NAMES } from '../../model/phases.js';
import { esc } from './escape.js';

export type Cell = string | number | null | undefined;

/** A label/value list (the terminal's keyValues); values are text, '-' when absent. */
export function kv(rows: ReadonlyArray<readonly [string, Cell]>): string {
  const items = rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v === null || v === undefined || v === '' ? '-' : esc(v)}</dd>`);
  return `<dl class="kv">${items.join('')}</dl>`;
}

export interface TableOptions {
  /** Right-aligned (numeric) column indexes. */
  numeric?: readonly number[];
  /** Attributes of each row (id, class), by row index. */
  rowAttrs?: (i: number) => string;
  /** Attributes of one cell (data-ms ...), by row and column. */
  cellAttrs?: (row: number, col: number) => string;
  caption?: string;
}

/** A plain table of text cells, scrolling sideways on narrow screens. */
export function table(head: readonly string[], rows: ReadonlyArray<readonly Cell[]>, o: TableOptions = {}): string {
  const num = new Set(o.numeric ?? []);
  const th = head.map((h, i) => `<th${num.has(i) ? ' class="r"' : ''}>${esc(h)}</th>`).join('');
  const body = rows
    .map((r, i) => `<tr${o.rowAttrs?.(i) ?? ''}>${r.map((c, j) => `<td${num.has(j) ? ' class="r"' : ''}${o.cellAttrs?.(i, j) ?? ''}>${c === null || c === undefined ? '-' : esc(c)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="scroll"><table>${o.caption ? `<caption class="note">${esc(o.caption)}</caption>` : ''}<thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** The phase legend, in the terminal's order and colours. */
export function legend(): string {
  return `<div class="legend">${PHASE_NAMES.map((n) => `<span style="--c:var(--ph-${n})">${n}</span>`).join('')}</div>`;
}

export function section(title: string, body: string, id?: string): string {
  return `<section${id ? ` id="${esc(id)}"` : ''}><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

export function note(text: string): string {
  return `<p class="note">${esc(text)}</p>`;
}
