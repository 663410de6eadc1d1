import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debuglog } from 'node:util';
import type { Script } from 'node:vm';
import { COMMANDS } from './commands.js';

/**
 * V8's code cache for the bundled CLI (`dist/cli/bundle/cli.cjs`), kept per user and per subcommand.
 * Why: a `connscope pcap` run spent about 80 M of its 1,360 M main-thread instructions loading, parsing and compiling
 * the bundle's functions, the same ones every run (docs/pcap.md, "Speed"); with the bytecode V8 wrote after
 * an earlier run of the same subcommand it deserializes them instead. Node 20 has no module.enableCompileCache,
 * so launch.ts compiles the bundle itself (vm.Script) and this file finds, checks and writes the cache.
 *
 * Robust by construction: anything wrong (no home directory, a directory that is not ours or that others may
 * write, a file that cannot be read or written, a cache V8 rejects) means compiling from source as before,
 * silently (`NODE_DEBUG=connscope` says which). V8 checks its own version, flags and the source's length; the
 * file name carries the bundle's content hash (written at build time), Node's version and the architecture,
 * so a cache never meets another bundle of the same length.
 */
const log = debuglog('connscope');

/** Where caches go: $CONNSCOPE_COMPILE_CACHE (`off` disables), else $XDG_CACHE_HOME/connscope or ~/.cache/connscope. */
export function cacheDir(env: Record<string, string | undefined>): string | undefined {
  const set = env.CONNSCOPE_COMPILE_CACHE;
  if (set === 'off' || set === '0') return undefined;
  if (set) return set;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return base ? join(base, 'connscope') : undefined;
}

/** A cache directory is used only when it is ours and nobody else may write into it (its files become code). */
function trusted(dir: string): boolean {
  const st = statSync(dir);
  if (!st.isDirectory()) return false;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return false;
  return (st.mode & 0o022) === 0;
}

export interface CompileCache {
  /** The cache to hand to vm.Script, when one was found. */
  data?: Buffer;
  /** Writes the script's cache after the run when none was used (missing or rejected by V8). */
  saveAfterRun(script: Script): void;
}

const NONE: CompileCache = { saveAfterRun: () => undefined };

/**
 * The cache for this command line: one file per subcommand (each warms different functions), named by the
 * bundle's hash, Node's version and the architecture; older files of the same subcommand are removed when a
 * new one is written, so the directory holds at most one file per subcommand.
 */
export function compileCache(bundleId: string | undefined, argv: readonly string[], env: Record<string, string | undefined>): CompileCache {
  const dir = cacheDir(env);
  if (bundleId === undefined || dir === undefined) return NONE;
  const word = argv.find((a) => !a.startsWith('-'));
  const command = word !== undefined && Object.hasOwn(COMMANDS, word) ? word : 'cli';
  const prefix = `${command}-`;
  const file = join(dir, `${prefix}${bundleId}-${process.version}-${process.arch}.v8cache`);
  let data: Buffer | undefined;
  try {
    if (trusted(dir)) data = readFileSync(file);
    else {
      log('compile cache: %s is not a directory of this user that only it can write; not used', dir);
      return NONE;
    }
  } catch {
    // no directory yet, or no file for this build: compile from source and write one after the run
  }
  return {
    data,
    saveAfterRun(script) {
      if (data !== undefined && !script.cachedDataRejected) {
        log('compile cache: used %s', file);
        return;
      }
      log('compile cache: %s %s', data === undefined ? 'none at' : 'rejected by V8:', file);
      // after the run: the cache then holds every function this command compiled, not just the top level;
      // and only after one that ran (0 or 1): a usage error's cache would hold little of what the command needs
      process.once('exit', (code) => {
        if (code === 0 || code === 1) write(dir, file, prefix, script);
      });
    },
  };
}

function write(dir: string, file: string, prefix: string, script: Script): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!trusted(dir)) return;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    // a reader sees the old file or the whole new one, never half of it
    renameSync(tmp, file);
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.startsWith(prefix) && name.endsWith('.v8cache') && path !== file) unlinkSync(path);
    }
    log('compile cache: wrote %s', file);
  } catch (err) {
    log('compile cache: not written (%s)', (err as Error).message);
  }
}
