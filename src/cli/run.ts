import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { RUN_OPTIONS } from '../run/options.js';
import type { CliIO } from './io.js';
import { COMMANDS, type CommandResult } from './commands.js';

/** A command that could not be found or run: the shell's codes, which users already know. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_NOT_EXECUTABLE = 126;

/** Signals passed on to the child. SIGINT only when stdin is not a terminal (a terminal sends it to the child already). */
const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGINT'];

/** The compiled register entry (the child runs plain Node, without a TypeScript loader). */
export function registerEntry(): string {
  // from src/ (tsx) too: the child runs plain Node, so always the tsc output under dist/
  const compiled = join(packageRoot(), 'dist/run/register.js');
  if (!existsSync(compiled)) throw new UsageError(`the register entry ${compiled} is missing`, 'run npm run build');
  return pathToFileURL(compiled).href;
}

/** The child's environment: the user's NODE_OPTIONS kept, the register import added, the options as CONNSCOPE_* variables. */
export function childEnv(base: Record<string, string | undefined>, flags: Record<string, unknown>, entry: string, markers: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base };
  for (const spec of RUN_OPTIONS) {
    const raw = flags[spec.key];
    if (raw === undefined) continue;
    spec.parse(String(raw), `--${spec.flag.split(' ')[0]!.replace(/^--/, '')}`); // exit 2 before anything starts
    env[spec.env] = String(raw);
  }
  env.NODE_OPTIONS = [base.NODE_OPTIONS, `--import=${entry}`].filter(Boolean).join(' ');
  env.CONNSCOPE_RUN_MARKERS = markers;
  delete env.CONNSCOPE_ROOT_PID;
  return env;
}

async function runChild(argv: string[], flags: Record<string, unknown>, io: CliIO): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd) throw new UsageError('no command to run', 'connscope run [options] -- node app.js');
  const entry = registerEntry();
  const markers = mkdtempSync(join(tmpdir(), 'connscope-run-'));
  try {
    const env = childEnv(io.env, flags, entry, markers);
    const child = spawn(cmd, args, { stdio: 'inherit', env });
    const forward = new Map<NodeJS.Signals, () => void>();
    for (const sig of FORWARDED) {
      if (sig === 'SIGINT' && process.stdin.isTTY) continue;
      const f = (): void => void child.kill(sig);
      forward.set(sig, f);
      process.on(sig, f);
    }
    const code = await new Promise<number>((done) => {
      child.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') {
          io.stderr(`connscope: command not found: ${cmd}\n`);
          done(EXIT_NOT_FOUND);
        } else if (err.code === 'EACCES') {
          io.stderr(`connscope: permission denied: ${cmd}\n`);
          done(EXIT_NOT_EXECUTABLE);
        } else {
          io.stderr(`connscope: cannot start ${cmd}: ${err.code ?? err.message}\n`);
          done(EXIT_NOT_EXECUTABLE);
        }
      });
      child.once('exit', (c, signal) => done(c ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
    });
    for (const [sig, f] of forward) process.removeListener(sig, f);
    if (code !== EXIT_NOT_FOUND && code !== EXIT_NOT_EXECUTABLE && readdirSync(markers).length === 0) {
      io.stderr(`connscope: nothing was traced: ${cmd} started no Node.js process (connscope traces Node.js programs)\n`);
    }
    return code;
  } finally {
    rmSync(markers, { recursive: true, force: true });
  }
}

export function registerRun(program: Command, io: CliIO, result: CommandResult): void {
  const cmd = program
    .command('run')
    .description(COMMANDS.run.summary)
    .argument('<command...>', 'the command and its arguments, after --')
    .passThroughOptions()
    .addHelpText('after', '\nEvery option has a CONNSCOPE_* variable for `node --import connscope/register` (docs/run.md).\nExit code: the command\'s own (128+n when a signal ended it), 127 when the command does not exist, 2 for a bad option.');
  for (const spec of RUN_OPTIONS) cmd.option(spec.flag, `${spec.description} [${spec.env}]`);
  cmd.action(async (argv: string[], flags: Record<string, unknown>) => {
    result.exitCode = await runChild(argv, flags, io);
  });
}


