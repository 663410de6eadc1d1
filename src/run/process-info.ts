import { redactUrl } from '../redact.js';

/** Flag names whose values are secrets (--token=…, --db-password …). */
const SECRET_FLAG = /^--?[\w.-]*(token|passw(or)?d|secret|api[-_]?key|auth|credential|cookie)[\w.-]*$/i;

/**
 * The process's command line as a report may show it: URL credentials and the values of flags
 * named like secrets are replaced, so a report never carries what the app was started with.
 */
export function safeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let hideNext = false;
  for (const arg of argv) {
    if (hideNext) {
      out.push('[redacted]');
      hideNext = false;
      continue;
    }
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && SECRET_FLAG.test(eq > 0 ? arg.slice(0, eq) : arg)) {
      if (eq > 0) out.push(`${arg.slice(0, eq)}=[redacted]`);
      else {
        out.push(arg);
        hideNext = true;
      }
      continue;
    }
    out.push(/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(arg) ? redactUrl(arg) : arg);
  }
  return out;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
  /** This process is the one `connscope run` started (or the first one that loaded register). */
  root: boolean;
}

export function processInfo(root: boolean): ProcessInfo {
  return { pid: process.pid, ppid: process.ppid, argv: safeArgv([process.argv0, ...process.argv.slice(1)]), root };
}
