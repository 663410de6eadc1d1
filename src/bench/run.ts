import { performance } from 'node:perf_hooks';
import type { Facts } from '../model/facts.js';
import type { Finding } from '../model/finding.js';
import type { Session } from '../model/session.js';
import { diagnose } from '../diagnose/index.js';
import { redactUrl } from '../redact.js';
import type { Engine, RecordSink, StepCounts } from './engine.js';
import { createEngine } from './engines/index.js';
import { describeBenchError, meaningOf } from './error-codes.js';
import { effectiveIdleTimeout } from './engines/idle-timeout.js';
import { resolveOptions, SETTINGS_KEYS, type BenchOptions, type BenchSettings, type ResolvedBenchOptions } from './options.js';
import { preflight } from './preflight.js';
import { runLoad } from './scheduler.js';
import { Tally, type BenchStats } from './tally.js';
import { attachTracer } from './trace-source.js';

export interface BenchResult {
  settings: BenchSettings;
  stats: BenchStats;
  /** Connections, a bounded sample of requests, and the facts the rules read. */
  session: Session;
  findings: Finding[];
  /** Stopped early by the signal (Ctrl-C): the numbers cover the part that ran. */
  aborted: boolean;
  /** Requests still in flight when the run stopped; not counted. */
  abandoned: number;
  /** The step each abandoned request was in when the run stopped. */
  stuck: StepCounts;
  /** Each error code counted, with its one-line meaning and the first message seen under it. */
  errorTable: Array<{ code: string; count: number; meaning: string; example: string }>;
  /** Not one response arrived (every request failed or never finished): the run measured nothing. */
  failed: boolean;
  warmup?: { requests: number; durationMs: number };
}

/**
 * Puts load on one URL through a real client pool and reports throughput, latency (HDR), reuse,
 * handshakes, closes and the findings of the shared rule engine.
 * Throws UsageError for bad options and a network error when the target cannot be reached at all.
 */
export async function bench(options: BenchOptions): Promise<BenchResult> {
  const o = resolveOptions(options);
  await preflight(o);
  let tally = new Tally();
  let counting = true;
  const sink: RecordSink = {
    connection: (c) => tally.connection(c),
    // requests abandoned when the run stops fail as the pool closes; they are not the server's doing
    request: (r) => counting && tally.request(r),
    close: (c, idle) => tally.close(c, idle),
    reusedOk: (b, w, t, i) => !counting || tally.reusedOk(b, w, t, i),
    deferredOk: (b, w, t, i, s) => counting && tally.deferredOk(b, w, t, i, s),
  };
  const engine = await createEngine({ options: o, sink });
  const tracer = engine.selfAccounting ? undefined : attachTracer(o, sink);
  let warmup: BenchResult['warmup'];
  let main: Awaited<ReturnType<typeof runLoad>>;
  let stuck: StepCounts = {};
  // the first message under each code, for the report's error table (codes are few; bounded anyway)
  const examples = new Map<string, string>();
  const errorCode = (err: unknown): string => {
    const d = describeBenchError(err, o.url);
    if (!examples.has(d.code) && examples.size < 100) examples.set(d.code, scrub(d.message, o.url));
    return d.code;
  };
  try {
    if (o.warmupMs > 0) {
      const w = await runLoad(engine, tally, { errorCode, concurrency: o.concurrency, rate: o.rate, durationMs: o.warmupMs, signal: o.signal, tickMs: o.progressIntervalMs, onTick: progress(o, 'warmup', () => tally) });
      const warmTally = tally;
      warmup = { requests: warmTally.completed, durationMs: w.durationMs };
      tally = new Tally(performance.now(), warmTally.perSecond.openNow);
      // the warm-up's sample is not kept
      engine.sampledRecords?.(() => undefined);
    }
    const current = (): Tally => tally;
    main = await runLoad(engine, tally, {
      errorCode,
      concurrency: o.concurrency,
      rate: o.rate,
      requests: o.requests,
      durationMs: o.durationMs,
      signal: o.signal,
      tickMs: o.progressIntervalMs,
      onTick: progress(o, 'run', current),
    });
    // the sample's records the engine built no record for during the load, then the whole sample in start order
    if (engine.sampledRecords) {
      engine.sampledRecords((r) => tally.sampled(r));
      tally.session.sortRequests((a, b) => a.startedAt - b.startedAt);
    }
    // before the pool closes: where the requests still in flight were stuck
    if (main.abandoned > 0) stuck = (engine.stuckSteps ? engine.stuckSteps() : tracer?.inflight()) ?? {};
  } finally {
    counting = false;
    await engine.close();
    // close events of the pool arrive on the next turns of the loop
    await new Promise((r) => setTimeout(r, 20));
    tracer?.detach();
  }
  const stats = tally.stats(main.durationMs);
  const session = tally.session;
  const succeeded = Object.values(stats.statusCodes).reduce((a, b) => a + b, 0);
  session.facts = { ...session.facts, ...runFacts(o, engine, tally, stats) };
  session.facts.load = { succeeded, failed: stats.errors, abandoned: main.abandoned, stuck: { ...stuck }, durationMs: stats.durationMs };
  const topError = Object.entries(stats.errorsByCode).sort((a, b) => b[1] - a[1])[0];
  if (topError) session.facts.load.topError = topError[0];
  session.findings = diagnose(session, { thresholds: o.thresholds });
  const failed = succeeded === 0 && stats.errors + main.abandoned > 0;
  const errorTable = Object.entries(stats.errorsByCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => ({ code, count, meaning: meaningOf(code), example: examples.get(code) ?? '' }));
  return { settings: settingsOf(o), stats, session, findings: session.findings, aborted: main.aborted, abandoned: main.abandoned, stuck, failed, errorTable, warmup };
}

