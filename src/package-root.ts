import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The package's root folder (the one holding package.json, docs/ and dist/), found by walking up from this
 * module. A fixed `../..` would not do: this code runs from src/ (tsx), from dist/ (tsc output) and from
 * dist/cli/bundle/ (the bundled CLI, scripts/bundle-cli.mjs), each at a different depth.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break; // the file system's root: keep the module's own folder's parent as before
    dir = up;
  }
  root = dir;
  return root;
}
