import { createNoopMeter, metrics, type MeterProvider } from '@opentelemetry/api';
import { VERSION } from '../version.js';
import { otelSink } from './otel-sink.js';
import type { MetricsRecorder } from './recorder.js';

/**
 * Where @opentelemetry/api 1.x keeps its globals (global-utils.js: `opentelemetry.js.api.<major>`,
 * an object with one field per API, `metrics` for the MeterProvider). The key is not exported;
 * connscope depends on the 1.x API, whose key this is.
 */
const API_KEY = Symbol.for('opentelemetry.js.api.1');
const NONE = Symbol('none');
type Slot = Record<symbol, { metrics?: unknown } | undefined>;

/**
 * Whether the API's global object exists. Until something registers an OpenTelemetry global (a
 * provider, a propagator…), there is none and no provider can be registered without making it: the
 * recorder then reads nothing per event. Reading the slot itself is a symbol lookup on the global
 * object (a dictionary), about 60 instructions, on every request of an app that never uses
 * OpenTelemetry otherwise.
 */
let apiExists = false;
/** The getter of the watch on the global slot (see watchApiGlobal), to tell it from anyone else's. */
let watchGetter: (() => undefined) | undefined;
let followers = 0;
let recheck: NodeJS.Timeout | undefined;
/** Told when the API's global object appears (each follower's recorder then starts listening per request). */
const onApiGlobal = new Set<() => void>();

/** The API's global object exists from now on: the watch is done, and every follower is told. */
function apiAppeared(): void {
  apiExists = true;
  watchGetter = undefined;
  stopRecheck();
  for (const f of onApiGlobal) {
    try {
      f();
    } catch {
      // metrics never throw into the host (this runs inside the app's OpenTelemetry set-up)
    }
  }
}

/** The slot holds something other than the watch (defined by someone else, with the watch still armed). */
function slotDefinedElsewhere(): boolean {
  const d = Object.getOwnPropertyDescriptor(globalThis, API_KEY);
  return d !== undefined && (watchGetter === undefined || d.get !== watchGetter);
}

function stopRecheck(): void {
  clearInterval(recheck);
  recheck = undefined;
}

/**
 * Learns when the API makes its global object, without reading the slot per event: an accessor on
 * the empty slot whose setter, at the API's first `_global[key] = … ?? { version }`, puts back the
 * plain property that assignment would have made (writable, enumerable, configurable) and notes
 * that it exists. Until then the slot reads as undefined, as it would without the watch (only
 * `key in globalThis` tells the watch is there). Anyone
 * defining the slot with Object.defineProperty replaces the watch: a once-a-second check notices.
 */
function watchApiGlobal(): void {
  if (watchGetter !== undefined) return;
  // asked afresh: a slot deleted since (a test resetting OpenTelemetry) holds no provider either
  apiExists = Object.getOwnPropertyDescriptor(globalThis, API_KEY) !== undefined;
  if (apiExists) return;
  const get = (): undefined => undefined;
  watchGetter = get;
  Object.defineProperty(globalThis, API_KEY, {
    configurable: true,
    enumerable: false,
    get,
    set(value: unknown) {
      Object.defineProperty(globalThis, API_KEY, { value, writable: true, enumerable: true, configurable: true });
      apiAppeared();
    },
  });
  recheck = setInterval(() => {
    if (slotDefinedElsewhere()) apiAppeared();
  }, 1000);
  recheck.unref();
}

function unwatchApiGlobal(): void {
  stopRecheck();
  const d = Object.getOwnPropertyDescriptor(globalThis, API_KEY);
  if (watchGetter !== undefined && d?.get === watchGetter) delete (globalThis as unknown as Slot)[API_KEY];
  watchGetter = undefined;
}

/**
 * Records into the MeterProvider the app registered with OpenTelemetry (any SDK set-up), including
 * one it registers after connscope started. @opentelemetry/api 1.x has no proxy for meters: a meter
 * taken from the global API before the app registers its provider stays a no-op forever. So, once
 * the API's global object exists, the recorder reads its `metrics` slot before each event (a global
 * symbol lookup, a field read and a comparison; the API's own getter only when the slot changed) and
 * creates its instruments again whenever the provider changed; with no provider (the API's no-op
 * one) no instrument exists and an event records nothing. Before the object exists, an event reads
 * one module flag (watchApiGlobal).
 */
export function followGlobalMeterProvider(recorder: MetricsRecorder): () => void {
  const noop = createNoopMeter();
  let provider: MeterProvider | undefined;
  let remove: (() => void) | undefined;
  /** What the API's global held for `metrics` when last asked (NONE: never asked). */
  let held: unknown = NONE;
  followers++;
  watchApiGlobal();
  recorder.beforeEvent = () => {
    if (!apiExists) return;
    // Per event: the raw global slot only. The API's own getter (version check, a Set lookup, the
    // no-op fallback) runs when the slot changed.
    const raw = (globalThis as unknown as Slot)[API_KEY]?.metrics;
    if (raw === held) return;
    held = raw;
    const p = metrics.getMeterProvider();
    if (p === provider) return;
    provider = p;
    remove?.();
    remove = undefined;
    const meter = p.getMeter('connscope', VERSION);
    if (meter !== noop) remove = recorder.add(otelSink(meter));
  };
  recorder.beforeEvent();
  // Before the global object exists no provider can be registered: the recorder need not look per
  // request (nor listen for `tally` without another sink); from its appearance on, it looks per event.
  const startPolling = (): void => recorder.setPolling(true);
  if (apiExists) startPolling();
  else onApiGlobal.add(startPolling);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    onApiGlobal.delete(startPolling);
    recorder.beforeEvent = undefined;
    recorder.setPolling(false);
    remove?.();
    if (--followers === 0) unwatchApiGlobal();
  };
}
