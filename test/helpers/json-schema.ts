import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Schema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
}

export function loadSchema(root: string, file: string): Schema {
  return JSON.parse(readFileSync(join(root, file), 'utf8')) as Schema;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * The subset of JSON Schema the docs' schemas use: type, const, enum, required, properties, items.
 * The top level and the level below it must not carry keys the schema does not list.
 */
export function validate(v: unknown, s: Schema, path: string, errors: string[]): void {
  const t = typeOf(v);
  if (s.type) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    const ok = types.includes(t) || (t === 'integer' && types.includes('number'));
    if (!ok) return void errors.push(`${path}: ${t} is not ${types.join('|')}`);
  }
  if ('const' in s && v !== s.const) errors.push(`${path}: not ${String(s.const)}`);
  if (s.enum && !s.enum.includes(v)) errors.push(`${path}: ${String(v)} not in enum`);
  if (t === 'object' && v) {
    for (const k of s.required ?? []) if (!(k in (v as object))) errors.push(`${path}.${k}: missing`);
    for (const [k, sub] of Object.entries(s.properties ?? {})) {
      if (k in (v as object)) validate((v as Record<string, unknown>)[k], sub, `${path}.${k}`, errors);
    }
    if (s.properties && path.split('.').length <= 2) {
      for (const k of Object.keys(v as object)) if (!(k in s.properties)) errors.push(`${path}.${k}: not in the schema`);
    }
  }
  if (t === 'array' && s.items) (v as unknown[]).forEach((x, i) => validate(x, s.items!, `${path}[${i}]`, errors));
}
