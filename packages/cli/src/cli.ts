import { createRequire } from 'node:module';
import { closestName, formatValidationIssues } from '@faultline/core';
import { parseArguments, UsageError } from './arguments.js';
import type { Command } from './command.js';
import { diffCommand } from './commands/diff.js';
import { importCommand } from './commands/import.js';
import { pushCommand } from './commands/push.js';
import { runCommand } from './commands/run.js';
import { schemaCommand } from './commands/schema.js';
import { statusCommand } from './commands/status.js';
import { offCommand, onCommand } from './commands/switch.js';
import { validateCommand } from './commands/validate.js';
import { docsUrl } from './docs-links.js';
import { exitCodes } from './exit-codes.js';
import { RunSectionError } from './experiment-file.js';
import { type CommandOutput, createOutput, type Style } from './output.js';
import { defaultSeenVersionsPath } from './seen-versions.js';
import { StoreAccessError, StoreConflictError } from './stores/index.js';

/** Every command, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  validateCommand,
  schemaCommand,
  importCommand,
  pushCommand,
  diffCommand,
  statusCommand,
  offCommand,
  onCommand,
  runCommand,
];

/** Options of {@link runCli}. */
export interface RunCliOptions {
  readonly output?: CommandOutput;
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C, SIGTERM or SIGHUP (the binary wires them to it, with the signal's name as the reason). */
  readonly signal?: AbortSignal;
  /** Where versions you reviewed are remembered. Default `.faultline/cli-state.json`. */
  readonly statePath?: string;
}

function mainHelp(style: Style): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return `faultline — chaos experiments for serverless functions on AWS, Google Cloud and Azure

Usage: faultline <command> [options]   (faultline <command> --help for details)

Commands:
${commands.map((command) => `  ${style.bold(command.name.padEnd(width))}  ${command.summary}`).join('\n')}

Common options: --json (machine-readable output), --help
Exit codes: 0 ok · 1 invalid or deviated · 2 usage · 3 version conflict · 4 store error ·
130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP
Docs: ${docsUrl('cli')}
      ${docsUrl('running-experiments')}`;
}

/**
 * The version of this package (for `--version`).
 *
 * @example
 * ```ts
 * console.log(cliVersion()); // '0.1.0'
 * ```
 */
export function cliVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

/**
 * Runs the command line and returns the exit code; never calls `process.exit` (the binary does), so tests and
 * embedders can call it directly.
 *
 * @example
 * ```ts
 * const code = await runCli(['validate', 'experiments/pricing-latency.yaml']);
 * ```
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const output = options.output ?? createOutput({ environment: options.environment ?? process.env });
  const [name, ...rest] = argv;
  if (name === undefined) {
    // No command is a usage error: the help goes to stderr so nothing reads it as a result.
    output.error(mainHelp(output.errorStyle));
    return exitCodes.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && rest[0] !== undefined ? findCommand(rest[0]) : undefined;
    if (name === 'help' && rest[0] !== undefined && topic === undefined)
      return unknownCommand(output, rest[0]);
    output.line(topic === undefined ? mainHelp(output.style) : commandHelp(topic));
    return exitCodes.ok;
  }
  if (name === '--version' || name === '-v') {
    output.line(cliVersion());
    return exitCodes.ok;
  }
  const command = findCommand(name);
  if (command === undefined) return unknownCommand(output, name);
  if (rest.includes('--help') || rest.includes('-h')) {
    output.line(commandHelp(command));
    return exitCodes.ok;
  }
  const json = rest.includes('--json');
  try {
    const args = parseArguments(rest, command.flags);
    return await command.run({
      args,
      output,
      json,
      environment: options.environment ?? process.env,
      signal: options.signal ?? new AbortController().signal,
      statePath: options.statePath ?? defaultSeenVersionsPath,
    });
  } catch (error) {
    return reportError(output, json, command.name, error);
  }
}

/** A command's help with the link to its section of the CLI docs. */
function commandHelp(command: Command): string {
  return `${command.help}\n\nDocs: ${commandDocsUrl(command.name)}`;
}

function commandDocsUrl(name: string): string {
  if (name === 'run') return docsUrl('running-experiments');
  // GitHub-style heading anchors: "## faultline off / on" → #faultline-off--on.
  return docsUrl('cli', name === 'off' || name === 'on' ? 'faultline-off--on' : `faultline-${name}`);
}

function findCommand(name: string): Command | undefined {
  return commands.find((candidate) => candidate.name === name);
}

function unknownCommand(output: CommandOutput, name: string): number {
  const { errorStyle } = output;
  const names = commands.map((candidate) => candidate.name);
  const suggestion = closestName(name, names);
  output.error(`${errorStyle.red('✗')} faultline: unknown command "${name}"`);
  output.error(
    suggestion === undefined
      ? `  commands: ${names.join(', ')}`
      : `  hint: did you mean "faultline ${suggestion}"?`,
  );
  output.error(errorStyle.dim('  see: faultline --help'));
  return exitCodes.usage;
}

function reportError(output: CommandOutput, json: boolean, command: string, error: unknown): number {
  const style = output.errorStyle;
  const code =
    error instanceof UsageError
      ? exitCodes.usage
      : error instanceof RunSectionError
        ? exitCodes.invalidOrDeviated
        : error instanceof StoreConflictError
          ? exitCodes.conflict
          : error instanceof StoreAccessError
            ? exitCodes.storeError
            : exitCodes.storeError;
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    output.json({
      error: { name: error instanceof Error ? error.name : 'Error', message, exitCode: code },
      ...(error instanceof RunSectionError ? { issues: error.issues } : {}),
    });
    return code;
  }
  output.error(`${style.red('✗')} faultline ${command}: ${message}`);
  if (error instanceof RunSectionError && error.issues.length > 0) {
    for (const line of formatValidationIssues(error.issues).split('\n')) output.error(`  ${line}`);
  }
  if (error instanceof UsageError) {
    if (error.hint !== undefined) output.error(`  hint: ${error.hint}`);
    output.error(style.dim(`  see: faultline ${command} --help, ${commandDocsUrl(command)}`));
  } else if (
    !(
      error instanceof StoreConflictError ||
      error instanceof StoreAccessError ||
      error instanceof RunSectionError
    )
  ) {
    const cause = error instanceof Error && error.stack ? error.stack.split('\n').slice(1, 4).join('\n') : '';
    if (cause) output.error(style.dim(cause));
  }
  return code;
}
