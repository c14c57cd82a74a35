/** Exit codes of the `faultline` binary (documented in the CLI docs, section "Exit codes"). */
export const exitCodes = {
  /** Success; for `run`: every target held its hypothesis. */
  ok: 0,
  /** The experiment is invalid, or a `run` deviated / did not start because the steady state did not hold. */
  invalidOrDeviated: 1,
  /** The command line is wrong. */
  usage: 2,
  /**
   * A store moved since you last saw it (optimistic concurrency); nothing was overwritten. On SSM also: a write
   * landed over someone else's concurrent write, which is named (it stays in the parameter history).
   */
  conflict: 3,
  /** A store could not be read or written (network, permissions, missing SDK). */
  storeError: 4,
  /** Interrupted with Ctrl-C, SIGINT (128 + 2; a run rolls back first). */
  interrupted: 130,
  /** Ended with SIGTERM (128 + 15): a cancelled CI job, `kill`. A run rolls back first. */
  terminated: 143,
  /** Ended with SIGHUP (128 + 1): the terminal was closed. A run rolls back first, silently. */
  hungUp: 129,
  /**
   * The reader of stdout went away (`faultline schema | head -1`): the process leaves quietly with the status of a
   * process ended by SIGPIPE (128 + 13), as `cat` or `yes` would.
   */
  brokenPipe: 141,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
