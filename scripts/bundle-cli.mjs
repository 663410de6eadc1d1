// Bundles the CLI (run by `npm run build`, after tsc), in two steps:
//  1. dist/cli/main.js (tsc's output of src/cli/main.ts) and everything it loads become one CommonJS file,
//     dist/cli/bundle/cli.cjs, commander inlined;
//  2. dist/cli/main.cjs, the `connscope` executable, is src/cli/launch.ts bundled (with compile-cache.ts) as
//     CommonJS, stamped with cli.cjs's content hash: it compiles cli.cjs with V8's code cache from an earlier run
//     (Node 20 has none for ES modules). CommonJS, not an ES module: an ES entry point starts Node's ESM loader and
//     wraps each `node:` import in a module facade: 13–22 M instructions per start (callgrind, `pcap` on an empty
//     capture: 578–583 M as an ES module, 564–573 M as CommonJS, output piped; Node alone 501 M), a fifth to a
//     quarter of what the CLI adds to Node's own start-up.
// Why: a `connscope pcap` run loaded about 90 ES modules and commander through Node's CommonJS loader before
// its first packet, then compiled the same functions on every run (docs/pcap.md, "Speed"). The library
// (dist/index.js and the other exports) stays tsc's output. Packages stay external (they are dependencies)
// except commander, which only the CLI uses.
//   node scripts/bundle-cli.mjs [DIR=dist]     DIR holds tsc's output (the bench scripts build into scratch/)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import process from 'node:process';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })
  .filter((name) => name !== 'commander')
  .flatMap((name) => [name, `${name}/*`]);

const dir = process.argv[2] ?? 'dist';
const cli = `${dir}/cli/bundle/cli.cjs`;
rmSync(`${dir}/cli/bundle`, { recursive: true, force: true });
try {
  await build({
    entryPoints: [`${dir}/cli/main.js`],
    outfile: cli,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external,
    // the modules' own location (package-root.ts walks up from it; createRequire resolves from it)
    define: { 'import.meta.url': '__connscopeModuleUrl' },
    banner: { js: "const __connscopeModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
  // A dynamic import() of a package left external stays import() in CommonJS output; compiled through vm.Script
  // (launch.ts) it would need an import callback, which code compiled from a cache does not keep on Node 20.
  // As require() wrapped the way esbuild wraps its own (a namespace with `default`), it behaves the same.
  // (main.ts's #! line goes too: launch.ts wraps this file in a function, where it would not parse)
  let code = readFileSync(cli, 'utf8').replace(/^#!.*\n/, '');
  code = code.replace(/\bimport\(("[^"]+")\)/g, 'Promise.resolve().then(() => __toESM(require($1), 1))');
  // ASCII only: launch.ts reads it as latin1, a plain copy, where decoding UTF-8 cost about 19 M instructions
  // per run. esbuild escapes strings, templates and regular expressions itself but keeps comments as written:
  // their characters become \u escapes (only on comment lines; anything else non-ASCII fails the build).
  code = code.replace(/^\s*(\/\/|\/\*|\*).*$/gm, (line) => line.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  const nonAscii = /^.*[\u0080-\uffff].*$/m.exec(code);
  if (nonAscii) throw new Error(`${cli} has a non-ASCII character outside a comment: ${nonAscii[0].trim().slice(0, 120)}`);
  if (/\bimport\(/.test(code)) throw new Error(`${cli} still has a dynamic import() that launch.ts could not run`);
  if (!code.includes('__toESM = ')) throw new Error(`${cli} has no __toESM helper for the rewritten imports`);
  writeFileSync(cli, code);
  const id = createHash('sha256').update(code).digest('hex').slice(0, 16);
  await build({
    entryPoints: [`${dir}/cli/launch.js`],
    outfile: `${dir}/cli/main.cjs`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { CONNSCOPE_BUNDLE_ID: JSON.stringify(id), 'import.meta.url': '__connscopeLaunchUrl' },
    banner: { js: "const __connscopeLaunchUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
} catch (err) {
  // esbuild printed its own errors; ours are one line
  if (!(err && typeof err === 'object' && 'errors' in err)) process.stderr.write(`bundle-cli: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
