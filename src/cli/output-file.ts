import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Refuses an unwritable output path (--har, --html) before any traffic, so a run is never made
 * for nothing: the file's directory must exist and be writable, and the path must not be a directory.
 */
export function checkWritable(flag: string, path: string): void {
  let code: string | undefined;
  try {
    const exists = statSync(path, { throwIfNoEntry: false });
    if (exists?.isDirectory()) code = 'EISDIR';
    else accessSync(exists ? path : dirname(path), constants.W_OK);
  } catch (err) {
    code = (err as NodeJS.ErrnoException).code ?? 'error';
  }
  if (code !== undefined) throw new UsageError(`cannot write ${flag} file ${path} (${code})`);
}

/** Writes an output file; a failure (disk full, path removed meanwhile) is one usage-error line. */
export function writeOutputFile(flag: string, path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new UsageError(`cannot write ${flag} file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
