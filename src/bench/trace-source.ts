import type { RecordSink } from './engine.js';
import { originOf } from './engine.js';
import type { ResolvedBenchOptions } from './options.js';
import type { Tracer } from '../trace/types.js';

/**
 * Connection accounting for the undici / http / fetch engines comes from the in-process tracer:
 * its connection, request and close events for the target origin go into the run's tally.
 */
export async function attachTracer(o: ResolvedBenchOptions, sink: RecordSink): Promise<() => void> {
  const spec = '../trace/index.js';
  const mod = (await import(spec)) as { instrument: (opts: object) => Tracer };
  const origin = originOf(o.url);
  const tracer = mod.instrument({ http: o.client === 'http', undici: o.client !== 'http', http2: false, eventLoop: false, filter: (x: string) => x === origin });
  tracer.on('connection', (c) => sink.connection(c));
  tracer.on('request', (r) => sink.request(r));
  tracer.on('close', (c) => sink.close(c));
  return () => tracer.stop();
}
