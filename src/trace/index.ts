export { instrument } from './instrument.js';
export type { InstrumentOptions, Tracer, TracerEvents, TracerDiagnostic, PoolSnapshot, InflightRequest } from './types.js';
