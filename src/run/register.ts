/**
 * `node --import connscope/register app.js`: traces an unmodified app, options from CONNSCOPE_*
 * variables (docs/run.md). It never breaks its host: if tracing cannot start, the app runs
 * untraced and one line on stderr says why.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attach } from './attach.js';
import { runOptionsFromEnv } from './options.js';

/** Set by `connscope run`: a folder where each traced process leaves its pid (so run can tell when nothing was traced). */
export const MARKER_DIR_ENV = 'CONNSCOPE_RUN_MARKERS';

try {
  const attached = attach(runOptionsFromEnv(process.env), process.env, true);
  // --otlp: the exporter is set up before the app's first line runs (never rejects)
  await attached.metrics.ready;
  const dir = process.env[MARKER_DIR_ENV];
  if (dir) {
    try {
      writeFileSync(join(dir, String(process.pid)), JSON.stringify(attached.info.argv));
    } catch {
      // run's folder is gone (run was killed): tracing goes on regardless
    }
  }
} catch (err) {
  process.stderr.write(`connscope: not tracing this process: ${(err as Error).message}\n`);
}
