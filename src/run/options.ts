import { OptionError } from '../errors.js';
import { parseDuration, parseInteger, parseNumber, parseOnOff, parsePath } from '../options/grammar.js';
import { redactUrl } from '../redact.js';

/**
 * Every `connscope run` option, declared once (in the manner of vitest's cli-config table): its
 * flag, the CONNSCOPE_* variable the register entry reads, its parser and its default. `run`
 * validates the flags with these parsers and hands them to the child as those variables, so
 * `node --import connscope/register` and `connscope run` take the same options with the same words.
 */
export interface RunOptions {
  /** Terminal report destination: a file path, or undefined for stderr. */
  reportFile?: string;
  /** Write the terminal report at exit (default true). */
  report: boolean;
  json?: string;
  har?: string;
  /** Self-contained HTML report file (docs/report.md). */
  html?: string;
  /** Signal that asks for a report while the app runs (default SIGUSR2). */
  reportSignal: NodeJS.Signals | 'none';
  /** Periodic report interval in ms; undefined: none. */
  reportIntervalMs?: number;
  keepRecent: number;
  keepSlowest: number;
  keepFailed: number;
  /** Trace the process's servers too (default true). */
  server: boolean;
  /**
   * Share of requests on kept-alive connections traced in full, 0..1 (default PRODUCTION_SAMPLE_RATE:
   * the production level; 1 is the full level). Every request is counted whatever the rate.
   */
  sampleRate: number;
  /** CPU-sample the app so event-loop-blocked names the functions that held the loop (default false). */
  profile: boolean;
  metricsPort?: number;
  metricsHost: string;
  /** OTLP/HTTP metrics endpoint (docs/run.md, Metrics). */
  otlp?: string;
}

export interface RunOptionSpec<K extends keyof RunOptions = keyof RunOptions> {
  key: K;
  /** Commander flag spelling. */
  flag: string;
  env: string;
  description: string;
  parse: (raw: string, name: string) => RunOptions[K];
}

const SIGNALS = new Set(['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGWINCH', 'SIGPWR', 'SIGINFO']);

// the one option grammar (src/options/grammar.ts): the same words and errors as every other command
const path = parsePath;
const bool = parseOnOff;
const count = (max: number) => (raw: string, name: string): number => parseInteger(raw, name, { min: 0, max });

