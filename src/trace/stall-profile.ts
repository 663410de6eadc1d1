import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import type { BlockingFunction } from '../model/facts.js';
import { markOfHrtimeMs, now } from './clock.js';
import type { StallWindow } from './event-loop.js';

/** Sampling period of the CPU profiler (µs): fine enough to name a 50 ms stall's function. */
const SAMPLING_US = 1000;
/** Profiles are cut and folded this often, so a long observation holds no more than this many samples. */
const ROTATE_MS = 30_000;
/** Functions reported. */
const TOP = 5;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * Names the code that held the event loop: V8's CPU profiler (node:inspector, in-process) samples the
 * main thread every millisecond, and only the samples that fall inside the loop's stalls (the
 * EventLoopSampler's windows) are kept, folded per function. A sample is charged to the innermost
 * frame of the user's code (not node: internals or natives, which the user calls but cannot change);
 * a stack with no such frame keeps its own name ('(garbage collector)', '(program)').
 * Costs the profiler's sampling (measured in docs/tracer.md), so it is on where runs are short and
 * wanted (probe, lab) and an option of the library.
 */
export class StallProfiler {
  private session: Session | undefined;
  private rotateTimer: NodeJS.Timeout | undefined;
  private readonly totals = new Map<string, BlockingFunction>();
  /** Samples before this (the profiler's own start) are not charged to anyone. */
  private since = Infinity;

  /** `windows` gives the stalls seen so far (oldest first) at each rotation. */
  constructor(private readonly windows: () => StallWindow[]) {}

  /** Starts sampling; false when the profiler is not available (another tool holds it, no inspector). */
  start(): boolean {
    try {
      const s = new Session();
      s.connect();
      s.post('Profiler.enable');
      s.post('Profiler.setSamplingInterval', { interval: SAMPLING_US });
      s.post('Profiler.start');
      // starting logs every compiled function on this thread (tens of ms): samples of that are ours, not the host's
      this.since = now();
      this.session = s;
      this.rotateTimer = setInterval(() => this.rotate(true), ROTATE_MS);
      this.rotateTimer.unref();
      return true;
    } catch {
      this.session = undefined;
      return false;
    }
  }

  /** The functions that held the loop during the stalls so far, heaviest first (sampling goes on). */
  blockedBy(): BlockingFunction[] {
    this.rotate(true);
    return this.top();
  }

  /** Stops sampling and returns the functions that held the loop during the stalls, heaviest first. */
  stop(): BlockingFunction[] {
    clearInterval(this.rotateTimer);
    this.rotate(false);
    try {
      this.session?.post('Profiler.disable');
      this.session?.disconnect();
    } catch {}
    this.session = undefined;
    return this.top();
  }

  private top(): BlockingFunction[] {
    return [...this.totals.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, TOP)
      .map((f) => ({ ...f, ms: Math.round(f.ms * 10) / 10 }));
  }

  /** Ends the current profile, folds its stall samples into the totals, and starts a new one when asked. */
  private rotate(again: boolean): void {
    const s = this.session;
    if (!s) return;
    let profile: Profile | undefined;
    // The in-process session answers synchronously: the callback has run when post() returns.
    s.post('Profiler.stop', (err, res) => {
      if (!err) profile = (res as { profile: Profile }).profile;
    });
    if (profile) this.fold(profile, this.windows());
    if (again) {
      s.post('Profiler.start');
      this.since = now();
    }
  }

  private fold(p: Profile, windows: StallWindow[]): void {
    if (windows.length === 0 || !p.samples || !p.timeDeltas) return;
    // Profile timestamps are µs of the monotonic clock process.hrtime() reads (clock.ts shifts it onto the marks' timeline)
    const byId = new Map<number, ProfileNode>();
    const parent = new Map<number, number>();
    for (const n of p.nodes) {
      byId.set(n.id, n);
      for (const c of n.children ?? []) parent.set(c, n.id);
    }
    const blame = new Map<number, ProfileNode | undefined>();
    let t = p.startTime;
    let w = 0;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i]!;
      const at = markOfHrtimeMs(t / 1000);
      const next = i + 1 < p.timeDeltas.length ? at + p.timeDeltas[i + 1]! / 1000 : at + SAMPLING_US / 1000;
      while (w < windows.length && windows[w]!.to < at) w++;
      if (w === windows.length) break;
      const win = windows[w]!;
      if (at < win.from || at < this.since) continue;
      const id = p.samples[i]!;
      if (!blame.has(id)) blame.set(id, frameToBlame(id, byId, parent));
      const node = blame.get(id);
      if (!node) continue;
      this.add(node, Math.min(next, win.to) - at);
    }
  }

  private add(n: ProfileNode, ms: number): void {
    if (!(ms > 0)) return;
    const f = n.callFrame;
    const file = f.url.startsWith('file:') ? safePath(f.url) : f.url;
    const name = f.functionName || '(anonymous)';
    const key = `${name}\0${file}\0${f.lineNumber}\0${f.columnNumber}`;
    const seen = this.totals.get(key);
    if (seen) seen.ms += ms;
    else this.totals.set(key, { function: name, file, line: f.lineNumber + 1, column: f.columnNumber + 1, ms });
  }
}

/** The innermost user frame of a sample's stack, else its own frame; undefined for an idle loop. */
function frameToBlame(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): ProfileNode | undefined {
  const leaf = byId.get(id);
  if (!leaf || leaf.callFrame.functionName === '(idle)' || leaf.callFrame.functionName === '(root)') return undefined;
  for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
    const url = n.callFrame.url;
    if (url && !url.startsWith('node:')) return n;
  }
  return leaf;
}

function safePath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}
