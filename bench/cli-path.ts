import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The `connscope` executable of a build directory (tsc's output with the CLI bundled by scripts/bundle-cli.mjs):
 * `cli/main.cjs`, or, in builds made before the launcher became CommonJS, `cli/main.js`, which was the launcher
 * then (so `--base` can name an older commit's build). In a newer build `cli/main.js` is tsc's unbundled CLI:
 * a build without `cli/main.cjs` and without a bundle is refused rather than timed unbundled.
 */
export function cliOf(dir: string): string {
  const cjs = join(dir, 'cli', 'main.cjs');
  if (existsSync(cjs)) return cjs;
  if (existsSync(join(dir, 'cli', 'bundle', 'cli.cjs')) && existsSync(join(dir, 'cli', 'main.js'))) return join(dir, 'cli', 'main.js');
  throw new Error(`${dir} has no bundled CLI: run \`node scripts/bundle-cli.mjs ${dir}\` after tsc`);
}
