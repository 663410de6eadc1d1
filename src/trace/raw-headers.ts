/**
 * Header lookups on undici's raw header lists ([name, value, ...] of Buffers or strings, or
 * 'name: value\r\n' text). They run for traced requests only, which at a production sample rate are
 * too rare for V8 to optimise: they run in its baseline tier, where each element read and call is
 * dear. So the bytes are compared by native calls (one latin1 slice per name of the right length,
 * one per matching value) rather than a loop per byte, which cost about 2k instructions per name
 * and 6k per value compared there (callgrind, docs/run.md "Cost per level").
 */

/** The bytes as a latin1 string (HTTP header bytes are latin1). */
function latin1(v: Uint8Array): string {
  return (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)).toString('latin1');
}

function equalsLower(key: unknown, lowerName: string): boolean {
  if (typeof key === 'string') return key.length === lowerName.length && key.toLowerCase() === lowerName;
  // the length first: most names differ in length, and then nothing else is asked
  if ((key as { length?: unknown } | null | undefined)?.length !== lowerName.length || !(key instanceof Uint8Array)) return false;
  return latin1(key).toLowerCase() === lowerName;
}

/** The value as a string; `previous` is returned as is when the value spells it (one string per connection). */
function valueString(v: unknown, previous?: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) {
    const s = latin1(v);
    return s === previous ? previous : s;
  }
  if (Array.isArray(v)) return v.map((x) => valueString(x)).join(', ');
  return String(v);
}

/**
 * Finds a header in [name, value, ...] (Buffers or strings) or in 'name: value\r\n' text.
 * `previous` is the value seen last time on the same connection, reused when unchanged.
 */
export function findHeader(headers: unknown, lowerName: string, previous?: string): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (equalsLower(headers[i], lowerName)) return valueString(headers[i + 1], previous);
    }
    return undefined;
  }
  if (typeof headers === 'string') {
    const lower = headers.toLowerCase();
    let at = lower.indexOf(`${lowerName}:`);
    while (at > 0 && lower.charCodeAt(at - 1) !== 10) at = lower.indexOf(`${lowerName}:`, at + 1);
    if (at === -1) return undefined;
    const end = headers.indexOf('\r\n', at);
    return headers.slice(at + lowerName.length + 1, end === -1 ? undefined : end).trim();
  }
  return undefined;
}
