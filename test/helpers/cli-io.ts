import type { CliIO } from '../../src/cli/io.js';

export type CapturedIO = CliIO & { readonly out: string; readonly err: string };

/** A CliIO whose stdout and stderr are collected, for in-process CLI runs. */
export function captureIO(
  env: Record<string, string | undefined> = {},
  options: { isTTY?: boolean; signal?: AbortSignal } = {},
): CapturedIO {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    env,
    isTTY: options.isTTY ?? false,
    signal: options.signal ?? new AbortController().signal,
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}
