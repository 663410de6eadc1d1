import type { Register } from './program.js';
import { registerProbe } from './probe.js';
import { registerLab } from './lab.js';
import { registerSockets } from './sockets.js';
import { registerCheckServer } from './check-server.js';
import { registerBench } from './bench.js';
import { registerPcap } from './pcap.js';

/** Every subcommand's register function; one file per subcommand, one line each here. */
export const SUBCOMMANDS: Register[] = [
  registerLab,
  registerSockets,
  registerCheckServer,
  registerProbe,
  registerBench,
  registerPcap,
];
