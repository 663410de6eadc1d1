import { readFileSync } from 'node:fs';
import { EXIT, UsageError } from '../errors.js';

/** Process state injected into every subcommand so CLI tests can run in-process. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** stdout is a terminal (progress bars, colors). */
  isTTY: boolean;
  /** Aborted on Ctrl-C: long runs stop and print their partial report. */
  signal: AbortSignal;
  /** Standard input, for commands that read it (`pcap -`); process.stdin when absent. */
  stdin?: () => AsyncIterable<Buffer | Uint8Array>;
}

/**
 * A reader that leaves early (`connscope pcap x --json | head -c 10`) closes our stdout: every later write
 * fails with EPIPE, which Node raises as an 'error' event and, unhandled, as a stack trace. The reader has
 * what it wanted, so the command ends at once and quietly, exit 0. Any other failure of stdout (EIO, ENOSPC
 * …) is a failed run, exit 1, without a word (there is nowhere to write it). A closed stderr only silences
 * the messages.
 * Installed once for the process by main.ts, so every subcommand gets it.
 */
export function exitQuietlyOnClosedOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    process.exit(err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' ? EXIT.ok : EXIT.findings);
  });
  stderr.on('error', () => {
    // nothing can be said any more: keep running, stdout (if still open) carries the result
  });
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
