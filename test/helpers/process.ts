import { spawn, type ChildProcess } from 'node:child_process';

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs a command to its end (bounded: killed after 30 s); `act` runs once, when stdout first contains
 * `when` (to signal the process, close its stdin, scrape it while it runs).
 */
export function runProcess(args: string[], env: Record<string, string>, act?: { when: string; then: (child: ChildProcess) => void | Promise<void> }): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn(args[0]!, args.slice(1), { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let acted = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (act && !acted && out.includes(act.when)) {
        acted = true;
        void act.then(child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, out, err });
    });
  });
}
