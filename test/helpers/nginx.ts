import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** nginx from Debian; tests that need it skip with this reason when it is absent. */
export const hasNginx = spawnSync('nginx', ['-v']).status === 0;

export interface Nginx {
  port: number;
  /** nginx's error log so far (upstream failures are logged there). */
  errorLog(): string;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Waits until nginx itself listens: its pid file exists (nginx writes it only after binding its
 * sockets) and the port accepts. The port alone is not enough: another process may have taken it
 * between freePort() and nginx's bind, and nginx then exits after a few bind retries.
 */
async function waitForNginx(port: number, pidFile: string, deadlineMs: number, child: ChildProcess): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until && child.exitCode === null) {
    const ok = existsSync(pidFile) && (await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    }));
    if (ok && child.exitCode === null) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within ${deadlineMs} ms`);
}

/**
 * Starts a foreground nginx (one worker, its own prefix in a temp dir) with `http` as the body of
 * its http {} block; `{port}` in it is replaced by the port nginx listens on (127.0.0.1 only).
 */
export async function startNginx(http: string): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'connscope-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${join(dir, k)};`).join('\n');
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs/error.log')} info;
events { worker_connections 256; }
http {
  access_log off;
  ${temp}
  ${http.replaceAll('{port}', String(port))}
}
`);
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  const close = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForNginx(port, join(dir, 'nginx.pid'), 5000, child);
  } catch (err) {
    const log = (() => {
      try {
        return readFileSync(join(dir, 'logs/error.log'), 'utf8').trim().split('\n').pop() ?? '';
      } catch {
        return '';
      }
    })();
    await close();
    throw new Error(`${(err as Error).message}${log ? `: ${log}` : ''}`);
  }
  return {
    port,
    errorLog: () => {
      try {
        return readFileSync(join(dir, 'logs/error.log'), 'utf8');
      } catch {
        return '';
      }
    },
    close,
  };
}
