/**
 * `connscope/run`: attach() — what `connscope run` and `connscope/register` do — for code that wants to start
 * it itself. Its own entry because it loads the exit report's renderers and the metrics exporters (prom-client).
 */
export { attach, type Attached } from './attach.js';
export { runOptionsFromEnv, type RunOptions } from './options.js';
