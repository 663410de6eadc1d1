import { FAIL_ON_HELP, parseFailOn } from './fail-on.js';
import type { Command } from 'commander';
import { benchMatrix } from '../bench/matrix.js';
import { CLIENT_KINDS, parseDuration, type BenchOptions, type BenchProgress, type ClientKind } from '../bench/options.js';
import { bench } from '../bench/run.js';
import { exceeds } from '../diagnose/engine.js';
import { EXIT, UsageError } from '../errors.js';
import { benchJson, matrixJson } from '../report/bench-json.js';
import { renderMatrix } from '../report/bench-matrix.js';
import { createBenchProgress, type ProgressView } from '../report/bench-progress.js';
import { renderBenchReport } from '../report/bench-report.js';
import { renderBenchHtml, renderBenchMatrixHtml } from '../report/html/bench.js';
import { parseHeaderFlags, withBasicAuth } from './headers.js';
import { readFlagFile, useColor, type CliIO } from './io.js';
import { checkWritable, writeOutputFile } from './output-file.js';
import { VERSION, type CommandResult, type Register } from './program.js';
import { parseUrlArgument } from './target.js';

export interface BenchFlags {
  concurrency?: string;
  requests?: string;
  duration?: string;
  rate?: string;
  warmup?: string;
  request?: string;
  header?: string[];
  data?: string;
  client?: string;
  connections?: string;
  keepalive?: boolean;
  idleTimeout?: string;
  pipelining?: string;
  maxConcurrentStreams?: string;
  tlsSessionCache?: string;
  discardBody?: boolean;
  ca?: string;
  insecure?: boolean;
  timeout?: string;
  connectTimeout?: string;
  matrix?: string;
  json?: boolean;
  html?: string;
  color?: boolean;
  failOn?: string;
}

function int(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n)) throw new UsageError(`invalid ${flag} '${v}'`, 'a whole number');
  return n;
}

function rate(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`invalid --rate '${v}'`, 'requests per second, above 0');
  return n;
}

/** Turns parsed flags into library options (throws UsageError with one clear line). */
export function benchOptionsFromFlags(input: string, f: BenchFlags, io: CliIO): BenchOptions {
  // credentials leave the URL here and travel as Basic auth, as curl sends them
  const target = parseUrlArgument(input);
  if (f.client !== undefined && !(CLIENT_KINDS as readonly string[]).includes(f.client)) {
    throw new UsageError(`unknown --client '${f.client}'`, `one of ${CLIENT_KINDS.join(', ')}`);
  }
  const data = f.data === undefined ? undefined : f.data.startsWith('@') ? readFlagFile('--data', f.data.slice(1)) : f.data;
  return {
    url: target.url,
    client: f.client as ClientKind | undefined,
    concurrency: int('--concurrency', f.concurrency),
    requests: int('--requests', f.requests),
    durationMs: f.duration === undefined ? undefined : parseDuration(f.duration, '--duration'),
    rate: rate(f.rate),
    warmupMs: f.warmup === undefined ? undefined : parseDuration(f.warmup, '--warmup'),
    method: f.request,
    headers: withBasicAuth(parseHeaderFlags(f.header), target.basicAuth),
    body: data,
    connections: int('--connections', f.connections),
    keepAlive: f.keepalive,
    idleTimeoutMs: f.idleTimeout === undefined ? undefined : parseDuration(f.idleTimeout, '--idle-timeout'),
    pipelining: int('--pipelining', f.pipelining),
    maxConcurrentStreams: int('--max-concurrent-streams', f.maxConcurrentStreams),
    tlsSessionCache: int('--tls-session-cache', f.tlsSessionCache),
    discardBody: f.discardBody,
    ca: f.ca === undefined ? undefined : readFlagFile('--ca', f.ca),
    insecure: f.insecure,
    timeoutMs: f.timeout === undefined ? undefined : parseDuration(f.timeout, '--timeout'),
    connectTimeoutMs: f.connectTimeout === undefined ? undefined : parseDuration(f.connectTimeout, '--connect-timeout'),
    signal: io.signal,
  };
}

function progressView(io: CliIO, f: BenchFlags): ProgressView | undefined {
  // a bar only for a person watching a terminal: never in a pipe, never with --json
  if (!io.isTTY || f.json || !process.stderr.isTTY) return undefined;
  return createBenchProgress(process.stderr);
}

