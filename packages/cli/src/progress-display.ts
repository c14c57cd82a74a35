import type { ProgressStream, Style } from './output.js';
import type { RunPhase, RunProgress } from './runner/progress.js';

/** Options of {@link createProgressDisplay}. */
export interface ProgressDisplayOptions {
  /** Where progress goes (stderr). A TTY gets one live line; anything else gets timestamped lines. */
  readonly stream: ProgressStream;
  readonly style: Style;
  /** How often the live line is redrawn on a TTY. Default 250 ms. */
  readonly refreshMs?: number;
  /** Without a TTY, a timed phase this long or longer gets a "… s left" line every `plainIntervalMs`. Default 10 000 ms. */
  readonly plainIntervalMs?: number;
  /** Default `Date.now`. */
  readonly now?: () => number;
}

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Shows a run's progress the way people expect from a terminal tool: on a TTY, one live line with a spinner, the
 * phase and the time left (redrawn in place; events such as a breached stop condition print above it); in a log
 * (not a TTY), plain lines with a timestamp, plus a "… s left" line every 10 s during long waits, so a CI log never
 * looks stuck.
 *
 * @example
 * ```ts
 * const output = createOutput();
 * const progress = createProgressDisplay({ stream: output.progressStream, style: output.errorStyle });
 * await runExperiment({ document, run, progress });
 * ```
 */
export function createProgressDisplay(options: ProgressDisplayOptions): RunProgress {
  const { stream, style } = options;
  const now = options.now ?? Date.now;
  const live = stream.isTTY === true;
  const refreshMs = options.refreshMs ?? 250;
  const plainIntervalMs = options.plainIntervalMs ?? 10_000;
  let current: { phase: RunPhase; text: string; startedAt: number; durationMs?: number } | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let frame = 0;
  let drawn = false;

  const stamp = () => style.dim(new Date(now()).toISOString().slice(11, 19));
  const remaining = () => {
    if (current?.durationMs === undefined) return undefined;
    return Math.max(0, Math.ceil((current.startedAt + current.durationMs - now()) / 1000));
  };

  function clearLine(): void {
    if (drawn) stream.write('\r\u001b[2K');
    drawn = false;
  }

  function draw(): void {
    if (current === undefined) return;
    const left = remaining();
    const elapsed = Math.floor((now() - current.startedAt) / 1000);
    const time = left === undefined ? `${elapsed} s` : `${left} s left`;
    const mark = spinner[frame++ % spinner.length] ?? '';
    const plain = `${mark} ${current.phase}  ${time}  ${current.text}`;
    // Never wrap: a wrapped line cannot be redrawn in place.
    const columns = stream.columns || 80; // 0 on a terminal of unknown size
    const text =
      plain.length > columns - 1
        ? `${plain.slice(0, Math.max(10, columns - 2))}…`
        : `${style.cyan(mark)} ${style.bold(current.phase)}  ${time}  ${style.dim(current.text)}`;
    stream.write(`\r\u001b[2K${text}`);
    drawn = true;
  }

  function stopTimer(): void {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  }

  return {
    phase(phase, text, durationMs) {
      stopTimer();
      current = { phase, text, startedAt: now(), ...(durationMs === undefined ? {} : { durationMs }) };
      if (live) {
        draw();
        timer = setInterval(draw, refreshMs);
      } else {
        clearLine();
        stream.write(`${stamp()} ${text}\n`);
        if (durationMs !== undefined && durationMs >= 2 * plainIntervalMs) {
          timer = setInterval(() => {
            const left = remaining();
            if (left !== undefined && left > 0) stream.write(`${stamp()} ${phase}: ${left} s left\n`);
          }, plainIntervalMs);
        }
      }
      timer?.unref?.();
    },
    note(text) {
      clearLine();
      stream.write(`${stamp()} ${text}\n`);
      if (live) draw();
    },
    end() {
      stopTimer();
      clearLine();
      current = undefined;
    },
  };
}
