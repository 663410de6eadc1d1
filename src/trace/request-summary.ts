import type { SourceKind } from '../model/connection.js';
import type { RequestError, RequestTrace } from '../model/request.js';

/**
 * One finished request, traced or sampled out: what exact aggregates need. Emitted as `tally` for
 * every request while anyone listens (a traced request emits `request` too). Read it in the
 * listener; a sampled-out request's summary is the tracer's own object.
 */
export interface RequestSummary {
  readonly source: SourceKind;
  /** scheme://host:port */
  readonly origin: string;
  readonly method: string;
  readonly status: number | undefined;
  readonly httpVersion: string | undefined;
  /** The connection had served a request before this one. */
  readonly reused: boolean;
  /** From creation to the last response byte (or the failure), ms. */
  readonly durationMs: number;
  readonly error: RequestError | undefined;
  readonly connectionId: string | undefined;
  readonly poolId: string | undefined;
  /** A full trace of this request was emitted as `request`. */
  readonly sampled: boolean;
  /** The request as a trace: the emitted one when sampled, else a minimal one (phases: total only). */
  toTrace(): RequestTrace;
}
