/**
 * The bench harness: suites return rows; `run.ts` discovers the suites, prints a table and writes
 * `bench/results.json`. Timing helpers here measure a candidate against a baseline in the same process,
 * interleaved round by round, so machine noise and CPU frequency drift hit both alike. Claims are ratios or
 * differences to that baseline, never absolute wall-clock numbers from another run.
 */

/** A pass/miss check on one row. */
export interface BenchTarget {
  /** The number checked: the row's `value`, `value − baseline` (`added`), or `value / baseline` (`ratio`). */
  readonly of: 'value' | 'added' | 'ratio';
  /** Upper bound (inclusive). */
  readonly max?: number;
  /** Lower bound (inclusive). */
  readonly min?: number;
}

/** One measured result, as written to `bench/results.json`. */
export interface BenchRow {
  /** Stable, human-readable name, prefixed by the area (e.g. `config-cache: peek() when fresh`). */
  readonly name: string;
  readonly value: number;
  /** `ns/op`, `ms`, `reads`, `kB`, … */
  readonly unit: string;
  /** The same quantity for the reference measured in the same run (bare handler, ideal count, …). */
  readonly baseline: number | null;
  /** `value / baseline` (null without a baseline or when the baseline is 0). */
  readonly ratio: number | null;
  readonly target?: BenchTarget;
  /** What the baseline is, how the number was obtained, anything a reader needs to trust it. */
  readonly note?: string;
  /** File name of the suite that produced the row; filled in by the runner. */
  readonly suite?: string;
  /** How many fresh processes measured the row; `value` and `baseline` are the medians over them. Set by the runner. */
  readonly runs?: number;
  /** Smallest and largest `value` over those processes. Set by the runner. */
  readonly valueRange?: readonly [number, number];
  /** Smallest and largest `baseline` over those processes. Set by the runner. */
  readonly baselineRange?: readonly [number, number];
}

/** Options of {@link BenchContext.scenario}. */
export interface ScenarioOptions {
  /**
   * Fresh processes that measure the scenario. Default: the runner's `--runs` (3; 1 with `--quick`). A scenario that
   * already takes medians over many fresh processes of its own (cold imports) says 1.
   */
  readonly runs?: number;
}

/** What a suite gets from the runner. */
export interface BenchContext {
  /** Fewer rounds and iterations (`BENCH_QUICK=1` or `--quick`): a smoke run, not for publishing numbers. */
  readonly quick: boolean;
  /** Progress output (stderr), so stdout stays the result table. */
  log(message: string): void;
  /**
   * One measurement. The runner measures each scenario in its own fresh processes (`node --expose-gc`, several
   * runs, interleaved with the other scenarios' runs) and reports the median over them with min–max, so neither
   * JIT state nor garbage left by another scenario, nor a burst of load in one run, moves the row. Everything a
   * suite reports comes from a scenario; setup that only a scenario needs belongs inside it.
   *
   * @example
   * ```ts
   * rows.push(...(await context.scenario('withFaults, nothing armed', async () => [createRow({ ... })])));
   * ```
   */
  scenario(key: string, measure: () => Promise<BenchRow[]>, options?: ScenarioOptions): Promise<BenchRow[]>;
}

/** A group of related measurements, exported as `suite` from a file in `bench/src/suites/`. */
export interface BenchSuite {
  readonly name: string;
  run(context: BenchContext): Promise<BenchRow[]>;
}

/**
 * Builds a row, computing the ratio.
 *
 * @example
 * ```ts
 * createRow({ name: 'config-cache: reads at expiry', value: 1, unit: 'reads', baseline: 1, target: { of: 'value', max: 1 } });
 * ```
 */
export function createRow(row: Omit<BenchRow, 'ratio'> & { ratio?: number | null }): BenchRow {
  const ratio =
    row.ratio !== undefined
      ? row.ratio
      : row.baseline === null || row.baseline === 0
        ? null
        : row.value / row.baseline;
  return { ...row, ratio };
}

/**
 * Whether a row meets its target (`undefined` when it has none or the number it needs is missing).
 *
 * @example
 * ```ts
 * meetsTarget(createRow({ name: 'x', value: 120, unit: 'ns/op', baseline: 60, target: { of: 'added', max: 1000 } })); // true
 * ```
 */
export function meetsTarget(row: BenchRow): boolean | undefined {
  const { target } = row;
  if (target === undefined) return undefined;
  let checked: number | null;
  if (target.of === 'value') checked = row.value;
  else if (target.of === 'added') checked = row.baseline === null ? null : row.value - row.baseline;
  else checked = row.ratio;
  if (checked === null || Number.isNaN(checked)) return undefined;
  if (target.max !== undefined && checked > target.max) return false;
  if (target.min !== undefined && checked < target.min) return false;
  return true;
}

/**
 * The median of a list of numbers (mean of the two middle values for an even count).
 *
 * @example
 * ```ts
 * medianOf([3, 1, 2]); // 2
 * ```
 */
export function medianOf(values: readonly number[]): number {
  return percentileOf(values, 0.5);
}

