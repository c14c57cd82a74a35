/**
 * Where a command writes, following the conventions of mature command lines: stdout carries the command's result
 * (a table, a report, JSON); errors, usage and progress go to stderr, so `faultline schema > file` and
 * `faultline validate --json | jq` never mix the two.
 */
export interface CommandOutput {
  /** Writes a line of the command's result to stdout. */
  line(text?: string): void;
  /** Writes an error or usage line to stderr (human mode; `--json` errors are results and use {@link json}). */
  error(text?: string): void;
  /** Writes a progress / diagnostic line to stderr (suppressed when quiet). */
  progress(text: string): void;
  /** Writes a value as JSON to stdout (for `--json`). */
  json(value: unknown): void;
  /** Colour helpers for stdout; identity functions when colour is off there. */
  readonly style: Style;
  /** Colour helpers for stderr (errors, progress); identity functions when colour is off there. */
  readonly errorStyle: Style;
  /** The stream progress goes to, for live displays (a TTY gets a redrawn line, anything else plain lines). */
  readonly progressStream: ProgressStream;
}

/** A writable stream as far as the output needs it. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** ANSI styling used in readable output. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const identity = (text: string) => text;
const plainStyle: Style = {
  enabled: false,
  bold: identity,
  dim: identity,
  green: identity,
  red: identity,
  yellow: identity,
  cyan: identity,
};
const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const ansiStyle: Style = {
  enabled: true,
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  green: wrap(32, 39),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
};

/**
 * Whether to colour a stream, by the conventions other tools follow: `FORCE_COLOR` wins when set (`0` or `false`
 * turn colour off, anything else — empty included — turns it on), then `NO_COLOR` turns colour off when it is set
 * to a non-empty value (an empty `NO_COLOR` is ignored, as no-color.org says), then `TERM=dumb` turns it off, and
 * otherwise colour follows whether the stream is a terminal.
 *
 * @example
 * ```ts
 * useColor({ isTTY: false }, { FORCE_COLOR: '1' }); // true
 * useColor({ isTTY: true }, { NO_COLOR: '' }); // true: an empty NO_COLOR does not count
 * ```
 */
export function useColor(
  stream: { readonly isTTY?: boolean },
  environment: Readonly<Record<string, string | undefined>>,
): boolean {
  const force = environment.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (environment.NO_COLOR !== undefined && environment.NO_COLOR !== '') return false;
  if (environment.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** Options of {@link createOutput}. */
export interface OutputOptions {
  readonly stdout?: ProgressStream;
  readonly stderr?: ProgressStream;
  /** Forces colour on or off for both streams. Default: `useColor` per stream (FORCE_COLOR, NO_COLOR, TERM, TTY). */
  readonly color?: boolean;
  /** Read for `FORCE_COLOR`, `NO_COLOR` and `TERM`. Default `process.env`. */
  readonly environment?: Readonly<Record<string, string | undefined>>;
  /** Suppress progress lines. */
  readonly quiet?: boolean;
}

/**
 * Creates the output used by every command.
 *
 * @example
 * ```ts
 * const output = createOutput({ color: false });
 * output.line(output.style.green('ok'));
 * output.error('something went wrong'); // stderr
 * ```
 */
export function createOutput(options: OutputOptions = {}): CommandOutput {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const environment = options.environment ?? process.env;
  const stdoutColor = options.color ?? useColor(stdout, environment);
  const stderrColor = options.color ?? useColor(stderr, environment);
  return {
    line: (text = '') => void stdout.write(`${text}\n`),
    error: (text = '') => void stderr.write(`${text}\n`),
    progress: (text) => {
      if (!options.quiet) stderr.write(`${text}\n`);
    },
    json: (value) => void stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    style: stdoutColor ? ansiStyle : plainStyle,
    errorStyle: stderrColor ? ansiStyle : plainStyle,
    progressStream: options.quiet ? { write: () => true, isTTY: false } : stderr,
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
