import type { CliIO } from '../../src/cli/io.js';

/** A captured CliIO for in-process CLI runs. */
export function captureIO(env: Record<string, string | undefined> = {}, signal: AbortSignal = new AbortController().signal): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    env,
    isTTY: false,
    signal,
    out: () => out,
    err: () => err,
  };
}
