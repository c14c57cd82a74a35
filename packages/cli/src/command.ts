import type { FlagSpec, ParsedArguments } from './arguments.js';
import type { CommandOutput } from './output.js';

/** What a command receives. */
export interface CommandContext {
  readonly args: ParsedArguments;
  readonly output: CommandOutput;
  /** `--json`: machine-readable stdout. */
  readonly json: boolean;
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C; long commands (run) roll back and return 130. */
  readonly signal: AbortSignal;
  /** Where `push`/`diff`/`status` remember the versions you saw. */
  readonly statePath: string;
}

/** One `faultline <name>` command. */
export interface Command {
  readonly name: string;
  /** One line for `faultline --help`. */
  readonly summary: string;
  /** Full `--help` text. */
  readonly help: string;
  readonly flags: FlagSpec;
  /** Returns the exit code. */
  run(context: CommandContext): Promise<number>;
}
