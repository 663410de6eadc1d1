/**
 * The version of every `--json` format (probe, bench, pcap, lab, run): within a version fields are only
 * ever added, never renamed, removed or given another meaning; a change of that kind raises it.
 * Readers check `schemaVersion` (a number) or `schema` (`connscope-<command>/<version>`).
 */
export const SCHEMA_VERSION = 1;

export type SchemaName = 'probe' | 'bench' | 'bench-matrix' | 'pcap' | 'lab' | 'lab-list' | 'run';

/** The two fields every JSON document of connscope starts with. */
export function schemaHeader<N extends SchemaName>(name: N): { schema: `connscope-${N}/1`; schemaVersion: typeof SCHEMA_VERSION } {
  return { schema: `connscope-${name}/${SCHEMA_VERSION}` as `connscope-${N}/1`, schemaVersion: SCHEMA_VERSION };
}
