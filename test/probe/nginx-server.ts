import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertChain } from '../../src/lab/certs.js';

export const hasNginx = spawnSync('nginx', ['-v']).status === 0;

export interface Nginx {
  port: number;
  /** nginx's error log so far (upstream failures are logged there). */
  errorLog(): string;
  stop(): Promise<void>;
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
 * A real nginx on 127.0.0.1 (free port, own prefix directory, foreground), with `http` holding the body of
 * the http {} block; `{port}`, `{cert}` and `{key}` in it are filled in (cert/key written when `chain` is given).
 */
export async function startNginx(http: string, chain?: CertChain): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'connscope-nginx-'));
  mkdirSync(join(dir, 'logs'));
  if (chain) {
    writeFileSync(join(dir, 'chain.pem'), chain.chainPem);
    writeFileSync(join(dir, 'key.pem'), chain.keyPem);
  }
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `${k}_temp_path ${join(dir, k)};`).join('\n');
  const body = http.replaceAll('{port}', String(port)).replaceAll('{cert}', join(dir, 'chain.pem')).replaceAll('{key}', join(dir, 'key.pem'));
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs/error.log')};
events { worker_connections 64; }
http {
  access_log off;
  ${temp}
  ${body}
}
`);
  const child: ChildProcess = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const errorLog = (): string => {
    try {
      return readFileSync(join(dir, 'logs/error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  try {
    await waitForNginx(port, join(dir, 'nginx.pid'), 5000, child);
  } catch (err) {
    const last = errorLog().trim().split('\n').pop();
    await stop();
    throw new Error(`${(err as Error).message}${last ? `: ${last}` : ''}`);
  }
  return { port, errorLog, stop };
}
