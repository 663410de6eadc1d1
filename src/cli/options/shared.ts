import type { Command } from 'commander';
import { checkCa } from '../../ca-pem.js';
import { SEVERITY_RANK, type Severity } from '../../model/finding.js';
import { DURATION_SYNTAX, parseDuration, parseEnum, readOptionFile, type Range } from '../../options/grammar.js';

/**
 * The options several subcommands share, each declared once (in the manner of vitest's cli-config table):
 * its flags, its help text and the parser of its value. A subcommand adds them with `addShared`, so
 * `-k/--insecure`, `--ca`, `--timeout`, `--json`, `--no-color` and `--fail-on` mean the same thing,
 * are spelled the same way and fail with the same words in probe, bench, check-server, sockets and pcap.
 */
export interface SharedOption {
  /** Commander flag spelling. */
  flags: string;
  description: string;
  default?: string;
}

const SEVERITIES = Object.keys(SEVERITY_RANK) as Severity[];

export const SHARED = {
  insecure: { flags: '-k, --insecure', description: 'turn certificate verification OFF (warns)' },
  ca: {
    flags: '--ca <file>',
    description: 'PEM file of the CA certificates to trust; it replaces the system store and NODE_EXTRA_CA_CERTS, like curl --cacert',
  },
  json: { flags: '--json', description: 'machine output on stdout' },
  noColor: { flags: '--no-color', description: 'no colors (NO_COLOR is honoured too)' },
  failOn: { flags: '--fail-on <level>', description: `exit 1 when a finding of this severity or worse is present (${SEVERITIES.join('|')})` },
} as const satisfies Record<string, SharedOption>;

/** `--timeout` and `--connect-timeout`: the same duration grammar everywhere; what they bound is the subcommand's. */
export function timeoutOption(what: string, defaultText?: string): SharedOption {
  return { flags: '--timeout <duration>', description: `${what} (${DURATION_EXAMPLE}${defaultText ? `; default ${defaultText}` : ''})` };
}
export function connectTimeoutOption(what: string, defaultText?: string): SharedOption {
  return { flags: '--connect-timeout <duration>', description: `${what} (${DURATION_EXAMPLE}${defaultText ? `; default ${defaultText}` : ''})` };
}

/** How help texts show the duration grammar. */
export const DURATION_EXAMPLE = 'e.g. 500ms, 2s, 5m, or bare seconds';

/** Adds declared options to a subcommand, in the order given, with their descriptions overridable. */
export function addShared(cmd: Command, ...options: Array<SharedOption | [SharedOption, string]>): Command {
  for (const o of options) {
    const [decl, description] = Array.isArray(o) ? o : [o, o.description];
    if (decl.default !== undefined) cmd.option(decl.flags, description, decl.default);
    else cmd.option(decl.flags, description);
  }
  return cmd;
}

/** `--fail-on` value → severity; anything but info, warn or error is a usage error. */
export function parseFailOn(v: string | undefined): Severity | undefined {
  return v === undefined ? undefined : parseEnum(v, '--fail-on', SEVERITIES);
}

/** What `--timeout` and `--connect-timeout` take in every subcommand: 1ms to 1h. */
export const TIMEOUT_RANGE: Range = { min: 1, max: 3_600_000 };

/** A `--timeout`-like flag's value in ms; undefined when not given. 1ms to 1h unless `range` says otherwise. */
export function durationFlag(flag: string, v: string | undefined, range: Range = TIMEOUT_RANGE): number | undefined {
  return v === undefined ? undefined : parseDuration(v, flag, range);
}

/** The `--ca` file, refused (exit 2) when unreadable or when it holds no certificate: Node would ignore it silently. */
export function readCa(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const pem = readOptionFile('--ca', path).toString('utf8');
  checkCa(pem, `--ca file ${path}`);
  return pem;
}

export { DURATION_SYNTAX };
