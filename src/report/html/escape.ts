/** Text and attribute values into HTML: every value a report prints passes through here. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** An SVG coordinate: three decimals are far below a pixel and keep the file small. */
export function coord(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** An element id made from record ids (which may hold any character). */
export function domId(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_-]/g, '_')).join('-');
}
