import { once } from 'node:events';
import type { EventEmitter } from 'node:events';

/** Resolves with the first event args matching `pred`, or rejects after `ms` (tests never hang). */
export function waitFor<T extends unknown[]>(emitter: EventEmitter | { on: any; off: any }, event: string, pred: (...args: T) => boolean, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no matching '${event}' within ${ms} ms`));
    }, ms);
    const listener = (...args: T): void => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    emitter.on(event, listener);
  });
}

export async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export { once };
