import net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/program.js';
import { captureIO } from '../helpers/cli-io.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { rawServer, type RawServer } from '../helpers/raw-server.js';

/**
 * Answers each request (one per `\r\n\r\n`, bodiless GETs) with `response(n)`, n counting from 1 per connection;
 * `afterResponse` may end the socket.
 */
export function httpResponder(
  response: (n: number) => string,
  afterResponse?: (s: net.Socket, n: number) => void,
): (s: net.Socket) => void {
  return (s) => {
    let buf = '';
    let n = 0;
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let i: number;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        buf = buf.slice(i + 4);
        n++;
        s.write(response(n));
        afterResponse?.(s, n);
      }
    });
  };
}

export function okResponse(headers: Record<string, string> = {}, body = 'ok'): string {
  const h = Object.entries({ 'content-length': String(body.length), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return `HTTP/1.1 200 OK\r\n${h}\r\n${body}`;
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with a captured io. */
export async function runCli(argv: string[], env: Record<string, string | undefined> = {}, isTTY = false): Promise<Captured> {
  const io = captureIO(env, { isTTY });
  const code = await run(argv, io);
  return { code, stdout: io.out, stderr: io.err };
}

/** Spawns the real binary (`node --import tsx src/cli/main.ts`) with a hard deadline. */
/**
 * `unshare -n`: a network namespace of the child's own with no route anywhere, so a name lookup fails
 * at once on this machine and no DNS query reaches the configured resolver. Undefined where the
 * namespace cannot be made (not root, no util-linux).
 */
export const OFFLINE: readonly string[] | undefined = spawnSync('unshare', ['-n', 'true']).status === 0 ? ['unshare', '-n'] : undefined;

export function spawnCli(argv: string[], env: Record<string, string> = {}, deadlineMs = 30_000, prefix: readonly string[] = []): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const command = [...prefix, process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...argv];
    const child = spawn(command[0]!, command.slice(1), {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`connscope did not exit within ${deadlineMs} ms; stderr: ${stderr}`));
    }, deadlineMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
