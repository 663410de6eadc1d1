import type { Command } from 'commander';
import { EXIT, UsageError } from '../errors.js';
import { exceeds } from '../diagnose/engine.js';
import type { Thresholds } from '../diagnose/thresholds.js';
import type { Severity } from '../model/finding.js';
import { probe } from '../probe/index.js'; // loads the prober on first call: `probe --help` stays light
import { parseTlsVersion, DEFAULTS, resolveOptions } from '../probe/options.js';
import { looksLikeDuration, parseDuration, parseInteger, parseNumber, readOptionFile } from '../options/grammar.js';
import type { ProbeOptions, ProbeResult } from '../probe/types.js';
import { toHar } from '../report/har.js';
import { probeToJson } from '../report/json.js';
import { renderProbe } from '../report/terminal/probe.js';
import { renderProbeHtml } from '../report/html/probe.js';
import { checkWritable, writeOutputFile } from './output-file.js';
import { parseHeaderFlags, withBasicAuth } from './headers.js';
import { useColor, type CliIO } from './io.js';
import { COMMANDS, VERSION, type CommandResult } from './commands.js';
import { parseUrlArgument } from './target.js';
import { addShared, connectTimeoutOption, durationFlag, parseFailOn, readCa, SHARED, timeoutOption, DURATION_EXAMPLE } from './options/shared.js';
import { asFlags } from './options/library-keys.js';

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

/** A threshold in ms or a count: a number, 0 or more. */
function threshold(flag: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  return integer ? parseInteger(v, flag, { min: 0 }) : parseNumber(v, flag, { min: 0 });
}

function writeHar(path: string, result: ProbeResult): void {
  writeOutputFile('--har', path, JSON.stringify(toHar(result, { creator: { name: 'connscope', version: VERSION } }), null, 2) + '\n');
}

/** Flags → library options; every check happens here or in the library before any traffic. */
export function probeOptionsFrom(input: string, f: ProbeFlags, io: CliIO): { url: string; options: ProbeOptions; failOn?: Severity } {
  // credentials leave the URL here and travel as Basic auth, as curl sends them
  const target = parseUrlArgument(input);
  const url = target.url.href;
  const headers = withBasicAuth(parseHeaderFlags(f.header), target.basicAuth);
  if (f['http1.1'] && f.http2) throw new UsageError('--http1.1 and --http2 exclude each other');
  const given: Partial<Thresholds> = {
    slowDnsMs: threshold('--slow-dns', f.slowDns),
    slowConnectMs: threshold('--slow-connect', f.slowConnect),
    slowTlsMs: threshold('--slow-tls', f.slowTls),
    longChainDepth: threshold('--long-chain-depth', f.longChainDepth, true),
    longChainBytes: threshold('--long-chain-bytes', f.longChainBytes, true),
    certExpiryDays: threshold('--cert-expiry-days', f.certExpiryDays),
  };
  const thresholds = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<Thresholds>;
  const failOn = parseFailOn(f.failOn);
  const data = f.data?.startsWith('@') ? readOptionFile('--data', f.data.slice(1)).toString('utf8') : f.data;
  const options: ProbeOptions = {
    requests: f.requests !== undefined ? parseInteger(f.requests, '--requests', { min: 1, max: 1000 }) : undefined,
    method: f.request,
    headers,
    data,
    protocol: f.http2 ? 'h2' : f['http1.1'] ? 'http1.1' : undefined,
    tlsMin: f.tlsMin ? parseTlsVersion(f.tlsMin, '--tls-min') : undefined,
    tlsMax: f.tlsMax ? parseTlsVersion(f.tlsMax, '--tls-max') : undefined,
    alpn: f.alpn !== undefined ? f.alpn.split(',').map((s) => s.trim()).filter(Boolean) : f['http1.1'] ? ['http/1.1'] : undefined,
    ca: readCa(f.ca),
    insecure: Boolean(f.insecure),
    resolve: f.resolve,
    connectTimeoutMs: durationFlag('--connect-timeout', f.connectTimeout),
    timeoutMs: durationFlag('--timeout', f.timeout),
    idleTimeoutMaxMs: f.idleTimeout === undefined ? undefined : f.idleTimeout === true ? DEFAULTS.idleTimeoutMaxMs : parseDuration(String(f.idleTimeout), '--idle-timeout', { min: 1 }),
    maxRequests: f.maxRequests === undefined ? undefined : f.maxRequests === true ? DEFAULTS.maxRequests : parseInteger(String(f.maxRequests), '--max-requests', { min: 1, max: 100_000 }),
    matrix: Boolean(f.matrix),
    clientIdleTimeoutMs: f.clientIdleTimeout !== undefined ? parseNumber(f.clientIdleTimeout, '--client-idle-timeout', { min: 0 }) : undefined,
    thresholds,
    signal: io.signal,
  };
  // the library's own checks, before any traffic, its option keys renamed to these flags
  asFlags(() => resolveOptions(options), { requests: f.requests, timeoutMs: f.timeout, connectTimeoutMs: f.connectTimeout, method: f.request, alpn: f.alpn });
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
  { key: 'idleTimeout', looksLikeValue: looksLikeDuration },
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
  const cmd = program
    .command('probe')
    .description(COMMANDS.probe.summary)
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
    .option('--alpn <list>', 'ALPN protocols to offer, comma-separated (default h2,http/1.1 in the ALPN check)');
  addShared(cmd, SHARED.ca, SHARED.insecure);
  cmd.option('--resolve <host:port:addr>', 'pin host:port to an address, as in curl (repeatable)', collect, []);
  addShared(cmd, connectTimeoutOption('deadline of one TCP+TLS connection', '10s'), timeoutOption('overall deadline of the probe', '30s'));
  cmd
    .option('--idle-timeout [max]', `measure the server's real idle timeout, holding an idle connection up to MAX (${DURATION_EXAMPLE}; default 2m)`)
    .option('--max-requests [n]', 'count requests per connection until the server closes it (up to N, default 100)')
    .option('--matrix', 'TLS 1.2/1.3 × ALPN h2/http1.1: which combinations work and why the others fail')
    .option('--client-idle-timeout <ms>', 'client idle timeout to check against the server (undici default)', String(DEFAULTS.clientIdleTimeoutMs))
    .option('--slow-dns <ms>', 'slow-dns threshold (default 100)')
    .option('--slow-connect <ms>', 'slow-connect threshold (default 200)')
    .option('--slow-tls <ms>', 'slow-tls threshold (default 300)')
    .option('--long-chain-depth <n>', 'long-cert-chain depth threshold (default 3)')
    .option('--long-chain-bytes <n>', 'long-cert-chain size threshold in bytes (default 8192)')
    .option('--cert-expiry-days <n>', 'cert-expires-soon threshold in days (default 30; an expired certificate is an error)')
    .option('--har <file>', 'also write the requests as HAR 1.2 to FILE (timings per request, connection ids)')
    .option('--html <file>', 'also write a self-contained HTML report to FILE (connection lanes, charts, findings)');
  addShared(cmd, [SHARED.json, 'machine output on stdout (schema: docs/probe-schema.json)'], SHARED.failOn, SHARED.noColor);
  cmd.action(async (url: string | undefined, flags: ProbeFlags) => {
    result.exitCode = await runProbe(urlFrom(url, flags), flags, io);
  });
}
