import type { Register } from './program.js';

/**
 * Every subcommand, loaded on demand: a run imports only the module of the subcommand it names
 * (start-up time and memory matter for `pcap` on large captures); help loads them all.
 */
export const SUBCOMMANDS: Record<string, () => Promise<Register>> = {
  lab: async () => (await import('./lab.js')).registerLab,
  probe: async () => (await import('./probe.js')).registerProbe,
  bench: async () => (await import('./bench.js')).registerBench,
  pcap: async () => (await import('./pcap.js')).registerPcap,
  sockets: async () => (await import('./sockets.js')).registerSockets,
  'check-server': async () => (await import('./check-server.js')).registerCheckServer,
  run: async () => (await import('./run.js')).registerRun,
};

/** The modules a command line needs: the named subcommand's, or all of them (help, unknown names). */
export async function loadSubcommands(argv: readonly string[]): Promise<Register[]> {
  const name = argv.find((a) => !a.startsWith('-'));
  const one = name !== undefined ? SUBCOMMANDS[name] : undefined;
  const loaders = one ? [one] : Object.values(SUBCOMMANDS);
  return Promise.all(loaders.map((load) => load()));
}
