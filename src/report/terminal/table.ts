import Table from 'cli-table3';

export interface TableOptions {
  /** Right-align these column indexes (numbers). */
  alignRight?: number[];
  indent?: string;
}

/** A borderless table (cli-table3) that stays readable without colors and in a pipe. */
export function renderTable(head: string[], rows: (string | number)[][], options: TableOptions = {}): string {
  const right = new Set(options.alignRight ?? []);
  const table = new Table({
    head,
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: options.indent ?? ' ', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 1, compact: true },
    colAligns: head.map((_, i) => (right.has(i) ? 'right' : 'left')),
  });
  for (const r of rows) table.push(r.map(String));
  return table.toString().split('\n').map((l) => l.replace(/\s+$/, '')).join('\n') + '\n';
}
