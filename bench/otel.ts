// OpenTelemetry tracing for the tracer benches (tracer-overhead.ts, tracer-instructions.ts): the SDK
// with the http and undici instrumentations, set up as a deployment would at its cheapest, so the
// comparison with connscope's full tracer is fair to OpenTelemetry:
// - every request is a span (the default ParentBased(AlwaysOn) sampler), as `sampleRate: 1` traces
//   every request;
// - a BatchSpanProcessor, the processor a deployment uses (a SimpleSpanProcessor exports each span
//   as it ends, under its own context switch: more work per span), with its default batch of 512;
// - an exporter that counts the spans it is handed and drops them: the connscope modes' consumers
//   discard their events too, so neither side pays for serialising or sending. The count lets the
//   bench check that the instrumentations really made one span per request.
// - client only unless `server`: the incoming-request side of the http instrumentation is off, as
//   connscope's `instrument()` traces clients only unless `server: true`.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface OtelTracing {
  /** Spans the exporter has been handed so far. */
  exported(): number;
  /** Exports what the batch processor still holds; resolves to the spans exported in all. */
  flush(): Promise<number>;
}

export function enableOtel(options: { server: boolean }): OtelTracing {
  // The comparison tools live in bench/node_modules; load them through a require rooted there.
  const require = createRequire(fileURLToPath(new URL('./package.json', import.meta.url)));
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici');
  let spans = 0;
  const exporter = {
    export: (batch: unknown[], done: (r: { code: number }) => void) => {
      spans += batch.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const processor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register();
  registerInstrumentations({ instrumentations: [new HttpInstrumentation({ disableIncomingRequestInstrumentation: !options.server }), new UndiciInstrumentation()] });
  // The http instrumentation patches node:http when it is next require()d (require-in-the-middle);
  // an ESM `import` of a builtin does not pass that hook, so require it here, as a CommonJS app
  // would, and the patched exports object is the one `import('node:http')` gives too.
  require('node:http');
  return {
    exported: () => spans,
    flush: async () => {
      await processor.forceFlush();
      return spans;
    },
  };
}
