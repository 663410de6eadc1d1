import type { Register } from './program.js';

/** Every subcommand's register function; one file per subcommand, one line each here. */
export const SUBCOMMANDS: Register[] = [];
