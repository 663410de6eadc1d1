import { FAIL_ON_HELP, parseFailOn } from './fail-on.js';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT, UsageError } from '../errors.js';
import { exceeds } from '../diagnose/engine.js';
import type { Thresholds } from '../diagnose/thresholds.js';
import type { Severity } from '../model/finding.js';
import { probe } from '../probe/probe.js';
import { parseTlsVersion, DEFAULTS } from '../probe/options.js';
import { checkCa } from '../ca-pem.js';
import type { ProbeOptions, ProbeResult } from '../probe/types.js';
import { toHar } from '../report/har.js';
import { probeToJson } from '../report/json.js';
import { renderProbe } from '../report/terminal/probe.js';
import { renderProbeHtml } from '../report/html/probe.js';
import { checkWritable, writeOutputFile } from './output-file.js';
import { parseHeaderFlags, withBasicAuth } from './headers.js';
import { useColor, type CliIO } from './io.js';
import { VERSION, type CommandResult } from './program.js';
import { parseUrlArgument } from './target.js';

interface ProbeFlags {
  requests?: string;
  request?: string;
  header: string[];
  data?: string;
  'http1.1'?: boolean;
  http2?: boolean;
  tlsMin?: string;
  tlsMax?: string;
  alpn?: string;
  ca?: string;
  insecure?: boolean;
  resolve: string[];
  connectTimeout?: string;
  timeout?: string;
  idleTimeout?: string | boolean;
  maxRequests?: string | boolean;
  matrix?: boolean;
  clientIdleTimeout?: string;
  json?: boolean;
  har?: string;
  html?: string;
  failOn?: string;
  color?: boolean;
  slowDns?: string;
  slowConnect?: string;
  slowTls?: string;
  longChainDepth?: string;
  longChainBytes?: string;
  certExpiryDays?: string;
}

/** curl-style durations: a bare number is seconds; `500ms` and `2s` are accepted too. */
export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v.trim());
  if (!m) throw new UsageError(`invalid ${flag} '${v}'`, 'a number of seconds, or e.g. 500ms / 2s');
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : n * 1000;
  if (!(ms > 0)) throw new UsageError(`${flag} must be above 0`);
  return ms;
}

function parseNumber(flag: string, v: string, integer = false): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`invalid ${flag} '${v}'`, integer ? 'a whole number' : 'a number');
  }
  return n;
}

function writeHar(path: string, result: ProbeResult): void {
  writeOutputFile('--har', path, JSON.stringify(toHar(result, { creator: { name: 'connscope', version: VERSION } }), null, 2) + '\n');
}

function readFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${flag} file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The --ca file, refused (exit 2) when it holds no certificate: Node would ignore it silently. */
function readCa(path: string): string {
  const pem = readFile('--ca', path);
  checkCa(pem, `--ca file ${path}`);
  return pem;
}

