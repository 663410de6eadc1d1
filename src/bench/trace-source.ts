import { instrument } from '../trace/index.js';
import { countStep, originOf, type RecordSink, type StepCounts } from './engine.js';
import type { ResolvedBenchOptions } from './options.js';

/**
 * Connection accounting for the undici / http / fetch engines comes from the in-process tracer:
 * its connection, request and close events for the target origin go into the run's tally.
 */
export function attachTracer(o: ResolvedBenchOptions, sink: RecordSink): { detach: () => void; inflight: () => StepCounts } {
  const origin = originOf(o.url);
  // the tracer samples the loop: phases stretched by the run's own stalls are not blamed on the network
  const tracer = instrument({ http: o.client === 'http', undici: o.client !== 'http', http2: false, filter: (x: string) => x === origin });
  tracer.on('connection', (c) => sink.connection(c));
  tracer.on('request', (r) => sink.request(r));
  tracer.on('close', (c) => sink.close(c));
  return {
    detach: () => tracer.stop(),
    // the tracer knows the step of each request still in flight (pool queue, connecting, sent, headers seen)
    inflight: () => {
      const counts: StepCounts = {};
      for (const r of tracer.inflight()) if (r.origin === origin) countStep(counts, r.state);
      return counts;
    },
  };
}
