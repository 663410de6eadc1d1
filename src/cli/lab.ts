import type { Command } from 'commander';
import { EXIT, UsageError } from '../errors.js';
import type { CertChain } from '../lab/certs.js';
import { renderList, renderScenario, renderSummary } from '../lab/render.js';
import { getScenario, listScenarios, runScenario } from '../lab/runner.js';
import type { Scenario, ScenarioResult } from '../lab/scenario.js';
import { renderLabHtml } from '../report/html/lab.js';
import { parseDuration } from '../options/grammar.js';
import { schemaHeader } from '../report/schema.js';
import { useColor, type CliIO } from './io.js';
import { checkWritable, writeOutputFile } from './output-file.js';
import { COMMANDS, VERSION, type CommandResult } from './commands.js';

interface LabFlags {
  all?: boolean;
  json?: boolean;
  html?: string;
  color?: boolean;
  deadline?: string;
}

/** Longest a variant's workload may run, from --deadline. */
function parseDeadline(v: string | undefined): number {
  return v === undefined ? 20_000 : parseDuration(v, '--deadline', { min: 1000, max: 120_000 });
}

export async function runLab(names: string[], flags: LabFlags, io: CliIO): Promise<number> {
  const color = useColor(io, flags.color);
  const deadlineMs = parseDeadline(flags.deadline);
  if (names.length > 0 && flags.all) throw new UsageError('give scenario names or --all, not both');
  if (names.length === 0 && !flags.all) {
    if (flags.html !== undefined) throw new UsageError('--html needs scenarios to run', 'name them or give --all');
    const list = listScenarios();
    io.stdout(flags.json ? JSON.stringify({ ...schemaHeader('lab-list'), scenarios: list }, null, 2) + '\n' : renderList(list, color));
    return EXIT.ok;
  }
  // every name is checked before anything runs
  const scenarios: Scenario[] = flags.all ? listScenarios().map((s) => getScenario(s.name)) : names.map(getScenario);
  if (flags.html !== undefined) checkWritable('--html', flags.html);
  const progress = io.isTTY && !flags.json;
  const chains = new Map<string, Promise<CertChain>>();
  const results: ScenarioResult[] = [];
  for (const [i, scenario] of scenarios.entries()) {
    if (io.signal.aborted) break;
    const step = scenarios.length > 1 ? `[${i + 1}/${scenarios.length}] ` : '';
    const result = await runScenario(scenario, {
      signal: io.signal,
      deadlineMs,
      chains,
      onVariant: progress ? (variant, state) => io.stderr(state === 'start' ? `\r\x1b[K  ${step}running ${scenario.name}: ${variant}…` : '\r\x1b[K') : undefined,
    });
    results.push(result);
    if (!flags.json) io.stdout(renderScenario(result, color));
  }
  if (flags.json) {
    const passed = results.filter((r) => r.passed).length;
    io.stdout(JSON.stringify({ ...schemaHeader('lab'), passed, failed: results.length - passed, interrupted: io.signal.aborted, scenarios: results }) + '\n');
  } else if (results.length > 1 || io.signal.aborted) {
    io.stdout(renderSummary(results, color));
  }
  if (flags.html !== undefined) writeOutputFile('--html', flags.html, renderLabHtml(results, { version: VERSION, interrupted: io.signal.aborted }));
  const allPassed = results.length === scenarios.length && results.every((r) => r.passed);
  return allPassed ? EXIT.ok : EXIT.findings;
}

export function registerLab(program: Command, io: CliIO, result: CommandResult): void {
  program
    .command('lab')
    .description(COMMANDS.lab.summary)
    .argument('[scenarios...]', 'scenario names (none: list them)')
    .option('--all', 'run every scenario (what `npm start` runs)')
    .option('--json', 'machine output on stdout: before/after records, findings and verdicts')
    .option('--html <file>', 'also write a self-contained HTML report to FILE (each scenario before and after, side by side)')
    .option('--no-color', 'no colors (NO_COLOR is honoured too)')
    .option('--deadline <duration>', 'longest a before- or after-run may take (e.g. 20s, 1m, or bare seconds; 1s to 2m)', '20s')
    .action(async (names: string[], flags: LabFlags) => {
      result.exitCode = await runLab(names, flags, io);
    });
}
