import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it: its own process, real pipes. `feed` gets the child before it is awaited (stdin, early close). */
export function spawnConnscope(
  argv: string[],
  options: { deadlineMs?: number; env?: Record<string, string>; feed?: (child: ChildProcessWithoutNullStreams) => void } = {},
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...argv], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => {}); // the child may exit before reading all of it
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`connscope ${argv.join(' ')} did not exit within ${options.deadlineMs ?? 90_000} ms; stderr: ${stderr}`));
    }, options.deadlineMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (options.feed) options.feed(child);
    else child.stdin.end();
  });
}
