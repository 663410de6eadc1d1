import type { SingleBar } from 'cli-progress';
import { parseFailOn, SHARED } from './options/shared.js';
import { parseInteger } from '../options/grammar.js';
import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { analyzeCapture, type AnalyzeOptions, type CaptureInput } from '../capture/analyze.js';
import type { CaptureSession } from '../capture/capture-session.js';
import { exceeds } from '../diagnose/engine.js';
import { EXIT, UsageError } from '../errors.js';
import type { Severity } from '../model/finding.js';
import { useColor, type CliIO } from './io.js';
import { schemaHeader } from '../report/schema.js';
import { checkWritable, writeOutputFile } from './output-file.js';
import { COMMANDS, VERSION, type CommandResult } from './commands.js';

export interface PcapFlags {
  port?: string;
  host?: string;
  json?: boolean;
  color?: boolean;
  failOn?: string;
  idleClose?: string;
  top?: string;
  slowConnect?: string;
  slowTls?: string;
  maxRecords?: string;
  html?: string;
  strict?: boolean;
}

function intFlag(name: string, v: string | undefined, min: number, max: number): number | undefined {
  return v === undefined ? undefined : parseInteger(v, name, { min, max });
}

export function pcapOptionsFrom(flags: PcapFlags): { options: AnalyzeOptions; failOn?: Severity; top: number } {
  const failOn = parseFailOn(flags.failOn);
  const thresholds: NonNullable<AnalyzeOptions['thresholds']> = {};
  const slowConnect = intFlag('--slow-connect', flags.slowConnect, 0, 600_000);
  const slowTls = intFlag('--slow-tls', flags.slowTls, 0, 600_000);
  if (slowConnect !== undefined) thresholds.slowConnectMs = slowConnect;
  if (slowTls !== undefined) thresholds.slowTlsMs = slowTls;
  // records kept for the report; the summary and facts count every connection whatever this is
  const maxRecords = intFlag('--max-records', flags.maxRecords, 1, 10_000_000) ?? 5000;
  if (flags.host !== undefined && !/^[\w.:[\]-]+$/.test(flags.host)) throw new UsageError(`invalid --host '${flags.host}'`, 'an IP address or a TLS server name');
  return {
    options: {
      port: intFlag('--port', flags.port, 1, 65535),
      host: flags.host,
      idleCloseMs: intFlag('--idle-close', flags.idleClose, 1, 3_600_000),
      maxConnections: maxRecords,
      maxRequests: maxRecords,
      thresholds,
      strict: Boolean(flags.strict),
    },
    failOn,
    top: intFlag('--top', flags.top, 1, 100_000) ?? 20,
  };
}

/** Names of standard input: read from the open descriptor (a socket there cannot be reopened by path: ENXIO). */
const STDIN_NAMES = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