/** Flags → library options; every check happens here or in the library before any traffic. */
export function probeOptionsFrom(input: string, f: ProbeFlags, io: CliIO): { url: string; options: ProbeOptions; failOn?: Severity } {
  // credentials leave the URL here and travel as Basic auth, as curl sends them
  const target = parseUrlArgument(input);
  const url = target.url.href;
  const headers = withBasicAuth(parseHeaderFlags(f.header), target.basicAuth);
  if (f['http1.1'] && f.http2) throw new UsageError('--http1.1 and --http2 exclude each other');
  const thresholds: Partial<Thresholds> = {};
  if (f.slowDns !== undefined) thresholds.slowDnsMs = parseNumber('--slow-dns', f.slowDns);
  if (f.slowConnect !== undefined) thresholds.slowConnectMs = parseNumber('--slow-connect', f.slowConnect);
  if (f.slowTls !== undefined) thresholds.slowTlsMs = parseNumber('--slow-tls', f.slowTls);
  if (f.longChainDepth !== undefined) thresholds.longChainDepth = parseNumber('--long-chain-depth', f.longChainDepth, true);
  if (f.longChainBytes !== undefined) thresholds.longChainBytes = parseNumber('--long-chain-bytes', f.longChainBytes, true);
  if (f.certExpiryDays !== undefined) thresholds.certExpiryDays = parseNumber('--cert-expiry-days', f.certExpiryDays);
  const failOn = parseFailOn(f.failOn);
  const data = f.data?.startsWith('@') ? readFile('--data', f.data.slice(1)) : f.data;
  const options: ProbeOptions = {
    requests: f.requests !== undefined ? parseNumber('--requests', f.requests, true) : undefined,
    method: f.request,
    headers,
    data,
    protocol: f.http2 ? 'h2' : f['http1.1'] ? 'http1.1' : undefined,
    tlsMin: f.tlsMin ? parseTlsVersion(f.tlsMin) : undefined,
    tlsMax: f.tlsMax ? parseTlsVersion(f.tlsMax) : undefined,
    alpn: f.alpn !== undefined ? f.alpn.split(',').map((s) => s.trim()).filter(Boolean) : f['http1.1'] ? ['http/1.1'] : undefined,
    ca: f.ca !== undefined ? readCa(f.ca) : undefined,
    insecure: Boolean(f.insecure),
    resolve: f.resolve,
    connectTimeoutMs: f.connectTimeout ? parseDuration('--connect-timeout', f.connectTimeout) : undefined,
    timeoutMs: f.timeout ? parseDuration('--timeout', f.timeout) : undefined,
    idleTimeoutMaxMs: f.idleTimeout === undefined ? undefined : f.idleTimeout === true ? DEFAULTS.idleTimeoutMaxMs : parseDuration('--idle-timeout', String(f.idleTimeout)),
    maxRequests: f.maxRequests === undefined ? undefined : f.maxRequests === true ? DEFAULTS.maxRequests : parseNumber('--max-requests', String(f.maxRequests), true),
    matrix: Boolean(f.matrix),
    clientIdleTimeoutMs: f.clientIdleTimeout !== undefined ? parseNumber('--client-idle-timeout', f.clientIdleTimeout) : undefined,
    thresholds,
    signal: io.signal,
  };
  return { url, options, failOn };
}

