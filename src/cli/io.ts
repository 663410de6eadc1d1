import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
/** Process state injected into every subcommand so CLI tests can run in-process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** stdout is a terminal (progress bars, colors). */
  isTTY: boolean;
  /** Aborted on Ctrl-C: long runs stop and print their partial report. */
  signal: AbortSignal;
}

export function processIO(signal: AbortSignal): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
    signal,
  };
}

/** Colors are on for a TTY unless NO_COLOR is set or --no-color was given. */
export function useColor(io: CliIO, flag?: boolean): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR) return true;
  return io.isTTY;
}

/** Reads a file named by a flag (--ca, --data @file); a missing or unreadable file is a usage error. */
export function readFlagFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${flag} file '${path}': ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}
