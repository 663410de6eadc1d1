import { UsageError } from '../errors.js';
import { SEVERITY_RANK, type Severity } from '../model/finding.js';

/** Help text of `--fail-on`, the same for every subcommand. */
export const FAIL_ON_HELP = 'exit 1 when a finding of this severity or worse is present (info|warn|error)';

/** `--fail-on` value → severity; anything but info, warn or error is a usage error. */
export function parseFailOn(v: string | undefined): Severity | undefined {
  if (v === undefined) return undefined;
  if (!Object.hasOwn(SEVERITY_RANK, v)) throw new UsageError(`invalid --fail-on '${v}'`, 'one of info, warn, error');
  return v as Severity;
}
