// Bundles the CLI (run by `npm run build`, after tsc): dist/cli/main.js becomes one entry plus chunks
// in dist/cli/bundle/, one per lazily loaded subcommand and one per group of shared modules.
// Why: a `connscope pcap` run loaded about 90 ES modules and commander through Node's CommonJS loader
// before its first packet; resolving, reading and compiling them one by one was most of its start-up
// (docs/pcap.md, "Speed"). The library (dist/index.js and the other exports) stays tsc's output.
// Packages stay external (they are dependencies) except commander, which only the CLI uses.
//   node scripts/bundle-cli.mjs [DIR=dist]     DIR holds tsc's output (the bench scripts build into scratch/)
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import process from 'node:process';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })
  .filter((name) => name !== 'commander')
  .flatMap((name) => [name, `${name}/*`]);

const dir = process.argv[2] ?? 'dist';
rmSync(`${dir}/cli/bundle`, { recursive: true, force: true });
try {
  await build({
    entryPoints: { main: `${dir}/cli/main.js` },
    outdir: `${dir}/cli`,
    chunkNames: 'bundle/[name]-[hash]',
    allowOverwrite: true,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // commander is CommonJS and requires Node's built-ins: give the ES module chunks a `require`
    banner: { js: "import { createRequire as __connscopeRequire } from 'node:module';\nconst require = __connscopeRequire(import.meta.url);" },
    logLevel: 'warning',
  });
} catch {
  // esbuild printed the error
  process.exit(1);
}
