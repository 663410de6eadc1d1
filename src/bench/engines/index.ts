import type { Engine, EngineContext } from '../engine.js';
import { FetchEngine } from './fetch.js';
import { H2Engine } from './h2.js';
import { HttpEngine } from './http.js';
import { RawEngine } from './raw.js';
import { UndiciEngine } from './undici.js';

export async function createEngine(ctx: EngineContext): Promise<Engine> {
  switch (ctx.options.client) {
    case 'raw':
      return new RawEngine(ctx);
    case 'h2':
      return new H2Engine(ctx);
    case 'http':
      return new HttpEngine(ctx);
    case 'fetch':
      return new FetchEngine(ctx);
    case 'undici':
      return new UndiciEngine(ctx);
  }
}