/**
 * The `fraction` percentile (0–1) by linear interpolation between closest ranks.
 *
 * @example
 * ```ts
 * percentileOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.99); // 9.91
 * ```
 */
export function percentileOf(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, fraction));
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const lowerValue = sorted[lower] as number;
  const upperValue = sorted[upper] as number;
  return lowerValue + (upperValue - lowerValue) * (position - lower);
}

/** Options of {@link measureInterleaved}. */
export interface InterleavedOptions {
  /** The reference, e.g. calling a bare handler. */
  readonly baseline: () => unknown;
  /** The same work through the code under test. */
  readonly candidate: () => unknown;
  /** Calls per round. Default: calibrated so one baseline round takes about `targetRoundMs`. */
  readonly iterations?: number;
  /** Measured rounds of each (alternating). Default 30. */
  readonly rounds?: number;
  /** Unmeasured rounds first, so the JIT has optimised both. Default 5. */
  readonly warmupRounds?: number;
  /**
   * Calibration goal for `iterations`. Default 1 ms (hrtime resolution then costs < 0.05 ns/op): on a busy machine
   * the scheduler takes the CPU away every few ms, so short rounds leave most round pairs untouched, and the median
   * of many short differences moves less than that of a few long ones.
   */
  readonly targetRoundMs?: number;
}

/** The result of {@link measureInterleaved}: medians over rounds, in nanoseconds per call. */
export interface InterleavedResult {
  readonly baselineNsPerOp: number;
  readonly candidateNsPerOp: number;
  /** Median of the per-round differences (candidate − baseline): robust against drift between rounds. */
  readonly addedNsPerOp: number;
  /** `candidateNsPerOp / baselineNsPerOp`. */
  readonly ratio: number;
  readonly iterations: number;
  readonly rounds: number;
  readonly baselineSamplesNsPerOp: readonly number[];
  readonly candidateSamplesNsPerOp: readonly number[];
}

/** How long {@link measureInterleaved} lets lazily loaded code finish before it measures. */
const settleMs = 100;

/** Results go here so the optimiser cannot drop the calls being measured. */
let blackhole: unknown;

/** Reads the blackhole (keeps it observable). */
export function consumeBlackhole(): unknown {
  return blackhole;
}

type Runner = (work: () => unknown, iterations: number) => Promise<bigint> | bigint;

function runSync(work: () => unknown, iterations: number): bigint {
  let last: unknown;
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) last = work();
  const elapsed = process.hrtime.bigint() - started;
  blackhole = last;
  return elapsed;
}

async function runAsync(work: () => unknown, iterations: number): Promise<bigint> {
  let last: unknown;
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) last = await work();
  const elapsed = process.hrtime.bigint() - started;
  blackhole = last;
  return elapsed;
}

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Measures `candidate` against `baseline` in one process: warm-up, then `rounds` rounds of each, alternating
 * which goes first, each round timing `iterations` calls with `process.hrtime.bigint()`. When either function
 * returns a promise, every call of both is awaited (same loop shape for both). Reports medians in ns per call.
 *
 * @example
 * ```ts
 * const handler = async () => 'ok';
 * const wrapped = wrapHandler(handler);
 * const result = await measureInterleaved({ baseline: () => handler(), candidate: () => wrapped() });
 * console.log(`${result.addedNsPerOp.toFixed(1)} ns added per invocation`);
 * ```
 */
export async function measureInterleaved(options: InterleavedOptions): Promise<InterleavedResult> {
  const { baseline, candidate } = options;
  const asynchronous = isThenable(baseline()) || isThenable(candidate());
  if (asynchronous) {
    await baseline();
    await candidate();
  }
  return measureWith(asynchronous ? runAsync : runSync, options);
}

/**
 * {@link measureInterleaved} for synchronous functions only, without any `await` in the measuring loop.
 *
 * @example
 * ```ts
 * const result = await measureInterleavedSync({ baseline: () => holder.value, candidate: () => config.peek() });
 * ```
 */
export function measureInterleavedSync(options: InterleavedOptions): Promise<InterleavedResult> {
  return measureWith(runSync, options);
}

