import { writeSync } from 'node:fs';
import { basename, extname, join, dirname } from 'node:path';
import { instrument } from '../trace/instrument.js';
import { watchLeaks } from '../trace/leaks.js';
import { LiveSession } from './live-session.js';
import { PRODUCTION_LOOP_INTERVAL_MS, type RunOptions } from './options.js';
import { processInfo, type ProcessInfo } from './process-info.js';
import { startMetrics, type RunMetrics } from './metrics.js';
import { buildRunReport, harText, renderRunReport, writeReportFile, type ReportInputs, type ReportReason, type RunReport } from './report.js';
import { renderRunHtml } from '../report/html/run.js';

/** Set by the first traced process for its descendants: they report to files named with their pid. */
export const ROOT_PID_ENV = 'CONNSCOPE_ROOT_PID';

export interface Attached {
  readonly info: ProcessInfo;
  readonly live: LiveSession;
  /** OpenTelemetry and Prometheus outputs (src/run/metrics.ts). */
  readonly metrics: RunMetrics;
  /** Builds a report now and writes every configured output; returns it. Never throws. */
  report(reason: ReportReason): RunReport | undefined;
  /** Stops tracing and every trigger (the outputs already written stay). */
  stop(): void;
}

/** `out.json` for the root process, `out.<pid>.json` for the Node processes it starts. */
export function outputPath(path: string, info: ProcessInfo): string {
  if (info.root) return path;
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.${info.pid}${ext}`);
}

/**
 * Starts always-on tracing of this process: client and server requests into a bounded live session,
 * reports at exit, on a signal and on an interval. Signal handling leaves the app's behaviour as it
 * was: SIGINT/SIGTERM with no handler of the app's still end the process by that signal (after the
 * report), and with a handler of the app's only the app decides. `startedWithProcess` (register: before the
 * app's first line): the tracer sees every connection open, so the leak watcher need not ask the pools.
 */
export function attach(options: RunOptions, env: Record<string, string | undefined> = process.env, startedWithProcess = false): Attached {
  const root = env[ROOT_PID_ENV] === undefined || env[ROOT_PID_ENV] === String(process.pid);
  env[ROOT_PID_ENV] ??= String(process.pid);
  const info = processInfo(root);
  const tracer = instrument({ server: options.server, sampleRate: options.sampleRate, profile: options.profile, eventLoopIntervalMs: options.sampleRate < 1 ? PRODUCTION_LOOP_INTERVAL_MS : undefined });
  const live = new LiveSession(options);
  const stopCollect = live.collect(tracer);
  let diagnostics = 0;
  tracer.on('diagnostic', () => diagnostics++);
  const leaks = watchLeaks(tracer, { intervalMs: 1000, pools: !startedWithProcess });
  let reason: ReportReason = 'exit';
  let finalWritten = false;

  const write = (what: string, path: string | undefined, text: string): void => {
    try {
      if (path === undefined) writeSync(2, text);
      else writeReportFile(outputPath(path, info), text);
    } catch (err) {
      try {
        writeSync(2, `connscope: could not write the ${what} report: ${(err as Error).message}\n`);
      } catch {
        // stderr closed: nothing more to say
      }
    }
  };

  const inputs: ReportInputs = {
    live,
    process: info,
    diagnostics: () => diagnostics,
    facts: () => {
      // exact response counts of the process as a client (the kept traces are a sample)
      const statusCounts = live.totalsNow().client.status;
      // --profile: the functions that held the loop during its stalls (event-loop-blocked's evidence)
      const blockedBy = tracer.eventLoopBlockedBy();
      return {
        ...leaks.facts(),
        eventLoop: { maxDelayMs: tracer.eventLoopMaxLagMs(), ...(blockedBy.length > 0 ? { blockedBy } : {}) },
        ...(Object.keys(statusCounts).length > 0 ? { statusCounts } : {}),
      };
    },
  };
  const metrics = startMetrics({ tracer, live, options, root: info.root, findings: () => buildRunReport(inputs, 'request').report.findings });

  const report = (why: ReportReason): RunReport | undefined => {
    try {
      const { report: r, session } = buildRunReport(inputs, why);
      if (options.report || options.reportFile !== undefined) write('terminal', options.reportFile, renderRunReport(r, false));
      if (options.json !== undefined) write('JSON', options.json, `${JSON.stringify(r, null, 2)}\n`);
      if (options.har !== undefined) write('HAR', options.har, harText(session));
      if (options.html !== undefined) write('HTML', options.html, renderRunHtml(r, session));
      return r;
    } catch (err) {
      try {
        writeSync(2, `connscope: no report: ${(err as Error).message}\n`);
      } catch {
        // nothing more to say
      }
      return undefined;
    }
  };

  const finalReport = (): void => {
    if (finalWritten) return;
    finalWritten = true;
    report(reason);
  };

  const onExit = (): void => finalReport();
  const onUncaught = (): void => {
    reason = 'uncaught-exception';
  };
  // With no handler of the app's, SIGINT/SIGTERM would end the process: report, then let the
  // signal do what it would have done (the exit status says "killed by SIGTERM" as before).
  const terminators = new Map<NodeJS.Signals, () => void>();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      if (process.listenerCount(sig) > 1) return; // the app handles it; 'exit' reports if it ends
      reason = 'signal';
      finalReport();
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    terminators.set(sig, handler);
    process.on(sig, handler);
  }
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', onUncaught);

  // The report signal is installed after the app's main module ran, and only if the app does not
  // listen for that signal itself.
  let onReportSignal: (() => void) | undefined;
  const reportSignal = options.reportSignal;
  const install = setImmediate(() => {
    if (reportSignal === 'none' || process.listenerCount(reportSignal) > 0) return;
    onReportSignal = () => void report('signal');
    process.on(reportSignal, onReportSignal);
  });
  const interval = options.reportIntervalMs !== undefined ? setInterval(() => report('interval'), options.reportIntervalMs) : undefined;
  interval?.unref();

  return {
    info,
    live,
    metrics,
    report,
    stop() {
      metrics.stop();
      clearImmediate(install);
      clearInterval(interval);
      if (onReportSignal && reportSignal !== 'none') process.removeListener(reportSignal, onReportSignal);
      for (const [sig, handler] of terminators) process.removeListener(sig, handler);
      process.removeListener('exit', onExit);
      process.removeListener('uncaughtExceptionMonitor', onUncaught);
      leaks.stop();
      stopCollect();
      tracer.stop();
    },
  };
}
