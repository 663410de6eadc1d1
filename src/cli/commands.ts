import type { Command } from 'commander';
import type { CliIO } from './io.js';

/**
 * What every subcommand module shares, and what the top-level help shows without loading any of them
 * (a subcommand module loads its library side: probe loads undici, lab the certificate code).
 * Data only: program.ts and each subcommand module import this, never each other.
 */
export { VERSION } from '../version.js';

/** A subcommand sets this to tell `run` its exit code. */
export interface CommandResult {
  exitCode: number;
}

export type Register = (program: Command, io: CliIO, result: CommandResult) => void;

export interface CommandSummary {
  /** what commander prints after the name in the top-level help: `[options]` and the arguments */
  usage: string;
  /** the one-line description, in both the top-level and the subcommand's own help */
  summary: string;
}

/** Every subcommand, in help order. A module registers its command with `.description(COMMANDS.x.summary)`. */
export const COMMANDS = {
  lab: {
    usage: '[options] [scenarios...]',
    summary: 'Reproduce connection pathologies on local servers, diagnose them, apply the fix and measure again',
  },
  probe: {
    usage: '[options] [url]',
    summary: 'Probe one URL: waterfall per request, connection reuse, TLS and resumption, ALPN, keep-alive, HTTP/2 — and what to change',
  },
  bench: {
    usage: '[options] <url>',
    summary: 'Load one URL through a real client pool: throughput, HDR latency, reuse, handshakes, closes, findings.',
  },
  pcap: {
    usage: '[options] <file>',
    summary: 'Analyse a packet capture (pcap/pcapng): TCP connections, TLS handshakes and resumption, HTTP/1.1 requests, who closed, and the findings',
  },
  sockets: {
    usage: '[options]',
    summary: 'Count TCP sockets per state (ESTABLISHED, TIME_WAIT, CLOSE_WAIT, ...) per local port and remote endpoint, from /proc/net/tcp',
  },
  'check-server': {
    usage: '[options]',
    summary: "Check a server's keep-alive and header/request timeouts against the load balancer in front of it",
  },
  run: {
    usage: '[options] <command...>',
    summary: 'Run a Node.js command with connscope attached (no code changes): reports at exit, on SIGUSR2 and every --report-interval',
  },
} as const satisfies Record<string, CommandSummary>;

export type CommandName = keyof typeof COMMANDS;