/** Error messages can quote a URL: never with its credentials. */
function scrub(message: string, url: URL): string {
  let m = message;
  for (const secret of [url.password, url.username]) {
    if (!secret) continue;
    m = m.split(secret).join('***');
    try {
      m = m.split(decodeURIComponent(secret)).join('***');
    } catch {
      // a malformed escape cannot appear decoded
    }
  }
  return m.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@').slice(0, 300);
}

function progress(o: ResolvedBenchOptions, phase: 'warmup' | 'run', current: () => Tally): ((elapsed: number) => void) | undefined {
  if (!o.onProgress) return undefined;
  let last = 0;
  let lastAt = 0;
  return (elapsedMs) => {
    const t = current();
    const n = t.completed;
    const rate = elapsedMs > lastAt ? ((n - last) * 1000) / (elapsedMs - lastAt) : 0;
    last = n;
    lastAt = elapsedMs;
    o.onProgress!({
      phase,
      elapsedMs,
      durationMs: phase === 'warmup' ? o.warmupMs : o.requests === undefined ? o.durationMs : undefined,
      requests: n,
      totalRequests: phase === 'run' ? o.requests : undefined,
      errors: t.errors,
      currentRate: rate,
    });
  };
}

function runFacts(o: ResolvedBenchOptions, engine: Engine, tally: Tally, stats: BenchStats): Facts {
  const f: Facts = { ...engine.facts() };
  f.concurrency = o.concurrency;
  f.poolSize ??= o.connections;
  f.keepAliveEnabled ??= o.keepAlive;
  f.durationMs = stats.durationMs;
  // every response is counted, while the session keeps a sample of requests: the 5xx rules read these
  if (Object.keys(stats.statusCodes).length > 0) f.statusCounts = { ...stats.statusCodes };
  if (tally.hintedIdleTimeoutMs !== undefined) f.hintedIdleTimeoutMs = tally.hintedIdleTimeoutMs;
  if (o.client === 'undici' || o.client === 'fetch' || o.client === 'http') {
    // these clients shorten their idle timeout to the server's Keep-Alive hint: report what they really apply
    const effective = effectiveIdleTimeout(o.client, o.idleTimeoutMs, tally.hintedIdleTimeoutMs);
    if (effective === undefined) delete f.clientIdleTimeoutMs;
    else f.clientIdleTimeoutMs = effective;
  }
  if (tally.serverIdleCloses.length > 0) {
    const sorted = [...tally.serverIdleCloses].sort((a, b) => a - b);
    f.measuredIdleTimeoutMs = Math.round(sorted[Math.floor(sorted.length / 2)]!);
  }
  const res = tally.resumptionEarlyLate();
  if (res) f.tls = { ...f.tls, resumptionRateEarly: res.early, resumptionRateLate: res.late };
  if (stats.handshakes.resumed > 0) f.tls = { ...f.tls, resumptionSupported: true };
  if (o.discardBody) f.unconsumedBodies = stats.requests - stats.errors;
  if (o.client === 'h2') {
    f.http2 = { ...f.http2, used: true, goaways: tally.h2Goaways };
  }
  return f;
}

function settingsOf(o: ResolvedBenchOptions): BenchSettings {
  const s: Record<string, unknown> = { url: redactUrl(o.url) };
  for (const k of SETTINGS_KEYS) if (o[k] !== undefined) s[k] = o[k];
  return s as BenchSettings;
}
