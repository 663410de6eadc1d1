import { FAIL_ON_HELP, parseFailOn } from './fail-on.js';
import type { Command } from 'commander';
import pc from 'picocolors';
import { exceeds } from '../diagnose/engine.js';
import { EXIT, UsageError } from '../errors.js';
import type { Finding } from '../model/finding.js';
import { checkServer, NODE_SERVER_DEFAULTS, type ServerConfig } from '../trace/server/config.js';
import { useColor, type CliIO } from './io.js';
import { COMMANDS, type CommandResult } from './commands.js';

export interface CheckServerFlags {
  keepaliveTimeout?: string;
  headersTimeout?: string;
  requestTimeout?: string;
  lbIdleTimeout?: string;
  failOn?: string;
  json?: boolean;
  color?: boolean;
}


function ms(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 2_147_483_647) {
    throw new UsageError(`invalid ${flag} '${v}'`, 'milliseconds, a non-negative integer (0 = off)');
  }
  return n;
}

export function runCheckServer(flags: CheckServerFlags, io: CliIO): number {
  const given: ServerConfig = {
    keepAliveTimeoutMs: ms('--keepalive-timeout', flags.keepaliveTimeout),
    headersTimeoutMs: ms('--headers-timeout', flags.headersTimeout),
    requestTimeoutMs: ms('--request-timeout', flags.requestTimeout),
    lbIdleTimeoutMs: ms('--lb-idle-timeout', flags.lbIdleTimeout),
  };
  const failOn = parseFailOn(flags.failOn);
  // what is not given is what Node would use
  const defaulted = (Object.keys(NODE_SERVER_DEFAULTS) as Array<keyof typeof NODE_SERVER_DEFAULTS>).filter((k) => given[k] === undefined);
  const config: ServerConfig = { ...given };
  for (const k of defaulted) config[k] = NODE_SERVER_DEFAULTS[k];
  if (config.requestTimeoutMs && config.headersTimeoutMs && config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new UsageError(
      `headersTimeout (${config.headersTimeoutMs}) is above requestTimeout (${config.requestTimeoutMs}): Node refuses this configuration`,
      'give --request-timeout at least --headers-timeout',
    );
  }
  const findings = checkServer(config);
  if (flags.json) {
    io.stdout(JSON.stringify({ config: stripUndefined(config), nodeDefaults: defaulted, findings }) + '\n');
  } else {
    io.stdout(render(config, defaulted, findings, useColor(io, flags.color)));
  }
  return failOn && exceeds(findings, failOn) ? EXIT.findings : EXIT.ok;
}

function stripUndefined(c: ServerConfig): ServerConfig {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as ServerConfig;
}

function render(c: ServerConfig, defaulted: string[], findings: Finding[], color: boolean): string {
  const show = (label: string, key: keyof ServerConfig): string => {
    const v = c[key];
    if (v === undefined) return `${label} not given`;
    return `${label} ${v === 0 ? 'off (0)' : `${v} ms`}${defaulted.includes(key) ? ' (Node default)' : ''}`;
  };
  let out = `server timeouts: ${show('keepAliveTimeout', 'keepAliveTimeoutMs')}, ${show('headersTimeout', 'headersTimeoutMs')}, ${show('requestTimeout', 'requestTimeoutMs')}; ${show('load balancer idle timeout', 'lbIdleTimeoutMs')}\n`;
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
    .description(COMMANDS['check-server'].summary)
    .option('--keepalive-timeout <ms>', "the server's keepAliveTimeout (Node default 5000)")
    .option('--headers-timeout <ms>', "the server's headersTimeout (Node default 60000)")
    .option('--request-timeout <ms>', "the server's requestTimeout, 0 = off (Node default 300000)")
    .option('--lb-idle-timeout <ms>', "idle timeout of the load balancer or proxy in front (AWS ALB default 60000)")
    .option('--fail-on <level>', FAIL_ON_HELP)
    .option('--json', 'machine output on stdout')
    .option('--no-color', 'no colors (NO_COLOR is honoured too)')
    .action((flags: CheckServerFlags) => {
      result.exitCode = runCheckServer(flags, io);
    });
}
