import type { Command } from 'commander';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import pc from 'picocolors';
import { DnsError, EXIT } from '../errors.js';
import { parseDuration, parseInteger } from '../options/grammar.js';
import { addShared, DURATION_EXAMPLE, SHARED } from './options/shared.js';
import { TCP_STATES, type TcpState } from '../sockets/tcp-states.js';
import { readTcpSockets } from '../sockets/proc-net-tcp.js';
import { summarizeSockets, type SocketDelta, type SocketFilter, type SocketGroup, type SocketSummary, type StateCounts } from '../sockets/summary.js';
import { watchSockets } from '../sockets/watch.js';
import { useColor, type CliIO } from './io.js';
import { COMMANDS, type CommandResult } from './commands.js';

export interface SocketsFlags {
  port?: string;
  remote?: string;
  watch?: string;
  count?: string;
  top?: string;
  json?: boolean;
  color?: boolean;
  procNet?: string;
}

const LOOKUP_DEADLINE_MS = 5_000;

/** The --watch interval in the one duration grammar (a bare number is seconds, like watch -n); 100ms to 1h. */
export function parseInterval(v: string): number {
  return parseDuration(v, '--watch', { min: 100, max: 3_600_000 });
}

function parseIntFlag(name: string, v: string | undefined, min: number, max: number): number | undefined {
  return v === undefined ? undefined : parseInteger(v, name, { min, max });
}

