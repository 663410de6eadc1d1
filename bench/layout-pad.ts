// Imported first by tracer-instructions-load.ts: with BENCH_LAYOUT_PAD=k (k > 0), shifts where
// everything the bench loads afterwards (undici, node:http's per-request objects' maps, the tracer)
// sits in V8's heap. A megamorphic inline-cache lookup hashes a map's address into V8's stub cache,
// so two builds whose heaps differ only in layout (another checkout's path, one more file) pay
// different collision costs: `off` differed by 1.9 % between two checkouts of the same code. Each
// repetition of tracer-instructions.ts --repeat N runs every mode with the same pad, a different
// one per repetition, and reports the median of the paired ratios (bench/README.md, "Layouts").
const k = Number(process.env.BENCH_LAYOUT_PAD ?? 0);
const kept: unknown[] = [];
if (k > 0) {
  // distinct hidden classes (maps are what the stub cache hashes) and some long-lived data
  for (let i = 0; i < k * 97; i++) kept.push({ [`pad${k}_${i}`]: i });
  for (let i = 0; i < k * 16; i++) kept.push(new Array(512).fill(i));
}
(globalThis as { __benchLayoutPad?: unknown[] }).__benchLayoutPad = kept;
export {};
