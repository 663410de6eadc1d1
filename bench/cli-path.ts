import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The `connscope` executable of a build directory (tsc's output with the CLI bundled): `cli/main.cjs`, or
 * `cli/main.js` in builds made before the launcher became CommonJS, so `--base` can name an older commit's build.
 */
export function cliOf(dir: string): string {
  const cjs = join(dir, 'cli', 'main.cjs');
  return existsSync(cjs) ? cjs : join(dir, 'cli', 'main.js');
}
