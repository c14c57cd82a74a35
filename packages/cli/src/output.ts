/**
 * Where a command writes. Human output goes to stdout with optional colour; progress goes to stderr so that
 * `--json` stdout stays machine-readable.
 */
export interface CommandOutput {
  /** Writes a line to stdout. */
  line(text?: string): void;
  /** Writes a progress / diagnostic line to stderr. */
  progress(text: string): void;
  /** Writes a value as JSON to stdout (for `--json`). */
  json(value: unknown): void;
  /** Colour helpers; identity functions when colour is off. */
  readonly style: Style;
}

/** ANSI styling used in readable output. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const identity = (text: string) => text;
const plainStyle: Style = {
  bold: identity,
  dim: identity,
  green: identity,
  red: identity,
  yellow: identity,
  cyan: identity,
};
const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const ansiStyle: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

/** Options of {@link createOutput}. */
export interface OutputOptions {
  readonly stdout?: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr?: { write(text: string): unknown; isTTY?: boolean };
  /** Default: on when stdout is a TTY and `NO_COLOR` is unset. */
  readonly color?: boolean;
  /** Suppress progress lines (e.g. with `--json`... or `--quiet`). */
  readonly quiet?: boolean;
}

/**
 * Creates the output used by every command.
 *
 * @example
 * ```ts
 * const output = createOutput({ color: false });
 * output.line(output.style.green('ok'));
 * ```
 */
export function createOutput(options: OutputOptions = {}): CommandOutput {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const color = options.color ?? (stdout.isTTY === true && process.env.NO_COLOR === undefined);
  return {
    line: (text = '') => void stdout.write(`${text}\n`),
    progress: (text) => {
      if (!options.quiet) stderr.write(`${text}\n`);
    },
    json: (value) => void stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    style: color ? ansiStyle : plainStyle,
  };
}

/**
 * Collects output in memory (tests, embedding).
 *
 * @example
 * ```ts
 * const output = createMemoryOutput();
 * await runCli(['schema'], { output });
 * JSON.parse(output.stdout);
 * ```
 */
export function createMemoryOutput(): CommandOutput & { readonly stdout: string; readonly stderr: string } {
  let out = '';
  let err = '';
  const output = createOutput({
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    color: false,
  });
  return {
    ...output,
    get stdout() {
      return out;
    },
    get stderr() {
      return err;
    },
  };
}
