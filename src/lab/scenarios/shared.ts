/** Closes every resource even when some close fails; used in each scenario's finally. */
export async function closeAll(resources: ReadonlyArray<{ close(): Promise<unknown> | unknown } | undefined>): Promise<void> {
  await Promise.allSettled(resources.map(async (r) => r?.close()));
}

/** Runs `fn` with the resources `open` returns, and always closes them. */
export async function using<R extends ReadonlyArray<{ close(): Promise<unknown> | unknown }>, T>(open: () => Promise<R>, fn: (r: R) => Promise<T>): Promise<T> {
  const resources = await open();
  try {
    return await fn(resources);
  } finally {
    await closeAll(resources);
  }
}
