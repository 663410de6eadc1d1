import { FAIL_ON_HELP, parseFailOn } from './fail-on.js';
import type { Command } from 'commander';
import pc from 'picocolors';
import { parseDuration } from '../bench/options.js';
import { checkCa } from '../ca-pem.js';
import { exceeds } from '../diagnose/engine.js';
import { EXIT, UsageError } from '../errors.js';
import type { Finding } from '../model/finding.js';
import { measureBackendIdle, type BackendIdle } from '../probe/backend-idle.js';
import { parseTarget } from '../probe/target.js';
import { redactUrl } from '../redact.js';
import { checkServer, NODE_SERVER_DEFAULTS, type ServerConfig } from '../trace/server/config.js';
import { readFlagFile, useColor, type CliIO } from './io.js';
import type { CommandResult } from './program.js';

export interface CheckServerFlags {
  keepaliveTimeout?: string;
  headersTimeout?: string;
  requestTimeout?: string;
  lbIdleTimeout?: string;
  url?: string;
  idleMax?: string;
  ca?: string;
  insecure?: boolean;
  failOn?: string;
  json?: boolean;
  color?: boolean;
}

/** How long --url holds an idle connection when no --idle-max is given and no balancer timeout is known (probe's default). */
const DEFAULT_IDLE_MAX_MS = 120_000;
/** Held past the balancer's idle timeout by this much, the measurement decides the keep-alive check. */
const IDLE_MAX_MARGIN_MS = 5_000;

function ms(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 2_147_483_647) {
    throw new UsageError(`invalid ${flag} '${v}'`, 'milliseconds, a non-negative integer (0 = off)');
  }
  return n;
}

/** The measurement --url made, as printed and put in the JSON. */
interface Measured extends BackendIdle {
  url: string;
  /** The backend's idle timeout is unknown: it outlasted a hold shorter than the balancer's idle timeout. */
  undecided: boolean;
}

export async function runCheckServer(flags: CheckServerFlags, io: CliIO): Promise<number> {
  const given: ServerConfig = {
    keepAliveTimeoutMs: ms('--keepalive-timeout', flags.keepaliveTimeout),
    headersTimeoutMs: ms('--headers-timeout', flags.headersTimeout),
    requestTimeoutMs: ms('--request-timeout', flags.requestTimeout),
    lbIdleTimeoutMs: ms('--lb-idle-timeout', flags.lbIdleTimeout),
  };
  const failOn = parseFailOn(flags.failOn);
  if (flags.url === undefined && (flags.idleMax !== undefined || flags.ca !== undefined || flags.insecure)) {
    throw new UsageError('--idle-max, --ca and --insecure go with --url');
  }
  const idleMaxMs = flags.idleMax === undefined ? undefined : parseDuration(flags.idleMax, '--idle-max');
  if (idleMaxMs !== undefined && !(idleMaxMs >= 1 && idleMaxMs <= 3_600_000)) throw new UsageError(`--idle-max must be between 1ms and 1h (got ${flags.idleMax})`);
  const ca = flags.ca === undefined ? undefined : readFlagFile('--ca', flags.ca).toString('utf8');
  if (ca !== undefined) checkCa(ca, `--ca file ${flags.ca}`);
  checkNodeLimits(given);
  let measured: Measured | undefined;
  if (flags.url !== undefined) {
    // a bad URL is a usage error before anything is printed or sent
    parseTarget(flags.url);
    if (flags.insecure) io.stderr('connscope: warning: --insecure: certificate verification is OFF for this check\n');
    // hold the connection past the balancer's idle timeout, so "still open" settles the question
    const maxMs = idleMaxMs ?? (given.lbIdleTimeoutMs ? given.lbIdleTimeoutMs + IDLE_MAX_MARGIN_MS : DEFAULT_IDLE_MAX_MS);
    if (!flags.json) io.stderr(`connscope: measuring the idle timeout of ${redactUrl(flags.url)} (holding an idle connection up to ${fmtS(maxMs)})\n`);
    const m = await measureBackendIdle(flags.url, { maxMs, ca, insecure: flags.insecure, signal: io.signal });
    const undecided = m.idleTimeoutMs === null && !m.closesAfterResponse && given.lbIdleTimeoutMs !== undefined && m.heldMs <= given.lbIdleTimeoutMs;
    measured = { url: redactUrl(flags.url), ...m, undecided };
  }
  // what is not given or measured is what Node would use
  const config: ServerConfig = { ...given };
  if (measured) {
    // the backend's real idle close is what a balancer races, whatever its setting says
    if (measured.idleTimeoutMs !== null) config.keepAliveTimeoutMs = Math.max(1, measured.idleTimeoutMs);
    // held past the balancer's timeout and still open: it closes later than the balancer, which is the fix
    else if (!measured.closesAfterResponse && !measured.undecided) config.keepAliveTimeoutMs = measured.heldMs;
    else delete config.keepAliveTimeoutMs;
  }
  const defaulted = (Object.keys(NODE_SERVER_DEFAULTS) as Array<keyof typeof NODE_SERVER_DEFAULTS>).filter(
    (k) => given[k] === undefined && !(measured && k === 'keepAliveTimeoutMs'),
  );
  for (const k of defaulted) config[k] = NODE_SERVER_DEFAULTS[k];
  checkNodeLimits(config);
  const findings = checkServer(config);
  if (flags.json) {
    io.stdout(JSON.stringify({ config: stripUndefined(config), nodeDefaults: defaulted, ...(measured ? { measured } : {}), findings }) + '\n');
  } else {
    io.stdout(render(config, defaulted, findings, useColor(io, flags.color), measured));
  }
  return failOn && exceeds(findings, failOn) ? EXIT.findings : EXIT.ok;
}

