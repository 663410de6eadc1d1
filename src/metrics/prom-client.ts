import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

const requireCjs = createRequire(import.meta.url);
let loaded: typeof PromClient | undefined;

/**
 * prom-client, loaded on first use (it is CommonJS, so synchronously): importing connscope/report or
 * the metrics recorder costs nothing until a Prometheus registry is asked for.
 */
export function promClient(): typeof PromClient {
  return (loaded ??= requireCjs('prom-client') as typeof PromClient);
}
