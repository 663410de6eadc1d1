import type { ConnectionRecord } from '../../model/connection.js';
import { PHASE_NAMES } from '../../model/phases.js';
import type { RequestTrace } from '../../model/request.js';
import { CONNECTION_HEAD, CONNECTION_NUMERIC, connectionRow } from '../terminal/connections.js';
import { fmtMs } from '../terminal/style.js';
import { requestStatus } from '../terminal/waterfall.js';
import { domId, esc } from './escape.js';
import { note, table } from './parts.js';

/** Rows kept in a table before it says how many it left out (the file stays small). */
export const MAX_TABLE_ROWS = 500;

/** Element id of a request's row, which its bar in the lanes points at. */
export function requestRowId(scope: string, r: RequestTrace): string {
  return domId(scope, 'req', r.id);
}

/**
 * The requests with the terminal waterfall's columns: phases in ms, total, connection and reuse.
 * Each phase cell carries its exact value (data-ms) beside the text the terminal prints.
 */
export function requestsTable(requests: readonly RequestTrace[], o: { scope: string; labels?: readonly string[]; caption?: string }): string {
  if (requests.length === 0) return note('no requests');
  const shown = requests.slice(0, MAX_TABLE_ROWS);
  const head = ['#', 'request', ...(o.labels ? ['kind'] : []), 'conn', 'reused', 'status', ...PHASE_NAMES, 'total'];
  const first = head.indexOf(PHASE_NAMES[0]);
  const rows = shown.map((r, i) => [
    i + 1,
    r.id,
    ...(o.labels ? [o.labels[i] ?? ''] : []),
    r.connectionId ?? '-',
    r.reused ? 'yes' : 'new',
    requestStatus(r),
    ...PHASE_NAMES.map((n) => fmtMs(r.phases[n])),
    fmtMs(r.phases.total),
  ]);
  const numeric = [0, ...PHASE_NAMES.map((_, i) => first + i), first + PHASE_NAMES.length];
  const out = table(head, rows, {
    numeric,
    caption: o.caption,
    rowAttrs: (i) => ` id="${esc(requestRowId(o.scope, shown[i]!))}" data-req="${esc(shown[i]!.id)}"${shown[i]!.error ? ' class="failed"' : ''}`,
    cellAttrs: (i, j) => {
      if (j < first || j > first + PHASE_NAMES.length) return '';
      const v = j === first + PHASE_NAMES.length ? shown[i]!.phases.total : shown[i]!.phases[PHASE_NAMES[j - first]!];
      return v === undefined ? '' : ` data-phase="${j === first + PHASE_NAMES.length ? 'total' : PHASE_NAMES[j - first]}" data-ms="${v}"`;
    },
  });
  return requests.length > shown.length ? out + note(`${requests.length - shown.length} more requests not listed`) : out;
}

/** The connections table of the terminal report, one row per connection record. */
export function connectionsTable(connections: readonly ConnectionRecord[], o: { scope: string; total?: number; maxRows?: number }): string {
  if (connections.length === 0) return note('no connections');
  const shown = connections.slice(0, o.maxRows ?? MAX_TABLE_ROWS);
  const out = table(CONNECTION_HEAD, shown.map(connectionRow), {
    numeric: CONNECTION_NUMERIC,
    rowAttrs: (i) => ` id="${esc(domId(o.scope, 'conn', shown[i]!.id))}" data-conn="${esc(shown[i]!.id)}"`,
  });
  const total = o.total ?? connections.length;
  return total > shown.length ? out + note(`${total - shown.length} more connections not listed`) : out;
}
