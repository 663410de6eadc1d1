/**
 * Walks the import graph of src/ (or of the built dist/) without a dependency: finds import cycles
 * and lists what a module loads eagerly.
 *
 *   npx tsx bench/import-graph.ts cycles [--runtime]      every cycle in src/ (type imports count unless --runtime)
 *   npx tsx bench/import-graph.ts loads dist/index.js     modules and packages loaded eagerly from an entry
 *
 * Static `import`/`export … from` edges only; `import()` is lazy by design and is not followed.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface Edge {
  to: string;
  /** `import type` / `export type`: erased at build time. */
  typeOnly: boolean;
}

const STATIC = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

/** The static imports of one source file, relative ones resolved to files, bare ones as package names. */
export function importsOf(file: string): { local: Edge[]; packages: string[] } {
  const text = stripComments(readFileSync(file, 'utf8'));
  const local: Edge[] = [];
  const packages = new Set<string>();
  for (const m of text.matchAll(STATIC)) {
    const spec = m[4] ?? m[5]!;
    const clause = m[3] ?? '';
    // `import { type A, type B } from` is erased too
    const typeOnly = m[2] !== undefined || (/^\{[^}]*\}$/.test(clause) && clause.slice(1, -1).split(',').every((s) => s.trim() === '' || /^type\s/.test(s.trim())));
    if (spec.startsWith('.')) {
      const to = resolveLocal(dirname(file), spec);
      if (to) local.push({ to, typeOnly });
    } else if (!typeOnly) {
      packages.add(packageName(spec));
    }
  }
  return { local, packages: [...packages] };
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

function resolveLocal(dir: string, spec: string): string | undefined {
  const base = resolve(dir, spec);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts'), join(base, 'index.js')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function packageName(spec: string): string {
  if (spec.startsWith('node:')) return spec;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every elementary cycle's representative (one per strongly connected component, as a path). */
export function findCycles(root: string, { runtime = false } = {}): string[][] {
  const graph = new Map<string, string[]>();
  for (const file of filesUnder(root)) {
    graph.set(file, importsOf(file).local.filter((e) => !runtime || !e.typeOnly).map((e) => e.to));
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative(root, f)));
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

/** The modules and packages an entry loads before its first line runs (static imports, transitively). */
export function eagerLoads(entry: string): { modules: string[]; packages: string[] } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const todo = [resolve(entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const { local, packages: pkgs } = importsOf(file);
    for (const p of pkgs) packages.add(p);
    for (const e of local) if (!e.typeOnly) todo.push(e.to);
  }
  return { modules: [...seen].map((f) => relative(process.cwd(), f)).sort(), packages: [...packages].sort() };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const [cmd, arg] = process.argv.slice(2);
  if (cmd === 'cycles') {
    const cycles = findCycles(resolve('src'), { runtime: process.argv.includes('--runtime') });
    for (const c of cycles) console.log(c.join(' -> '));
    console.log(`${cycles.length} cycle(s)`);
    process.exitCode = cycles.length > 0 ? 1 : 0;
  } else if (cmd === 'loads' && arg) {
    const { modules, packages } = eagerLoads(arg);
    console.log(`${modules.length} modules of ours`);
    for (const m of modules) console.log(`  ${m}`);
    console.log(`packages: ${packages.filter((p) => !p.startsWith('node:')).join(', ') || '(none)'}`);
  } else {
    console.error('usage: import-graph.ts cycles [--runtime] | loads <entry>');
    process.exitCode = 2;
  }
}
