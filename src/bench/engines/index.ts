import type { Engine, EngineContext } from '../engine.js';

/**
 * Each engine's module is loaded when a run asks for it: a raw or h2 run does not load undici
 * (a quarter of a CPU-second at start, counted against every request of a short run).
 */
export async function createEngine(ctx: EngineContext): Promise<Engine> {
  switch (ctx.options.client) {
    case 'raw':
      return new (await import('./raw.js')).RawEngine(ctx);
    case 'h2':
      return new (await import('./h2.js')).H2Engine(ctx);
    case 'http':
      return new (await import('./http.js')).HttpEngine(ctx);
    case 'fetch':
      return new (await import('./fetch.js')).FetchEngine(ctx);
    case 'undici':
      return new (await import('./undici.js')).UndiciEngine(ctx);
  }
}
