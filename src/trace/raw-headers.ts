/**
 * Header lookups on undici's raw header lists without allocating: names are compared byte by byte
 * (ASCII case-insensitive) and only a matching value is turned into a string.
 */
function equalsLower(key: unknown, lowerName: string): boolean {
  if (typeof key === 'string') return key.length === lowerName.length && key.toLowerCase() === lowerName;
  if (!(key instanceof Uint8Array) || key.length !== lowerName.length) return false;
  for (let i = 0; i < key.length; i++) {
    let c = key[i]!;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lowerName.charCodeAt(i)) return false;
  }
  return true;
}

/** The value as a string; `previous` is returned as is when the bytes spell it (no allocation). */
function valueString(v: unknown, previous?: string): string {
  if (typeof v === 'string') return v;
  if (previous !== undefined && v instanceof Uint8Array && v.length === previous.length) {
    let same = true;
    for (let i = 0; i < v.length; i++) {
      if (v[i] !== previous.charCodeAt(i)) {
        same = false;
        break;
      }
    }
    if (same) return previous;
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
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
