import { Command, CommanderError } from 'commander';
import { ConnscopeError, EXIT } from '../errors.js';
import type { CliIO } from './io.js';
import { loadSubcommands } from './subcommands.js';
import { VERSION } from '../version.js';

export { VERSION };

/** A subcommand sets this to tell `run` its exit code. */
export interface CommandResult {
  exitCode: number;
}

export type Register = (program: Command, io: CliIO, result: CommandResult) => void;

/** Parses argv, runs one subcommand and returns its exit code. Never throws. */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const result: CommandResult = { exitCode: EXIT.ok };
  const program = new Command('connscope')
    .description('Why are my HTTP connections slow or not reused? DNS, TCP, TLS, keep-alive, pools, HTTP/2.')
    .version(VERSION)
    .enablePositionalOptions() // `run` passes everything after its command on untouched
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  try {
    for (const register of await loadSubcommands(argv)) register(program, io, result);
    await program.parseAsync(argv as string[], { from: 'user' });
    return result.exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

/** One line on stderr and a distinct exit code; a stack trace only with CONNSCOPE_DEBUG. */
export function reportError(err: unknown, io: CliIO): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    return EXIT.usage; // commander already printed its one-line message
  }
  if (io.env.CONNSCOPE_DEBUG && err instanceof Error) io.stderr(`${err.stack}\n`);
  if (err instanceof ConnscopeError) {
    io.stderr(`connscope: ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`);
    if (err.code === 'CONNSCOPE_ERR_USAGE') return EXIT.usage;
    if (err.code === 'CONNSCOPE_ERR_CAPTURE') return EXIT.usage;
    return EXIT.network;
  }
  const msg = err instanceof Error ? err.message : String(err);
  io.stderr(`connscope: internal error: ${msg.split('\n')[0]}\n`);
  return EXIT.internal;
}