/** What to read: standard input, else a path that must be a file, a FIFO or a character device. */
function captureSource(file: string, io: CliIO): { input: CaptureInput; size?: number } {
  if (STDIN_NAMES.has(file)) {
    if (io.stdin) return { input: io.stdin() };
    // nothing would ever arrive from a terminal: say so rather than wait
    if (process.stdin.isTTY) throw new UsageError('standard input is a terminal', "pipe a capture into it: tcpdump -w - … | connscope pcap -");
    return { input: process.stdin as AsyncIterable<Buffer> };
  }
  try {
    const st = statSync(file);
    if (st.isFile()) return { input: file, size: st.size };
    // pipes and /dev/stdin stream like files; `tcpdump -w - | connscope pcap /dev/stdin`, or a mkfifo
    if (st.isFIFO() || st.isCharacterDevice() || st.isSocket()) return { input: file };
    throw new UsageError(`${file} is ${st.isDirectory() ? 'a directory' : 'not a file'}`, "a capture file, a FIFO, or '-' for standard input");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}

/** Loaded only when shown: --json and redirected runs never pay for the bar's package. */
async function progressBar(): Promise<SingleBar> {
  const { default: cliProgress } = await import('cli-progress');
  return new cliProgress.SingleBar({ format: 'reading {bar} {percentage}% {value}/{total} MiB', clearOnComplete: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
}

export async function runPcap(file: string, flags: PcapFlags, io: CliIO): Promise<number> {
  const { options, failOn, top } = pcapOptionsFrom(flags);
  if (flags.html !== undefined) checkWritable('--html', flags.html);
  const { input, size } = captureSource(file, io);
  // a bar only for people watching a terminal, never in machine output, and only when the size is known
  const bar = io.isTTY && !flags.json && size !== undefined && size > 8 * 1024 * 1024 ? await progressBar() : undefined;
  if (bar && size !== undefined) bar.start(Math.ceil(size / 1048576), 0);
  let session: CaptureSession;
  try {
    session = await analyzeCapture(input, { ...options, signal: io.signal, onProgress: bar ? (n) => bar.update(Math.floor(n / 1048576)) : undefined });
  } finally {
    bar?.stop();
  }
  if (typeof input !== 'string') session.capture.file = file;
  const cut = session.capture.truncated;
  if (cut) {
    io.stderr(`connscope: warning: ${cut.message} at byte offset ${cut.offset}${session.capture.gzip ? ' of the decompressed capture' : ''}; `
      + `the ${session.capture.packets} complete packets were analysed (--strict refuses a cut capture)\n`);
  }
  if (flags.json) writeJson(session, io.stdout);
  else {
    const { palette, renderCapture } = await import('./pcap-render.js');
    io.stdout(renderCapture(session, palette(useColor(io, flags.color)), top));
  }
  if (flags.html !== undefined) {
    const { renderPcapHtml } = await import('../report/html/pcap.js');
    writeOutputFile('--html', flags.html, renderPcapHtml(session, { version: VERSION }));
  }
  if (failOn && exceeds(session.findings, failOn)) return EXIT.findings;
  return EXIT.ok;
}

/** Output is handed to stdout in pieces of about this size: one write per record cost a syscall each. */
const WRITE_BATCH_CHARS = 256 * 1024;

/** The session's JSON, written record by record so a big capture never becomes one huge string. */
export function writeJson(session: CaptureSession, write: (text: string) => void): void {
  const j = session.toJSON();
  let out = `${JSON.stringify(schemaHeader('pcap')).slice(0, -1)},"capture":${JSON.stringify(j.capture)},"summary":${JSON.stringify(j.summary)}`;
  const array = (name: string, items: readonly unknown[]): void => {
    out += `,${JSON.stringify(name)}:[`;
    for (let i = 0; i < items.length; i++) {
      out += (i ? ',' : '') + JSON.stringify(items[i]);
      if (out.length >= WRITE_BATCH_CHARS) {
        write(out);
        out = '';
      }
    }
    out += ']';
  };
  array('connections', j.connections);
  array('requests', j.requests);
  write(`${out},"facts":${JSON.stringify(j.facts)},"stats":${JSON.stringify(j.stats)},"findings":${JSON.stringify(j.findings)}}\n`);
}

export function registerPcap(program: Command, io: CliIO, result: CommandResult): void {
  program
    .command('pcap')
    .description(COMMANDS.pcap.summary)
    .argument('<file>', "capture file (tcpdump -w, dumpcap, Wireshark; gzip-compressed too), a FIFO, or '-' for standard input")
    .option('--port <n>', 'only connections with this port on either side')
    .option('--host <addr>', 'only connections with this IP on either side, or this TLS server name (SNI)')
    .option('--idle-close <ms>', 'a FIN this long after the last data counts as an idle timeout', '250')
    .option('--top <n>', 'connection rows to print', '20')
    .option('--max-records <n>', 'connection and request records kept (the first ones; the summary counts all)', '5000')
    .option('--slow-connect <ms>', 'slow-connect threshold (default 200)')
    .option('--slow-tls <ms>', 'slow-tls threshold (default 300)')
    .option('--strict', 'refuse a capture cut inside a packet (exit 2) instead of analysing its complete packets')
    .option(SHARED.failOn.flags, SHARED.failOn.description)
    .option('--json', 'the session as JSON on stdout (connections, requests, facts, stats, findings, summary)')
    .option('--html <file>', 'also write a self-contained HTML report to FILE (summary charts, connection lanes, findings)')
    .option('--no-color', 'no colors (NO_COLOR is honoured too)')
    .action(async (file: string, flags: PcapFlags) => {
      result.exitCode = await runPcap(file, flags, io);
    });
}
