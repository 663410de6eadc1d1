import type { Command } from 'commander';
import { benchMatrix } from '../bench/matrix.js';
import { CLIENT_KINDS, LIMITS, resolveOptions, type BenchOptions, type BenchProgress } from '../bench/options.js';
import { bench } from '../bench/run.js';
import { exceeds } from '../diagnose/engine.js';
import { EXIT } from '../errors.js';
import { parseDuration, parseEnum, parseInteger, parseRate, readOptionFile } from '../options/grammar.js';
import { benchJson, matrixJson } from '../report/bench-json.js';
import { renderMatrix } from '../report/bench-matrix.js';
import { createBenchProgress, type ProgressView } from '../report/bench-progress.js';
import { renderBenchReport } from '../report/bench-report.js';
import { renderBenchHtml, renderBenchMatrixHtml } from '../report/html/bench.js';
import { parseHeaderFlags, withBasicAuth } from './headers.js';
import { useColor, type CliIO } from './io.js';
import { checkWritable, writeOutputFile } from './output-file.js';
import { COMMANDS, VERSION, type CommandResult, type Register } from './commands.js';
import { parseUrlArgument } from './target.js';
import { addShared, connectTimeoutOption, DURATION_EXAMPLE, durationFlag, parseFailOn, readCa, SHARED, timeoutOption } from './options/shared.js';
import { asFlags } from './options/library-keys.js';

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

/** A count flag: an integer from 0 (or 1) up to the library's limit; undefined when not given. */
function int(flag: string, v: string | undefined, max: number, min = 1): number | undefined {
  return v === undefined ? undefined : parseInteger(v, flag, { min, max });
}

/** A duration flag in the one grammar; undefined when not given. */
function duration(flag: string, v: string | undefined, max: number, min = 1): number | undefined {
  return v === undefined ? undefined : parseDuration(v, flag, { min, max });
}

/** Turns parsed flags into library options (throws UsageError with one clear line). */
export function benchOptionsFromFlags(input: string, f: BenchFlags, io: CliIO): BenchOptions {
  // credentials leave the URL here and travel as Basic auth, as curl sends them
  const target = parseUrlArgument(input);
  const data = f.data === undefined ? undefined : f.data.startsWith('@') ? readOptionFile('--data', f.data.slice(1)) : f.data;
  const options: BenchOptions = {
    url: target.url,
    client: f.client === undefined ? undefined : parseEnum(f.client, '--client', CLIENT_KINDS),
    concurrency: int('--concurrency', f.concurrency, LIMITS.maxConcurrency),
    requests: int('--requests', f.requests, LIMITS.maxRequests),
    durationMs: duration('--duration', f.duration, LIMITS.maxDurationMs),
    rate: f.rate === undefined ? undefined : parseRate(f.rate, '--rate', LIMITS.maxRate),
    warmupMs: duration('--warmup', f.warmup, LIMITS.maxWarmupMs, 0),
    method: f.request,
    headers: withBasicAuth(parseHeaderFlags(f.header), target.basicAuth),
    body: data,
    connections: int('--connections', f.connections, LIMITS.maxConnections),
    keepAlive: f.keepalive,
    idleTimeoutMs: duration('--idle-timeout', f.idleTimeout, LIMITS.maxDurationMs, 0),
    pipelining: int('--pipelining', f.pipelining, LIMITS.maxPipelining),
    maxConcurrentStreams: int('--max-concurrent-streams', f.maxConcurrentStreams, 2 ** 31 - 1),
    tlsSessionCache: int('--tls-session-cache', f.tlsSessionCache, 1_000_000, 0),
    discardBody: f.discardBody,
    ca: readCa(f.ca),
    insecure: f.insecure,
    timeoutMs: durationFlag('--timeout', f.timeout),
    connectTimeoutMs: durationFlag('--connect-timeout', f.connectTimeout),
    signal: io.signal,
  };
  // the library's cross-option checks (raw + --discard-body …), its option keys renamed to these flags
  asFlags(() => resolveOptions(options), { method: f.request });
  return options;
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
  const cmd = program
    .command('bench')
    .description(COMMANDS.bench.summary)
    .argument('<url>', 'target URL (http or https; no scheme means http://, as in curl)')
    .option('-c, --concurrency <n>', 'requests in flight at once (closed model) or the cap on outstanding requests (-R)', undefined)
    .option('-n, --requests <n>', 'stop after this many requests')
    .option('-d, --duration <duration>', `stop after this long (${DURATION_EXAMPLE}; default 10s, at most 1h)`)
    .option('-R, --rate <n>', 'open model: requests per second; latency counts from the intended send time')
    .option('--warmup <duration>', 'run this long first with the same pool and discard the numbers (at most 10m)')
    .option('-X, --request <method>', 'HTTP method')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option('--data <body>', 'request body (@file reads a file); long form only: -d is --duration')
    .option('--client <kind>', `client stack: ${CLIENT_KINDS.join(', ')} (default undici)`)
    .option('--connections <n>', 'pool size: undici connections, Agent maxSockets, h2 sessions, raw sockets')
    .option('--keepalive', 'keep connections alive (default)')
    .option('--no-keepalive', 'close the connection after every response')
    .option('--idle-timeout <duration>', 'client idle timeout (undici keepAliveTimeout, Agent timeout)')
    .option('--pipelining <n>', 'HTTP/1.1 pipelining depth (undici, raw)')
    .option('--max-concurrent-streams <n>', 'client cap on streams per HTTP/2 session')
    .option('--tls-session-cache <n>', 'TLS sessions kept for resumption (0 = off; default 100)')
    .option('--discard-body', 'never read response bodies (reproduces the unread-body leak)')
    .option('--matrix <spec>', "run every combination, e.g. 'connections=5,50 idle-timeout=1s,30s keepalive=on,off'");
  addShared(
    cmd,
    SHARED.ca,
    SHARED.insecure,
    timeoutOption('per-request deadline', '10s'),
    connectTimeoutOption('deadline of the first connection', '5s'),
    SHARED.json,
  );
  cmd.option('--html <file>', 'also write a self-contained HTML report to FILE (percentile plots, per-second charts, connection lanes)');
  addShared(cmd, SHARED.noColor, SHARED.failOn);
  cmd.action(async (url: string, flags: BenchFlags) => {
    result.exitCode = await runBench(url, flags, io);
  });
};