export async function runBench(input: string, f: BenchFlags, io: CliIO): Promise<number> {
  const options = benchOptionsFromFlags(input, f, io);
  const failOn = parseFailOn(f.failOn);
  if (f.html !== undefined) checkWritable('--html', f.html);
  const color = useColor(io, f.color);
  if (options.insecure) io.stderr('connscope: warning: --insecure: certificate verification is off\n');
  const view = progressView(io, f);
  options.onProgress = view ? (p: BenchProgress) => view.update(p) : undefined;
  try {
    if (f.matrix !== undefined) {
      const m = await benchMatrix(options, f.matrix, {
        onCombination: (i, total, label) => {
          if (!f.json && !view) io.stderr(`[${i + 1}/${total}] ${label}\n`);
        },
      });
      view?.stop();
      io.stdout(f.json ? JSON.stringify(matrixJson(m)) + '\n' : renderMatrix(m, { color }));
      if (f.html !== undefined) writeOutputFile('--html', f.html, renderBenchMatrixHtml(m, { version: VERSION }));
      const findings = m.rows.flatMap((r) => r.result.findings);
      const errors = m.rows.some((r) => r.result.stats.errors > 0 || r.result.failed);
      return errors || (failOn && exceeds(findings, failOn)) ? EXIT.findings : EXIT.ok;
    }
    const r = await bench(options);
    view?.stop();
    io.stdout(f.json ? JSON.stringify(benchJson(r)) + '\n' : renderBenchReport(r, { color }));
    if (f.html !== undefined) writeOutputFile('--html', f.html, renderBenchHtml(r, { version: VERSION }));
    // a run where nothing completed is a failed run, even when nothing failed before it stopped
    return r.stats.errors > 0 || r.failed || (failOn && exceeds(r.findings, failOn)) ? EXIT.findings : EXIT.ok;
  } finally {
    view?.stop();
  }
}

export const registerBench: Register = (program: Command, io: CliIO, result: CommandResult) => {
  program
    .command('bench')
    .description('Load one URL through a real client pool: throughput, HDR latency, reuse, handshakes, closes, findings.')
    .argument('<url>', 'target URL (http or https; no scheme means http://, as in curl)')
    .option('-c, --concurrency <n>', 'requests in flight at once (closed model) or the cap on outstanding requests (-R)', undefined)
    .option('-n, --requests <n>', 'stop after this many requests')
    .option('-d, --duration <time>', 'stop after this long (10s default; e.g. 500ms, 30s, 2m; at most 1h)')
    .option('-R, --rate <n>', 'open model: requests per second; latency counts from the intended send time')
    .option('--warmup <time>', 'run this long first with the same pool and discard the numbers')
    .option('-X, --request <method>', 'HTTP method')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option('--data <body>', 'request body (@file reads a file); long form only: -d is --duration')
    .option('--client <kind>', `client stack: ${CLIENT_KINDS.join(', ')} (default undici)`)
    .option('--connections <n>', 'pool size: undici connections, Agent maxSockets, h2 sessions, raw sockets')
    .option('--keepalive', 'keep connections alive (default)')
    .option('--no-keepalive', 'close the connection after every response')
    .option('--idle-timeout <time>', 'client idle timeout (undici keepAliveTimeout, Agent timeout)')
    .option('--pipelining <n>', 'HTTP/1.1 pipelining depth (undici, raw)')
    .option('--max-concurrent-streams <n>', 'client cap on streams per HTTP/2 session')
    .option('--tls-session-cache <n>', 'TLS sessions kept for resumption (0 = off; default 100)')
    .option('--discard-body', 'never read response bodies (reproduces the unread-body leak)')
    .option('--ca <file>', 'PEM file of extra trusted CAs')
    .option('--insecure', 'skip certificate verification (explicit, warns)')
    .option('--timeout <time>', 'per-request deadline (default 10s)')
    .option('--connect-timeout <time>', 'deadline of the first connection (default 5s)')
    .option('--matrix <spec>', "run every combination, e.g. 'connections=5,50 idle-timeout=1s,30s keepalive=on,off'")
    .option('--json', 'machine-readable output on stdout')
    .option('--html <file>', 'also write a self-contained HTML report to FILE (percentile plots, per-second charts, connection lanes)')
    .option('--no-color', 'no colors (also NO_COLOR)')
    .option('--fail-on <level>', FAIL_ON_HELP)
    .action(async (url: string, flags: BenchFlags) => {
      result.exitCode = await runBench(url, flags, io);
    });
};