export async function runProbe(input: string, flags: ProbeFlags, io: CliIO): Promise<number> {
  const { url, options, failOn } = probeOptionsFrom(input, flags, io);
  if (flags.har !== undefined) checkWritable('--har', flags.har);
  if (flags.html !== undefined) checkWritable('--html', flags.html);
  const color = useColor(io, flags.color);
  if (options.insecure) io.stderr('connscope: warning: --insecure: certificate verification is OFF for this probe\n');
  if (io.isTTY && !flags.json) options.onProgress = (step) => io.stderr(`\r\x1b[K  probing: ${step}…`);
  const result = await probe(url, options);
  if (options.onProgress) io.stderr('\r\x1b[K');
  if (flags.json) io.stdout(JSON.stringify(probeToJson(result), null, 2) + '\n');
  else if (!result.error || result.findings.length > 0 || result.requests.some((r) => r.status !== undefined)) {
    io.stdout(renderProbe(result, { color }));
  }
  // Written even when the series failed: the failed request (status 0, its error) is in it.
  if (flags.har !== undefined) writeHar(flags.har, result);
  if (flags.html !== undefined) writeOutputFile('--html', flags.html, renderProbeHtml(result, { version: VERSION }));
  if (result.error) {
    io.stderr(`connscope: ${result.error.message}${result.error.hint ? ` (${result.error.hint})` : ''}\n`);
    return EXIT.network;
  }
  if (failOn && exceeds(result.findings, failOn)) return EXIT.findings;
  return EXIT.ok;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** Flags whose value is optional: commander takes the next word as their value, even a URL. */
const OPTIONAL_VALUE_FLAGS = [
  { key: 'idleTimeout', looksLikeValue: (v: string) => /^\d+(?:\.\d+)?(?:ms|s)?$/.test(v.trim()) },
  { key: 'maxRequests', looksLikeValue: (v: string) => /^\d+$/.test(v.trim()) },
] as const;

/**
 * The URL argument, taken back from an optional-value flag that swallowed it (`--max-requests https://…`):
 * a word that is not a value of that flag, while the URL is missing, was the URL, and the flag has its default.
 */
export function urlFrom(url: string | undefined, flags: ProbeFlags): string {
  if (url !== undefined) return url;
  for (const { key, looksLikeValue } of OPTIONAL_VALUE_FLAGS) {
    const v = flags[key];
    if (typeof v === 'string' && !looksLikeValue(v)) {
      flags[key] = true;
      return v;
    }
  }
  throw new UsageError("missing required argument 'url'", 'connscope probe [options] <url>');
}

export function registerProbe(program: Command, io: CliIO, result: CommandResult): void {
  program
    .command('probe')
    .description('Probe one URL: waterfall per request, connection reuse, TLS and resumption, ALPN, keep-alive, HTTP/2 — and what to change')
    // optional so that a URL swallowed by --idle-timeout / --max-requests (commander gives an optional value
    // the next word) can be taken back; its absence is still a usage error (urlFrom)
    .argument('[url]', 'http:// or https:// URL (no scheme means http://, as in curl)')
    .usage('[options] <url>')
    .option('-n, --requests <n>', 'sequential requests over one keep-alive connection', String(DEFAULTS.requests))
    .option('-X, --request <method>', 'request method (default GET, POST with --data)')
    .option('-H, --header <header>', "request header 'Name: value' (repeatable)", collect, [])
    .option('-d, --data <data>', 'request body (@file reads a file)')
    .option('--http1.1', 'HTTP/1.1 only (offers only http/1.1 in ALPN)')
    .option('--http2', 'run the request series over HTTP/2')
    .option('--tls-min <version>', 'lowest TLS version to offer (1.2 or 1.3)')
    .option('--tls-max <version>', 'highest TLS version to offer (1.2 or 1.3)')
    .option('--alpn <list>', 'ALPN protocols to offer, comma-separated (default h2,http/1.1 in the ALPN check)')
    .option('--ca <file>', 'PEM file of the CA certificates to trust (replaces the system store, like curl --cacert)')
    .option('-k, --insecure', 'turn certificate verification OFF (warns)')
    .option('--resolve <host:port:addr>', 'pin host:port to an address, as in curl (repeatable)', collect, [])
    .option('--connect-timeout <duration>', 'deadline of one TCP+TLS connection (seconds, or 500ms)', '10')
    .option('--timeout <duration>', 'overall deadline of the probe (seconds, or 500ms)', '30')
    .option('--idle-timeout [max]', "measure the server's real idle timeout, holding an idle connection up to MAX (default 120 s)")
    .option('--max-requests [n]', 'count requests per connection until the server closes it (up to N, default 100)')
    .option('--matrix', 'TLS 1.2/1.3 × ALPN h2/http1.1: which combinations work and why the others fail')
    .option('--client-idle-timeout <ms>', 'client idle timeout to check against the server (undici default)', String(DEFAULTS.clientIdleTimeoutMs))
    .option('--slow-dns <ms>', 'slow-dns threshold (default 100)')
    .option('--slow-connect <ms>', 'slow-connect threshold (default 200)')
    .option('--slow-tls <ms>', 'slow-tls threshold (default 300)')
    .option('--long-chain-depth <n>', 'long-cert-chain depth threshold (default 3)')
    .option('--long-chain-bytes <n>', 'long-cert-chain size threshold in bytes (default 8192)')
    .option('--cert-expiry-days <n>', 'cert-expires-soon threshold in days (default 30; an expired certificate is an error)')
    .option('--json', 'machine output on stdout (schema: docs/probe-schema.json)')
    .option('--har <file>', 'also write the requests as HAR 1.2 to FILE (timings per request, connection ids)')
    .option('--html <file>', 'also write a self-contained HTML report to FILE (connection lanes, charts, findings)')
    .option('--fail-on <level>', FAIL_ON_HELP)
    .option('--no-color', 'no colors (NO_COLOR is honoured too)')
    .action(async (url: string | undefined, flags: ProbeFlags) => {
      result.exitCode = await runProbe(urlFrom(url, flags), flags, io);
    });
}