async function remoteAddresses(host: string | undefined): Promise<Set<string> | undefined> {
  if (host === undefined) return undefined;
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIP(h)) return new Set([h]);
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      lookup(h, { all: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DnsError(`looking up ${h} took longer than ${LOOKUP_DEADLINE_MS} ms`)), LOOKUP_DEADLINE_MS);
      }),
    ]);
    return new Set(found.map((a) => a.address));
  } catch (err) {
    if (err instanceof DnsError) throw err;
    throw new DnsError(`cannot resolve --remote ${h}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

export async function runSockets(flags: SocketsFlags, io: CliIO): Promise<number> {
  const port = parseIntFlag('--port', flags.port, 1, 65535);
  const count = parseIntFlag('--count', flags.count, 1, 1_000_000);
  const top = parseIntFlag('--top', flags.top, 1, 10_000) ?? 20;
  const intervalMs = flags.watch !== undefined ? parseInterval(flags.watch) : count !== undefined && count > 1 ? 1000 : undefined;
  const filter: SocketFilter = { port, remoteAddresses: await remoteAddresses(flags.remote) };
  const color = useColor(io, flags.color);
  const read = { procDir: flags.procNet };
  const describe = describeFilter(flags);

  if (intervalMs === undefined) {
    const summary = summarizeSockets(await readTcpSockets(read), filter);
    io.stdout(flags.json ? JSON.stringify(summary) + '\n' : renderSummary(summary, describe, top, color));
    return EXIT.ok;
  }
  // watch: one JSON line per read (NDJSON) or a table followed by one line of changes per interval
  for await (const sample of watchSockets({ ...read, filter, intervalMs, count, signal: io.signal })) {
    if (flags.json) io.stdout(JSON.stringify(sample) + '\n');
    else if (!sample.delta) io.stdout(renderSummary(sample.summary, describe, top, color) + `watching every ${intervalMs} ms${count ? `, ${count} reads` : ''} (Ctrl-C stops)\n`);
    else io.stdout(renderDelta(sample.delta, sample.summary, top, color));
  }
  return EXIT.ok;
}

function describeFilter(flags: SocketsFlags): string {
  const parts: string[] = [];
  if (flags.port) parts.push(`port ${flags.port}`);
  if (flags.remote) parts.push(`remote ${flags.remote}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function statesIn(...counts: StateCounts[]): TcpState[] {
  const present = new Set<string>();
  for (const c of counts) for (const k of Object.keys(c)) present.add(k);
  return [...TCP_STATES, 'UNKNOWN' as const].filter((s) => present.has(s));
}

/** Colors for the states that mean trouble when they pile up. */
function paintState(state: TcpState, text: string, color: boolean): string {
  if (!color) return text;
  if (state === 'CLOSE_WAIT') return pc.red(text);
  if (state === 'TIME_WAIT' || state === 'FIN_WAIT2') return pc.yellow(text);
  if (state === 'ESTABLISHED') return pc.green(text);
  return text;
}

function table(title: string, keyHeader: string, groups: SocketGroup[], top: number, color: boolean): string {
  if (groups.length === 0) return '';
  const states = statesIn(...groups.map((g) => g.states));
  const header = [keyHeader, 'total', ...states];
  const shown = groups.slice(0, top);
  const rows = shown.map((g) => [g.key, String(g.total), ...states.map((s) => String(g.states[s] ?? ''))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[], paint: boolean): string =>
    '  ' + cells.map((c, i) => {
      const padded = i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!);
      return paint && i >= 2 ? paintState(states[i - 2]!, padded, color) : padded;
    }).join('  ').trimEnd();
  let out = `${color ? pc.bold(title) : title}\n${line(header, false)}\n`;
  for (const r of rows) out += line(r, true) + '\n';
  if (groups.length > shown.length) out += `  … ${groups.length - shown.length} more (--top)\n`;
  return out;
}

function stateLine(states: StateCounts, color: boolean, signed = false): string {
  const parts = statesIn(states).map((s) => {
    const n = states[s]!;
    return paintState(s, `${s} ${signed && n > 0 ? '+' : ''}${n}`, color);
  });
  return parts.join('  ');
}

export function renderSummary(s: SocketSummary, describe: string, top: number, color: boolean): string {
  let out = `TCP sockets${describe}: ${s.total}\n`;
  if (s.total === 0) return out;
  out += `  ${stateLine(s.states, color)}\n`;
  out += table('incoming, per local port (this machine serves)', 'local port', s.byLocalPort, top, color);
  out += table('outgoing, per remote endpoint (this machine is the client)', 'remote', s.byRemote, top, color);
  for (const note of notes(s)) out += `${color ? pc.yellow('note') : 'note'}: ${note}\n`;
  return out;
}

/** TIME_WAIT sockets to one endpoint above which short-lived connections are worth a note. */
const MANY_TIME_WAIT = 50;

/** What the counts suggest (CLOSE_WAIT is always a bug on this machine's side; piles of TIME_WAIT mean no reuse). */
function notes(s: SocketSummary): string[] {
  const out: string[] = [];
  for (const g of [...s.byLocalPort, ...s.byRemote]) {
    const closeWait = g.states.CLOSE_WAIT ?? 0;
    if (closeWait > 0) {
      const where = s.byLocalPort.includes(g) ? `local port ${g.key}` : g.key;
      out.push(`${closeWait} CLOSE_WAIT on ${where}: the peer closed and the process here never closed its socket (a leak; see docs/sockets.md)`);
    }
  }
  for (const g of s.byRemote) {
    const tw = g.states.TIME_WAIT ?? 0;
    if (tw >= MANY_TIME_WAIT) out.push(`${tw} TIME_WAIT to ${g.key}: many short-lived connections; is keep-alive off or a pool created per request? (keepalive-disabled, pool-per-request)`);
  }
  return out.slice(0, 10);
}

function renderDelta(d: SocketDelta, s: SocketSummary, top: number, color: boolean): string {
  const time = new Date(s.at).toISOString().slice(11, 19);
  const changes = stateLine(d.states, color, true) || 'no change';
  let out = `${time}  total ${s.total}  ${changes}\n`;
  const groups = [...d.byLocalPort.map((g) => ({ ...g, key: `port ${g.key}` })), ...d.byRemote].slice(0, top);
  for (const g of groups) out += `    ${g.key}  ${stateLine(g.states, color, true)}\n`;
  return out;
}

export function registerSockets(program: Command, io: CliIO, result: CommandResult): void {
  const cmd = program
    .command('sockets')
    .description(COMMANDS.sockets.summary)
    .option('--port <n>', 'only sockets whose local or remote port is n')
    .option('--remote <host>', 'only sockets to this remote host or IP (listeners on --port stay)')
    .option('--watch <interval>', `read again every interval (${DURATION_EXAMPLE}; at least 100ms) and show the change`)
    .option('--count <n>', 'stop after n reads (with --watch; default: until Ctrl-C)')
    .option('--top <n>', 'rows per table', '20');
  addShared(cmd, [SHARED.json, 'machine output on stdout (one JSON object per read with --watch)'], SHARED.noColor);
  cmd.option('--proc-net <dir>', 'directory holding tcp and tcp6 (default /proc/net)');
  cmd.action(async (flags: SocketsFlags) => {
    result.exitCode = await runSockets(flags, io);
  });
}