async function measureWith(runner: Runner, options: InterleavedOptions): Promise<InterleavedResult> {
  const { baseline, candidate } = options;
  const rounds = options.rounds ?? 30;
  const warmupRounds = options.warmupRounds ?? 5;
  // Give lazily loaded code a turn of the event loop before measuring, as it has between a function's real
  // invocations: a measuring loop that only awaits settled promises runs on microtasks, so a dynamic import started
  // by the code under test (e.g. an adapter's native field reader) would never finish and every call would be
  // measured on the path a cold instance takes for its first invocations only.
  await baseline();
  await candidate();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  // Warm both up before calibrating, so the loop's call site is already as polymorphic as when measuring, and V8
  // has optimised both: calibrating on code still in the interpreter chose rounds of 80 to 640 calls (8–60 µs),
  // whose first ones ran unoptimised and whose per-call times a single timer tick or preemption moved by tens of ns.
  await warmUp(runner, baseline, candidate);
  const iterations =
    options.iterations ?? (await calibrate(runner, baseline, candidate, options.targetRoundMs ?? 1));

  for (let round = 0; round < warmupRounds; round++) {
    await runner(baseline, iterations);
    await runner(candidate, iterations);
  }

  const baselineSamples: number[] = [];
  const candidateSamples: number[] = [];
  const differences: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // A collection between rounds (outside the timed loops), so garbage from one round is not collected in the
    // next one's time. The runner starts scenarios with --expose-gc; elsewhere this is a no-op.
    collectGarbage();
    let baselineNs: bigint;
    let candidateNs: bigint;
    if (round % 2 === 0) {
      baselineNs = await runner(baseline, iterations);
      candidateNs = await runner(candidate, iterations);
    } else {
      candidateNs = await runner(candidate, iterations);
      baselineNs = await runner(baseline, iterations);
    }
    const baselinePerOp = Number(baselineNs) / iterations;
    const candidatePerOp = Number(candidateNs) / iterations;
    baselineSamples.push(baselinePerOp);
    candidateSamples.push(candidatePerOp);
    differences.push(candidatePerOp - baselinePerOp);
  }
  const baselineNsPerOp = medianOf(baselineSamples);
  const candidateNsPerOp = medianOf(candidateSamples);
  return {
    baselineNsPerOp,
    candidateNsPerOp,
    addedNsPerOp: medianOf(differences),
    ratio: candidateNsPerOp / baselineNsPerOp,
    iterations,
    rounds,
    baselineSamplesNsPerOp: baselineSamples,
    candidateSamplesNsPerOp: candidateSamples,
  };
}

/** Calls per warm-up chunk; how many calls and how long both get at least, and at most how long, before calibration. */
const warmUpChunk = 100;
const warmUpMinCalls = 20_000;
const warmUpMinMs = 100;
const warmUpMaxMs = 1_000;

/**
 * Runs both functions in alternating chunks until each has been called at least {@link warmUpMinCalls} times and
 * {@link warmUpMinMs} have passed (or, for slow work such as real requests, {@link warmUpMaxMs}): enough for V8 to
 * optimise both (it tiers up after some thousands of calls, compiling on a background thread), so calibration and
 * measurement see the code a warm instance runs.
 */
async function warmUp(runner: Runner, baseline: () => unknown, candidate: () => unknown): Promise<void> {
  const started = process.hrtime.bigint();
  const enough = BigInt(warmUpMinMs * 1e6);
  const most = BigInt(warmUpMaxMs * 1e6);
  let calls = 0;
  for (;;) {
    await runner(baseline, warmUpChunk);
    await runner(candidate, warmUpChunk);
    calls += warmUpChunk;
    const elapsed = process.hrtime.bigint() - started;
    if ((calls >= warmUpMinCalls && elapsed >= enough) || elapsed >= most) return;
  }
}

/** Forces a full garbage collection when the process runs with `--expose-gc`. */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Doubles the iteration count until one round of both functions takes at least `targetRoundMs` (capped). Each
 * count is timed three times and the fastest counts: noise only ever adds time, so one preempted or collected
 * round cannot stop the doubling early (which made rounds several times shorter than the goal).
 */
async function calibrate(
  runner: Runner,
  baseline: () => unknown,
  candidate: () => unknown,
  targetRoundMs: number,
): Promise<number> {
  const targetNs = BigInt(Math.round(targetRoundMs * 1e6));
  let iterations = 10;
  while (iterations < maxIterations) {
    let fastest: bigint | undefined;
    for (let probe = 0; probe < 3; probe++) {
      const elapsed = (await runner(baseline, iterations)) + (await runner(candidate, iterations));
      if (fastest === undefined || elapsed < fastest) fastest = elapsed;
    }
    if ((fastest as bigint) >= targetNs) break;
    iterations *= 2;
  }
  return Math.min(iterations, maxIterations);
}

/** At ~1 ns per call this is still a 1 ms round; more would only make interleaving coarser. */
const maxIterations = 1_000_000;

/**
 * Formats a number for the table: thousands separators for large values, up to 3 significant decimals for small.
 *
 * @example
 * ```ts
 * formatNumber(12345.678); // "12,346"
 * formatNumber(0.01234); // "0.0123"
 * ```
 */
export function formatNumber(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  const magnitude = Math.abs(value);
  if (magnitude >= 1_000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  if (magnitude === 0) return '0';
  return value.toPrecision(3);
}

/**
 * Describes a target for the table, e.g. `added ≤ 1,000`.
 *
 * @example
 * ```ts
 * describeTarget({ of: 'value', max: 1 }); // "≤ 1"
 * ```
 */
export function describeTarget(target: BenchTarget | undefined): string {
  if (target === undefined) return '';
  const subject = target.of === 'value' ? '' : `${target.of} `;
  const bounds: string[] = [];
  if (target.min !== undefined) bounds.push(`≥ ${formatNumber(target.min)}`);
  if (target.max !== undefined) bounds.push(`≤ ${formatNumber(target.max)}`);
  return `${subject}${bounds.join(' and ')}`;
}