/** Node refuses a headersTimeout above a non-zero requestTimeout. */
function checkNodeLimits(config: ServerConfig): void {
  if (config.requestTimeoutMs && config.headersTimeoutMs && config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new UsageError(
      `headersTimeout (${config.headersTimeoutMs}) is above requestTimeout (${config.requestTimeoutMs}): Node refuses this configuration`,
      'give --request-timeout at least --headers-timeout',
    );
  }
}

function fmtS(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function measuredLine(m: Measured): string {
  if (m.closesAfterResponse) return `measured at ${m.url}: the backend closes the connection after each response (no keep-alive), so no idle connection can go stale\n`;
  if (m.idleTimeoutMs !== null) return `measured at ${m.url}: the backend closed an idle connection after ${m.idleTimeoutMs} ms${m.hintedIdleTimeoutMs !== null ? ` (its Keep-Alive hint says ${m.hintedIdleTimeoutMs} ms)` : ''}\n`;
  let line = `measured at ${m.url}: held an idle connection ${fmtS(m.heldMs)} and it was still open: the backend's idle timeout is at least that`;
  if (m.blackholeAfterMs !== null) line += `; but it no longer answered after ${m.blackholeAfterMs} ms (something in between drops idle connections silently)`;
  if (m.undecided) line += `; that is not above the load balancer's idle timeout, so the keep-alive check is left out (raise --idle-max)`;
  return line + '\n';
}

function stripUndefined(c: ServerConfig): ServerConfig {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as ServerConfig;
}

function render(c: ServerConfig, defaulted: string[], findings: Finding[], color: boolean, measured?: Measured): string {
  const show = (label: string, key: keyof ServerConfig): string => {
    const v = c[key];
    if (v === undefined) return `${label} not given`;
    const source = defaulted.includes(key) ? ' (Node default)' : measured && key === 'keepAliveTimeoutMs' ? ' (measured)' : '';
    return `${label} ${v === 0 ? 'off (0)' : `${v} ms`}${source}`;
  };
  let out = measured ? measuredLine(measured) : '';
  out += `server timeouts: ${show(measured ? 'idle close' : 'keepAliveTimeout', 'keepAliveTimeoutMs')}, ${show('headersTimeout', 'headersTimeoutMs')}, ${show('requestTimeout', 'requestTimeoutMs')}; ${show('load balancer idle timeout', 'lbIdleTimeoutMs')}\n`;
  if (findings.length === 0) return out + (color ? pc.green('no findings') : 'no findings') + '\n';
  for (const f of findings) {
    const sev = f.severity.toUpperCase().padEnd(5);
    const tag = !color ? sev : f.severity === 'error' ? pc.red(sev) : f.severity === 'warn' ? pc.yellow(sev) : pc.cyan(sev);
    out += `\n${tag} ${color ? pc.bold(f.id) : f.id}  ${f.title}\n`;
    out += `  evidence: ${Object.entries(f.evidence).map(([k, v]) => `${k}=${v}`).join(' ')}\n`;
    out += `  fix: ${f.fix.summary}\n`;
    if (f.fix.server) out += `  server: ${f.fix.server}\n`;
    if (f.fix.nodeHttp) out += `  node:http: ${f.fix.nodeHttp}\n`;
    out += `  docs: ${f.docs}\n`;
  }
  return out;
}

export function registerCheckServer(program: Command, io: CliIO, result: CommandResult): void {
  program
    .command('check-server')
    .description("Check a server's keep-alive and header/request timeouts against the load balancer in front of it")
    .option('--keepalive-timeout <ms>', "the server's keepAliveTimeout (Node default 5000)")
    .option('--headers-timeout <ms>', "the server's headersTimeout (Node default 60000)")
    .option('--request-timeout <ms>', "the server's requestTimeout, 0 = off (Node default 300000)")
    .option('--lb-idle-timeout <ms>', "idle timeout of the load balancer or proxy in front (AWS ALB default 60000)")
    .option('--url <url>', "measure the backend's real idle timeout at this URL (instead of --keepalive-timeout): one request, then an idle connection is held until the backend closes it")
    .option('--idle-max <time>', 'with --url: hold the idle connection at most this long (default: --lb-idle-timeout + 5 s, else 120 s)')
    .option('--ca <file>', 'with --url: PEM file of the CA certificates to trust')
    .option('-k, --insecure', 'with --url: turn certificate verification OFF (warns)')
    .option('--fail-on <level>', FAIL_ON_HELP)
    .option('--json', 'machine output on stdout')
    .option('--no-color', 'no colors (NO_COLOR is honoured too)')
    .action(async (flags: CheckServerFlags) => {
      result.exitCode = await runCheckServer(flags, io);
    });
}
