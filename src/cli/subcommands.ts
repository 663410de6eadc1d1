import { Help, type Command } from 'commander';
import { COMMANDS, type CommandName, type CommandResult, type Register } from './commands.js';
import type { CliIO } from './io.js';

/**
 * Each subcommand's module, loaded on demand: a command line imports only the module of the subcommand
 * it names (start-up time and memory matter for `pcap` on large captures, and `probe` loads undici).
 */
export const LOADERS: Record<CommandName, () => Promise<Register>> = {
  lab: async () => (await import('./lab.js')).registerLab,
  probe: async () => (await import('./probe.js')).registerProbe,
  bench: async () => (await import('./bench.js')).registerBench,
  pcap: async () => (await import('./pcap.js')).registerPcap,
  sockets: async () => (await import('./sockets.js')).registerSockets,
  'check-server': async () => (await import('./check-server.js')).registerCheckServer,
  run: async () => (await import('./run.js')).registerRun,
};

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMANDS, name);

/** The subcommand a command line runs (or asks help for, as in `connscope help probe`), if any. */
export function namedCommand(argv: readonly string[]): CommandName | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return isCommand(name) ? name : undefined;
}

/**
 * Registers every subcommand: the named one from its module, the others as stubs made from COMMANDS
 * (name, usage and summary: enough for the top-level help, for `unknown command` suggestions, and
 * never run). `connscope --help` therefore loads no subcommand module at all.
 */
export async function registerSubcommands(program: Command, argv: readonly string[], io: CliIO, result: CommandResult): Promise<void> {
  const named = namedCommand(argv);
  const full = named !== undefined ? await LOADERS[named]() : undefined;
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    if (name === named) full!(program, io, result);
    else program.command(name).description(COMMANDS[name].summary);
  }
  const fallback = new Help();
  program.configureHelp({
    subcommandTerm: (cmd) => (isCommand(cmd.name()) ? `${cmd.name()} ${COMMANDS[cmd.name() as CommandName].usage}` : fallback.subcommandTerm(cmd)),
  });
}