export const RUN_OPTIONS: readonly RunOptionSpec[] = [
  { key: 'reportFile', flag: '--report-file <file>', env: 'CONNSCOPE_REPORT_FILE', description: 'write the terminal report to this file instead of stderr', parse: path },
  { key: 'report', flag: '--report <on|off>', env: 'CONNSCOPE_REPORT', description: 'write the terminal report at exit (default on)', parse: bool },
  { key: 'json', flag: '--json <file>', env: 'CONNSCOPE_JSON', description: 'write the JSON report to this file', parse: path },
  { key: 'har', flag: '--har <file>', env: 'CONNSCOPE_HAR', description: 'write the kept request traces as HAR 1.2 to this file', parse: path },
  { key: 'html', flag: '--html <file>', env: 'CONNSCOPE_HTML', description: 'write the report as one self-contained HTML page to this file', parse: path },
  {
    key: 'reportSignal',
    flag: '--report-signal <signal>',
    env: 'CONNSCOPE_REPORT_SIGNAL',
    description: 'signal that writes a report while the app runs (default SIGUSR2; none to disable)',
    parse: (raw, name) => {
      const v = raw.trim().toUpperCase();
      if (v === 'NONE') return 'none';
      const sig = v.startsWith('SIG') ? v : `SIG${v}`;
      if (!SIGNALS.has(sig)) throw new OptionError(name, raw, `one of ${[...SIGNALS].join(', ')}, or none`);
      return sig as NodeJS.Signals;
    },
  },
  {
    key: 'reportIntervalMs',
    flag: '--report-interval <duration>',
    env: 'CONNSCOPE_REPORT_INTERVAL',
    description: 'also write the reports every interval (a duration: 30s, 5m, 1h or bare seconds; at least 1s)',
    parse: (raw, name) => parseDuration(raw, name, { min: 1000 }),
  },
  { key: 'keepRecent', flag: '--keep-recent <n>', env: 'CONNSCOPE_KEEP_RECENT', description: 'most recent request traces kept (default 1000)', parse: count(1_000_000) },
  { key: 'keepSlowest', flag: '--keep-slowest <n>', env: 'CONNSCOPE_KEEP_SLOWEST', description: 'slowest request traces kept (default 100)', parse: count(100_000) },
  { key: 'keepFailed', flag: '--keep-failed <n>', env: 'CONNSCOPE_KEEP_FAILED', description: 'failed request traces kept, most recent (default 1000)', parse: count(1_000_000) },
  { key: 'server', flag: '--server <on|off>', env: 'CONNSCOPE_SERVER', description: "trace the app's own servers too (default on)", parse: bool },
  {
    key: 'sampleRate',
    flag: '--sample-rate <rate>',
    env: 'CONNSCOPE_SAMPLE_RATE',
    description: 'share of requests on kept-alive connections traced in full, 0..1 (default 0.01: the production level; 1: full tracing); every request is counted',
    parse: (raw, name) => parseNumber(raw, name, { min: 0, max: 1 }),
  },
  { key: 'profile', flag: '--profile <on|off>', env: 'CONNSCOPE_PROFILE', description: 'sample the CPU so event-loop-blocked names the functions that held the loop (default off; costs the profiler, docs/tracer.md)', parse: bool },
  { key: 'metricsPort', flag: '--metrics-port <port>', env: 'CONNSCOPE_METRICS_PORT', description: 'serve Prometheus /metrics on this port (0: any free port)', parse: count(65_535) },
  { key: 'metricsHost', flag: '--metrics-host <host>', env: 'CONNSCOPE_METRICS_HOST', description: 'address /metrics listens on (default 127.0.0.1)', parse: (raw, name) => path(raw, name) },
  {
    key: 'otlp',
    flag: '--otlp <url>',
    env: 'CONNSCOPE_OTLP_ENDPOINT',
    description: 'export the metrics over OTLP/HTTP to this URL (a URL without a path gets /v1/metrics)',
    parse: (raw, name) => {
      let u: URL | undefined;
      try {
        u = new URL(raw.trim());
      } catch {
        // reported below
      }
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new OptionError(name, redactUrl(raw), 'an http:// or https:// URL');
      return u.href;
    },
  },
];

/** The production recording level's share of traced requests (docs/run.md, Recording levels). */
export const PRODUCTION_SAMPLE_RATE = 0.01;
/**
 * Below the full level the event loop is probed every 20 ms instead of 10: the probe is a timer
 * callback whatever the request rate (measured idle on the shared machine: 8.5 ms of CPU per second
 * at 10 ms, 4.9 at 20). A stall still shows, short by up to one interval.
 */
export const PRODUCTION_LOOP_INTERVAL_MS = 20;

export const RUN_DEFAULTS: RunOptions = {
  report: true,
  reportSignal: 'SIGUSR2',
  keepRecent: 1000,
  keepSlowest: 100,
  keepFailed: 1000,
  server: true,
  sampleRate: PRODUCTION_SAMPLE_RATE,
  profile: false,
  metricsHost: '127.0.0.1',
};

/** The options the register entry takes from the environment; throws UsageError naming the variable. */
export function runOptionsFromEnv(env: Record<string, string | undefined>): RunOptions {
  const out: Record<string, unknown> = { ...RUN_DEFAULTS };
  for (const spec of RUN_OPTIONS) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') out[spec.key] = spec.parse(raw, spec.env);
  }
  return out as unknown as RunOptions;
}
