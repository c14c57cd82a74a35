// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text in this file.
/**
 * The `run` section of an experiment file: everything `faultline run` needs to follow the chaos-engineering method
 * (steady state → hypothesis → smallest blast radius with a stop button → measure → roll back). The function
 * runtime ignores this section; only the CLI reads it.
 *
 * Target URLs and store coordinates are often known only at run time (a demo's free port, an emulator host), so
 * every string in this section may hold `${NAME}` or `${NAME:-default}` placeholders. They are kept verbatim by
 * validation and resolved by the CLI from `--set NAME=value` and the environment; this file only defines their
 * syntax ({@link createPlaceholderPattern}).
 */
import { clouds } from '../invocation/invocation.js';
import type { Infer, Properties, Schema, ValidationIssue } from '../schema/schema.js';
import { describeValue, invalid, isPlainObject, joinPath } from '../schema/schema.js';
import * as s from '../schema/schema-builders.js';
import {
  type AlarmStopCondition,
  alarmStopConditionSchema,
  type MetricProbe,
  metricProbeMeasures,
  metricProbeSchema,
} from './metric-probes.js';

/**
 * Metrics a stop condition can watch. Ratios are in [0, 1]; latencies in milliseconds; `errorCount` counts failed
 * requests in the window.
 */
export const stopMetrics = [
  'successRatio',
  'errorRate',
  'latencyP95Ms',
  'latencyP99Ms',
  'errorCount',
] as const;
export type StopMetric = (typeof stopMetrics)[number];

/** Comparison operators of a stop condition: `lt` (below) and `gt` (above). */
export const stopOperators = ['lt', 'gt'] as const;
export type StopOperator = (typeof stopOperators)[number];

/** Default of `expiryMarginSeconds`: room for a slow rollback and for clock skew between the runner and the functions. */
export const defaultExpiryMarginSeconds = 120;

/** Default wait after a push so every instance refreshes its cached config (the SDK's default TTL is 30 s + 10 %). */
export const defaultPropagationWaitMs = 35_000;

/**
 * The placeholder syntax of the `run` section, as a fresh global regular expression (its `lastIndex` is the
 * caller's own): group 1 is the variable name, group 2 the default after `:-` (`undefined` when there is none).
 *
 * @example
 * ```ts
 * 'http://${HOST:-127.0.0.1}/x'.replace(createPlaceholderPattern(), (_match, name, fallback) => fallback ?? '');
 * ```
 */
export function createPlaceholderPattern(): RegExp {
  return /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
}

const placeholderPattern = createPlaceholderPattern();

/** True when `text` holds at least one `${NAME}` placeholder. */
export function hasPlaceholder(text: string): boolean {
  placeholderPattern.lastIndex = 0;
  return placeholderPattern.test(text);
}

/** An http(s) URL, or a string holding placeholders that will become one. */
function urlString(description: string): Schema<string> {
  const base = s.string({ minLength: 1, maxLength: 2048, description });
  return {
    kind: 'string',
    description,
    validate(value, path, issues) {
      const text = base.validate(value, path, issues);
      if (text === invalid || hasPlaceholder(text)) return text;
      if (!isHttpUrl(text)) {
        issues.push({
          path,
          message: `must be an http:// or https:// URL, got ${describeValue(text)}`,
          hint: 'write it like http://127.0.0.1:8080/orders/o-1001, or use ${NAME} and pass --set NAME=...',
        });
        return invalid;
      }
      return text;
    },
    toJsonSchema() {
      return {
        ...base.toJsonSchema(),
        examples: ['http://127.0.0.1:8080/orders/o-1001', '${AWS_DEMO_URL}/orders/1'],
      };
    },
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const name = (description: string) => s.string({ minLength: 1, maxLength: 512, description });

/** A store variant: its `kind` first (the discriminant), then its coordinates. */
function storeVariant<const Kind extends string, P extends Properties>(
  kind: Kind,
  properties: P,
  description: string,
) {
  return s.object({ kind: s.required(s.oneOf([kind])), ...properties }, { description });
}

/**
 * Every config store `faultline push` and `faultline run` can write to, by kind: the one list of store kinds (the
 * CLI opens exactly these). Adding a store starts here.
 */
const storeVariants = {
  'aws-ssm': storeVariant(
    'aws-ssm',
    {
      parameter: s.required(name('SSM parameter name, e.g. `/faultline/orders`.')),
      endpoint: s.optional(
        urlString('Endpoint override (e.g. a local moto server); default: the AWS endpoint.'),
      ),
      region: s.optional(name('AWS region; default: the SDK default chain (`AWS_REGION`).')),
    },
    'An AWS Systems Manager parameter (String), written with version checks.',
  ),
  'aws-appconfig': storeVariant(
    'aws-appconfig',
    {
      application: s.required(name('AppConfig application name or id, e.g. `orders`.')),
      environment: s.required(name('AppConfig environment name or id the functions read, e.g. `prod`.')),
      profile: s.required(name('Freeform configuration profile (hosted) name or id, e.g. `faultline`.')),
      strategy: s.optional(
        name(
          'Deployment strategy name or id for push and on; default `AppConfig.AllAtOnce`. Switching off always deploys all at once, without bake time.',
        ),
      ),
      endpoint: s.optional(
        urlString('Endpoint override (e.g. a local AppConfig); default: the AWS endpoint.'),
      ),
      region: s.optional(name('AWS region; default: the SDK default chain (`AWS_REGION`).')),
    },
    'An AWS AppConfig configuration profile: each write is a hosted configuration version and a deployment, guarded by LatestVersionNumber and LatestDeploymentNumber.',
  ),
  'gcp-firestore': storeVariant(
    'gcp-firestore',
    {
      document: s.required(name('Document path `collection/document`, e.g. `faultline/orders`.')),
      projectId: s.optional(name('Google Cloud project id; default: the client default.')),
      emulatorHost: s.optional(name('Firestore emulator `host:port`; default: `FIRESTORE_EMULATOR_HOST`.')),
    },
    'A Firestore document, written with `lastUpdateTime` preconditions.',
  ),
  'azure-app-configuration': storeVariant(
    'azure-app-configuration',
    {
      key: s.required(name('Key of the setting, e.g. `faultline:orders`.')),
      label: s.optional(
        s.string({ maxLength: 512, description: 'Label of the setting; default: no label.' }),
      ),
      endpoint: s.optional(
        urlString('Store endpoint (https://NAME.azconfig.io) when using Entra ID credentials.'),
      ),
      connectionStringEnv: s.optional(
        name('Name of the environment variable holding the connection string (never the secret itself).'),
      ),
      caFile: s.optional(name('PEM file of a private CA, e.g. for a local HTTPS test server.')),
    },
    'An Azure App Configuration key-value, written with `If-Match` ETags.',
  ),
  file: storeVariant(
    'file',
    { path: s.required(name('Path of the JSON file the functions read (`FAULTLINE_CONFIG_FILE`).')) },
    'A local JSON file (tests, local runs).',
  ),
} as const;

/** A kind of config store (`store.kind` of a run target). */
export type RunStoreKind = keyof typeof storeVariants;

/** Config stores `faultline push` and `faultline run` can write to, in the order the JSON Schema lists them. */
export const runStoreKinds = Object.keys(storeVariants) as readonly RunStoreKind[];

type StoreVariants = { [K in RunStoreKind]: Infer<(typeof storeVariants)[K]> };

/** Where one target's experiment document lives. */
export type RunStore = StoreVariants[RunStoreKind];

// Each entry's key is its own kind (a wrong key would route validation to the wrong variant).
const _keysMatchKinds: { readonly [K in RunStoreKind]: Schema<{ readonly kind: K }> } = storeVariants;

const storeKindSchema = s.oneOf(runStoreKinds, { description: 'Which kind of store.' });

/** A union discriminated by `kind`: the kind is checked first, so errors speak about the right variant. */
const storeSchema: Schema<RunStore> = {
  kind: 'object',
  description: 'The config store the target function reads its experiment from.',
  validate(value, path, issues) {
    if (!isPlainObject(value)) {
      issues.push({
        path,
        message: `must be an object, got ${describeValue(value)}`,
        hint: 'e.g. { kind: file, path: .faultline/demo.json }',
      });
      return invalid;
    }
    if (value.kind === undefined) {
      issues.push({
        path: joinPath(path, 'kind'),
        message: 'is required',
        hint: `one of ${runStoreKinds.join(', ')}`,
      });
      return invalid;
    }
    const kind = storeKindSchema.validate(value.kind, joinPath(path, 'kind'), issues);
    if (kind === invalid) return invalid;
    return storeVariants[kind].validate(value, path, issues);
  },
  toJsonSchema() {
    return {
      description: 'The config store the target function reads its experiment from.',
      oneOf: runStoreKinds.map((kind) => storeVariants[kind].toJsonSchema()),
    };
  },
};

const headerRecord = s.record(s.string({ maxLength: 8192 }), {
  maxProperties: 64,
  description: 'Request headers sent with every probe request.',
});

const probeSchema = s.object(
  {
    url: s.required(
      urlString('URL requested by probes and load (loopback in tests), e.g. `${AWS_DEMO_URL}/orders/1`.'),
    ),
    method: s.defaulted(s.oneOf(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] as const), 'GET'),
    headers: s.optional(headerRecord),
    body: s.optional(s.string({ maxLength: 65_536, description: 'Request body for POST/PUT/PATCH.' })),
    timeoutMs: s.defaulted(
      s.number({
        integer: true,
        minimum: 1,
        maximum: 120_000,
        unit: 'ms',
        description: 'Per-request timeout; a timed-out request counts as a failure.',
      }),
      5000,
    ),
    expectStatus: s.optional(
      s.array(s.number({ integer: true, minimum: 100, maximum: 599 }), {
        minItems: 1,
        maxItems: 32,
        description: 'Statuses counted as success; default: any 2xx or 3xx.',
      }),
    ),
  },
  { description: 'How to call the target: one HTTP request per probe / load tick.' },
);

const targetSchema = s.object(
  {
    name: s.required(
      s.string({
        minLength: 1,
        maxLength: 64,
        pattern: { regex: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, description: 'letters, digits, `.`, `_` or `-`' },
        description: 'Short name shown in the report, e.g. `aws`.',
      }),
    ),
    cloud: s.required(s.oneOf(clouds, { description: 'Which cloud the target runs on.' })),
    store: s.required(storeSchema),
    probe: s.optional(probeSchema),
    metrics: s.optional(
      s.array(metricProbeSchema, {
        minItems: 1,
        maxItems: 8,
        description:
          "Metric probes: the target's real traffic from its cloud's monitoring (CloudWatch, Cloud Monitoring, Azure Monitor), judged by the same tolerances and stop conditions as the probe's requests.",
      }),
    ),
  },
  {
    description:
      'One function under test: where its experiment is stored, and how it is observed (a probe driven by `load`, metric probes, or both).',
    refine: (value: { metrics?: readonly MetricProbe[] }, path: string, issues: ValidationIssue[]) => {
      const seen = new Set<string>();
      (value.metrics ?? []).forEach((probe, index) => {
        const label = probe.name ?? probe.kind;
        if (seen.has(label)) {
          issues.push({
            path: joinPath(joinPath(joinPath(path, 'metrics'), index), 'name'),
            message: `duplicates the metric probe name "${label}"`,
            hint: 'give each metric probe of a target its own name',
          });
        }
        seen.add(label);
      });
    },
  },
);

const maxTolerance = (unit: string, description: string) =>
  s.object({ max: s.required(s.number({ minimum: 0, maximum: 3_600_000, unit, description })) });

/**
 * How a command string of `steadyState.commands` splits into arguments when it runs without a shell (the
 * default): a small, predictable subset of POSIX shell quoting. Words are separated by blanks; `'…'` keeps
 * everything literal, `"…"` too except `\"`, `\\`, `\$` and `` \` ``; a backslash outside quotes escapes the next
 * character. `${NAME}` placeholders stay inside their word, so a value put in later is always one argument,
 * whatever it contains. Shell syntax (pipes, `;`, `&&`, redirections, `$VAR`, `$(…)`, backticks, globs, `~`) is
 * refused with its position: such a command needs `shell: true`.
 *
 * @example
 * ```ts
 * import { splitCommandLine } from '@faultline/core';
 * splitCommandLine('./check-queue.sh --queue ${QUEUE} "two words"');
 * // { ok: true, words: ['./check-queue.sh', '--queue', '${QUEUE}', 'two words'] }
 * ```
 */
export function splitCommandLine(
  text: string,
): { readonly ok: true; readonly words: string[] } | { readonly ok: false; readonly reason: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let index = 0;
  const refuse = (what: string) => ({
    ok: false as const,
    reason: `uses shell syntax (${what} at character ${index + 1})`,
  });
  /** Appends the `${NAME}` placeholder at `index` to the word; false when the `$` starts something else. */
  const takePlaceholder = (): boolean => {
    const placeholder = placeholderAt(text, index);
    if (placeholder === undefined) return false;
    word += placeholder;
    index += placeholder.length;
    return true;
  };
  while (index < text.length) {
    const character = text.charAt(index);
    if (character === ' ' || character === '\t' || character === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      index++;
      continue;
    }
    inWord = true;
    if (character === "'") {
      const end = text.indexOf("'", index + 1);
      if (end === -1) return { ok: false, reason: `has an unclosed ' (character ${index + 1})` };
      word += text.slice(index + 1, end);
      index = end + 1;
      continue;
    }
    if (character === '"') {
      index++;
      let closed = false;
      while (index < text.length) {
        const inner = text.charAt(index);
        if (inner === '"') {
          closed = true;
          index++;
          break;
        }
        if (inner === '\\' && index + 1 < text.length && '"\\$`'.includes(text.charAt(index + 1))) {
          word += text.charAt(index + 1);
          index += 2;
          continue;
        }
        if (inner === '`') return refuse('a backtick');
        if (inner === '$') {
          if (!takePlaceholder()) return refuse('"$"');
          continue;
        }
        word += inner;
        index++;
      }
      if (!closed) return { ok: false, reason: 'has an unclosed "' };
      continue;
    }
    if (character === '\\') {
      if (index + 1 >= text.length) return { ok: false, reason: 'ends with a lone backslash' };
      word += text.charAt(index + 1);
      index += 2;
      continue;
    }
    if (character === '$') {
      if (!takePlaceholder()) return refuse('"$"');
      continue;
    }
    if ('|&;<>()`'.includes(character)) return refuse(`"${character}"`);
    if ('*?['.includes(character)) return refuse(`the glob "${character}"`);
    if (character === '~' && word === '') return refuse('"~"');
    if (character === '#' && word === '') return refuse('a comment');
    word += character;
    index++;
  }
  if (inWord) words.push(word);
  if (words.length === 0) return { ok: false, reason: 'is empty' };
  return { ok: true, words };
}

/** The `${NAME}` / `${NAME:-default}` placeholder starting at `index`, or `undefined`. */
function placeholderAt(text: string, index: number): string | undefined {
  const pattern = createPlaceholderPattern();
  pattern.lastIndex = index;
  const match = pattern.exec(text);
  return match !== null && match.index === index ? match[0] : undefined;
}

const commandProbeSchema = s.object(
  {
    run: s.required(
      s.anyOf(
        [
          s.string({ minLength: 1, maxLength: 4096 }),
          s.array(s.string({ maxLength: 4096 }), { minItems: 1, maxItems: 256 }),
        ],
        {
          description:
            'The command: an argv list (`["./check.sh", "--queue", "${QUEUE}"]`), or one string split into ' +
            'arguments with simple quoting. Runs without a shell; each placeholder becomes part of one argument.',
        },
      ),
    ),
    shell: s.defaulted(
      s.boolean({
        description:
          'Run `run` (a string) with `/bin/sh -c`, for pipes and redirections. Placeholders are then passed as ' +
          'positional parameters ("$1", …), never pasted into the script. Default false.',
      }),
      false,
    ),
    name: s.optional(
      s.string({
        minLength: 1,
        maxLength: 256,
        description:
          'Shown in the verdict and the report. Default: the command as written (placeholders unresolved).',
      }),
    ),
    expectExitCode: s.defaulted(s.number({ integer: true, minimum: 0, maximum: 255 }), 0),
    timeoutMs: s.defaulted(s.number({ integer: true, minimum: 1, maximum: 600_000, unit: 'ms' }), 10_000),
  },
  {
    description: 'A command that must exit with `expectExitCode` for the steady state to hold.',
    refine: (
      value: { run: string | readonly string[]; shell: boolean },
      path: string,
      issues: ValidationIssue[],
    ) => {
      if (typeof value.run !== 'string') {
        if (value.run[0] === '') {
          issues.push({ path: joinPath(joinPath(path, 'run'), 0), message: 'must name the program to run' });
        }
        if (value.shell) {
          issues.push({
            path: joinPath(path, 'shell'),
            message: 'needs run to be one string (the shell script)',
            hint: 'write run as a string, or drop shell: true to run the argv list directly',
          });
        }
        return;
      }
      if (value.shell) return;
      const split = splitCommandLine(value.run);
      if (!split.ok) {
        issues.push({
          path: joinPath(path, 'run'),
          message: split.reason,
          hint: 'commands run without a shell: write run as an argv list, or set shell: true (placeholders stay single arguments either way)',
        });
      }
    },
  },
);

const steadyStateSchema = s.object(
  {
    successRatio: s.optional(
      s.object({
        min: s.required(
          s.number({
            minimum: 0,
            maximum: 1,
            description: 'Lowest acceptable share of successful requests, in [0, 1].',
            hint: (value) => (value > 1 && value <= 100 ? `did you mean ${value / 100}?` : undefined),
          }),
        ),
      }),
    ),
    latencyMs: s.optional(
      s.object(
        {
          p50: s.optional(maxTolerance('ms', 'Highest acceptable median latency.')),
          p95: s.optional(maxTolerance('ms', 'Highest acceptable 95th percentile latency.')),
          p99: s.optional(maxTolerance('ms', 'Highest acceptable 99th percentile latency.')),
        },
        { description: 'Latency percentiles with tolerances, in milliseconds.' },
      ),
    ),
    commands: s.optional(s.array(commandProbeSchema, { maxItems: 16 })),
    sampleSeconds: s.defaulted(
      s.number({
        minimum: 1,
        maximum: 600,
        unit: 's',
        description: 'How long the steady-state sample runs before injecting.',
      }),
      4,
    ),
  },
  {
    description:
      'What "working" means, checked before injecting (else the run stops) and during the fault window.',
    refine: (
      value: { successRatio?: unknown; latencyMs?: unknown; commands?: unknown },
      path: string,
      issues: ValidationIssue[],
    ) => {
      if (value.successRatio === undefined && value.latencyMs === undefined && value.commands === undefined) {
        issues.push({
          path,
          message: 'must state at least one tolerance',
          hint: 'e.g. successRatio: { min: 0.99 } or latencyMs: { p95: { max: 600 } }',
        });
      }
    },
  },
);

/** Load drivers `faultline run` can use: its own generator, or Artillery for load beyond one machine. */
export const loadDrivers = ['builtin', 'artillery'] as const;
export type LoadDriver = (typeof loadDrivers)[number];

const artillerySchema = s.object(
  {
    platform: s.defaulted(
      s.oneOf(['local', 'lambda', 'fargate'] as const, {
        description:
          'Where Artillery runs its workers: `local` (this machine), `lambda` or `fargate` (your AWS account: `artillery run-lambda` / `run-fargate`).',
      }),
      'local' as 'local' | 'lambda' | 'fargate',
    ),
    region: s.optional(name('AWS region of the lambda/fargate workers.')),
    count: s.optional(
      s.number({
        integer: true,
        minimum: 1,
        maximum: 5000,
        description: 'Number of lambda/fargate workers; the rate is split between them.',
      }),
    ),
  },
  { description: 'Options of the Artillery driver.' },
);

const loadSchema = s.object(
  {
    driver: s.defaulted(
      s.oneOf(loadDrivers, {
        description:
          '`builtin` (default): faultline sends the requests itself. `artillery`: faultline writes an Artillery script from the probe, runs Artillery and judges from its numbers (needs the `artillery` package and Node >= 22.18).',
      }),
      'builtin' as LoadDriver,
    ),
    artillery: s.optional(artillerySchema),
    ratePerSecond: s.required(
      s.number({
        minimum: 0.1,
        maximum: 100_000,
        unit: 'requests/s',
        description: 'Requests per second, per target.',
      }),
    ),
    durationSeconds: s.required(
      s.number({
        minimum: 1,
        maximum: 3600,
        unit: 's',
        description: 'Length of the fault window (when there is no ramp).',
      }),
    ),
    concurrency: s.defaulted(
      s.number({
        integer: true,
        minimum: 1,
        maximum: 256,
        description: 'Most requests in flight at once, per target.',
      }),
      8,
    ),
  },
  {
    description:
      'Synthetic traffic driven at every target with a probe, from the steady state to the recovery.',
    refine: (
      value: { driver: LoadDriver; ratePerSecond: number; artillery?: unknown },
      path: string,
      issues: ValidationIssue[],
    ) => {
      if (value.driver === 'builtin' && value.ratePerSecond > 1000) {
        issues.push({
          path: joinPath(path, 'ratePerSecond'),
          message: `is ${value.ratePerSecond} requests/s, more than the built-in generator sends from one machine (1000)`,
          hint: 'use driver: artillery for more load, or lower the rate',
        });
      }
      if (value.driver !== 'artillery' && value.artillery !== undefined) {
        issues.push({
          path: joinPath(path, 'artillery'),
          message: 'is only used with driver: artillery',
          hint: 'add driver: artillery, or remove this section',
        });
      }
    },
  },
);

const thresholdStopConditionSchema = s.object(
  {
    metric: s.required(s.oneOf(stopMetrics)),
    op: s.required(
      s.oneOf(stopOperators, { description: '`lt`: breach when below; `gt`: breach when above.' }),
    ),
    value: s.required(s.number({ minimum: 0, maximum: 3_600_000 })),
    windowSeconds: s.defaulted(
      s.number({
        minimum: 0.5,
        maximum: 600,
        unit: 's',
        description: 'Sliding window the metric is computed over.',
      }),
      5,
    ),
    minSamples: s.defaulted(
      s.number({
        integer: true,
        minimum: 1,
        maximum: 100_000,
        description: 'Fewer requests in the window never breach.',
      }),
      5,
    ),
  },
  {
    description: 'The stop button: when breached on any target, faults are switched off everywhere at once.',
    refine: (value: { metric: StopMetric; value: number }, path: string, issues: ValidationIssue[]) => {
      if ((value.metric === 'successRatio' || value.metric === 'errorRate') && value.value > 1) {
        const message = `must be a ratio between 0 and 1 for ${value.metric}, got ${value.value}`;
        issues.push(
          value.value <= 100
            ? { path: joinPath(path, 'value'), message, hint: `did you mean ${value.value / 100}?` }
            : { path: joinPath(path, 'value'), message },
        );
      }
    },
  },
);

/** A stop condition: a threshold on a metric of every target, or CloudWatch alarms (discriminated by `kind`). */
const stopConditionSchema: Schema<ThresholdStopCondition | AlarmStopCondition> = {
  kind: 'object',
  description: thresholdStopConditionSchema.description,
  validate(value, path, issues) {
    if (isPlainObject(value) && value.kind !== undefined) {
      if (value.kind !== 'cloudwatch-alarm') {
        issues.push({
          path: joinPath(path, 'kind'),
          message: `must be cloudwatch-alarm, got ${describeValue(value.kind)}`,
          hint: 'leave kind out for a threshold condition (metric, op, value)',
        });
        return invalid;
      }
      return alarmStopConditionSchema.validate(value, path, issues);
    }
    return thresholdStopConditionSchema.validate(value, path, issues);
  },
  toJsonSchema() {
    return {
      anyOf: [thresholdStopConditionSchema.toJsonSchema(), alarmStopConditionSchema.toJsonSchema()],
    };
  },
};

const rampStepSchema = s.object(
  {
    probability: s.required(
      s.number({
        minimum: 0,
        maximum: 1,
        description: 'Probability given to every fault during this step.',
        hint: (value) => (value > 1 && value <= 100 ? `did you mean ${value / 100}?` : undefined),
      }),
    ),
    durationSeconds: s.required(s.number({ minimum: 1, maximum: 3600, unit: 's' })),
  },
  { description: 'One step of the ramp.' },
);

/** The schema of the `run` section (see the module comment). */
export const runSectionSchema = s.object(
  {
    hypothesis: s.required(
      s.string({
        minLength: 1,
        maxLength: 4000,
        description: 'What you expect to stay true while the faults are active.',
      }),
    ),
    targets: s.required(
      s.array(targetSchema, {
        minItems: 1,
        maxItems: 32,
        description: 'The functions under test, one per cloud or stage.',
      }),
    ),
    steadyState: s.required(steadyStateSchema),
    load: s.optional(loadSchema),
    durationSeconds: s.optional(
      s.number({
        minimum: 1,
        maximum: 86_400,
        unit: 's',
        description:
          'Length of the fault window when there is neither `load` nor `ramp` (an observe-only run judged by metric probes).',
      }),
    ),
    stopConditions: s.defaulted(s.array(stopConditionSchema, { maxItems: 16 }), []),
    ramp: s.optional(
      s.array(rampStepSchema, {
        minItems: 1,
        maxItems: 20,
        description:
          'Scale the fault probability step by step; replaces `load.durationSeconds` as the fault window.',
      }),
    ),
    propagationWaitMs: s.defaulted(
      s.number({
        integer: true,
        minimum: 0,
        maximum: 600_000,
        unit: 'ms',
        description:
          'Wait after each push so every instance refreshes its cached config; keep it above the TTL.',
      }),
      defaultPropagationWaitMs,
    ),
    recoverySeconds: s.defaulted(
      s.number({
        minimum: 0,
        maximum: 600,
        unit: 's',
        description: 'Load kept after rollback to show the recovery.',
      }),
      3,
    ),
    expiryMarginSeconds: s.defaulted(
      s.number({
        minimum: 1,
        maximum: 86_400,
        unit: 's',
        description:
          'What `faultline run` pushes carries a `window.end` at the planned end of the fault window plus this margin, so an experiment whose runner was killed (SIGKILL, a lost machine) expires by itself. An earlier `window.end` of the document is kept.',
      }),
      defaultExpiryMarginSeconds,
    ),
    redact: s.optional(
      s.array(
        s.string({
          minLength: 1,
          maxLength: 128,
          pattern: { regex: /^[A-Za-z0-9._-]+$/, description: 'a name (letters, digits, `.`, `_` or `-`)' },
        }),
        {
          maxItems: 64,
          description:
            'Names whose values are secrets, added to the defaults (`code`, `key`, `sig`, `token`, `signature`, ' +
            '`secret`, `password`): URL query parameters and `${NAME}` placeholders with such a name (or ending ' +
            'in `_`, `-` or `.` and such a name) are masked in the journal, the report and the progress output.',
        },
      ),
    ),
  },
  {
    description: 'How `faultline run` drives this experiment. Ignored by the function runtime.',
    refine: (value: RunSectionShape, path: string, issues: ValidationIssue[]) => {
      checkSignals(value, path, issues);
      const seen = new Set<string>();
      value.targets.forEach((target, index) => {
        if (seen.has(target.name)) {
          issues.push({
            path: joinPath(joinPath(joinPath(path, 'targets'), index), 'name'),
            message: `duplicates the target name "${target.name}"`,
            hint: 'give every target its own name, e.g. aws, gcp, azure',
          });
        }
        seen.add(target.name);
      });
    },
  },
);

/** What the run-level checks read of a section whose parts are each valid. */
interface RunSectionShape {
  readonly targets: readonly {
    readonly name: string;
    readonly probe?: unknown;
    readonly metrics?: readonly MetricProbe[];
  }[];
  readonly load?: { readonly durationSeconds: number };
  readonly durationSeconds?: number;
  readonly ramp?: readonly { readonly durationSeconds: number }[];
  readonly steadyState: {
    readonly sampleSeconds: number;
    readonly successRatio?: unknown;
    readonly latencyMs?: { readonly p50?: unknown; readonly p95?: unknown; readonly p99?: unknown };
  };
  readonly stopConditions: readonly (ThresholdStopCondition | AlarmStopCondition)[];
}

/**
 * Every target is observed somehow (a probe driven by `load`, or metric probes), the fault window has a length, and
 * every tolerance and threshold stop condition can be measured on every target by at least one of its signals: a
 * tolerance nobody measures would pass silently.
 */
function checkSignals(value: RunSectionShape, path: string, issues: ValidationIssue[]): void {
  const hasLoad = value.load !== undefined;
  if (value.load !== undefined && value.durationSeconds !== undefined) {
    issues.push({
      path: joinPath(path, 'durationSeconds'),
      message: 'duplicates load.durationSeconds',
      hint: 'keep one: load.durationSeconds with load, durationSeconds without',
    });
  }
  if (!hasLoad && value.durationSeconds === undefined && value.ramp === undefined) {
    issues.push({
      path: joinPath(path, 'durationSeconds'),
      message: 'is required when there is neither load nor ramp (the length of the fault window)',
      hint: 'e.g. durationSeconds: 600',
    });
  }
  const needs: {
    readonly what: string;
    readonly key: 'errors' | 'p50' | 'p95' | 'p99';
    readonly at: string;
  }[] = [];
  const steadyPath = joinPath(path, 'steadyState');
  if (value.steadyState.successRatio !== undefined)
    needs.push({ what: 'the success ratio', key: 'errors', at: joinPath(steadyPath, 'successRatio') });
  for (const key of ['p50', 'p95', 'p99'] as const) {
    if (value.steadyState.latencyMs?.[key] !== undefined)
      needs.push({
        what: `the ${key} latency`,
        key,
        at: joinPath(joinPath(steadyPath, 'latencyMs'), key),
      });
  }
  value.stopConditions.forEach((condition, index) => {
    if ('kind' in condition) return;
    const key =
      condition.metric === 'latencyP95Ms' ? 'p95' : condition.metric === 'latencyP99Ms' ? 'p99' : 'errors';
    needs.push({ what: condition.metric, key, at: joinPath(joinPath(path, 'stopConditions'), index) });
  });
  value.targets.forEach((target, index) => {
    const at = joinPath(joinPath(path, 'targets'), index);
    const metrics = target.metrics ?? [];
    if (target.probe !== undefined && !hasLoad) {
      issues.push({
        path: joinPath(at, 'probe'),
        message: 'is never sent: run.load is not set',
        hint: 'add run.load to drive the probe, or remove the probe and judge by metric probes',
      });
      if (metrics.length === 0) return;
    }
    if (target.probe === undefined && hasLoad) {
      issues.push({
        path: joinPath(at, 'probe'),
        message: 'is required with run.load (the request the load sends)',
        hint: 'add a probe (url, method), or remove run.load for an observe-only run',
      });
    }
    if (target.probe === undefined && metrics.length === 0) {
      issues.push({
        path: joinPath(at, 'metrics'),
        message: 'is required when the target has no probe: nothing would observe it',
        hint: 'add a metric probe, e.g. { kind: cloudwatch, requests: { namespace: AWS/Lambda, metric: Invocations } }',
      });
      return;
    }
    checkPeriods(value, at, metrics, issues, path);
    if (target.probe !== undefined && hasLoad) return;
    for (const need of needs) {
      if (metrics.some((probe) => metricProbeMeasures(probe)[need.key])) continue;
      issues.push({
        path: need.at,
        message: `cannot be measured on target "${target.name}": none of its metric probes measures ${need.what}`,
        hint:
          need.key === 'errors'
            ? `add an errors query to a metric probe of ${at}`
            : `add latencyMs.${need.key} to a metric probe of ${at}`,
      });
    }
  });
}

/**
 * A metric probe judges whole periods: the steady-state sample and the fault window must each hold at least one
 * (two when the window is not aligned to the periods, as a window that starts with the load is not).
 */
function checkPeriods(
  value: RunSectionShape,
  at: string,
  metrics: readonly MetricProbe[],
  issues: ValidationIssue[],
  path: string,
): void {
  const sampleSeconds = value.steadyState.sampleSeconds;
  const faultSeconds =
    value.ramp?.reduce((sum: number, step) => sum + step.durationSeconds, 0) ??
    value.load?.durationSeconds ??
    value.durationSeconds;
  metrics.forEach((probe, index) => {
    const label = `metric probe ${probe.name ?? probe.kind} (${at}.metrics[${index}])`;
    const needed = (value.load === undefined ? 1 : 2) * probe.periodSeconds;
    if (sampleSeconds < needed) {
      issues.push({
        path: joinPath(joinPath(path, 'steadyState'), 'sampleSeconds'),
        message: `is ${sampleSeconds} s, but ${label} counts whole ${probe.periodSeconds} s periods: the sample would hold none`,
        hint: `use sampleSeconds: ${needed} or more, or a shorter periodSeconds (high-resolution metrics)`,
      });
    }
    if (faultSeconds !== undefined && faultSeconds < 2 * probe.periodSeconds) {
      issues.push({
        path:
          value.load === undefined
            ? joinPath(path, 'durationSeconds')
            : joinPath(joinPath(path, 'load'), 'durationSeconds'),
        message: `is ${faultSeconds} s, but ${label} counts whole ${probe.periodSeconds} s periods: the fault window would hold none`,
        hint: `use at least ${2 * probe.periodSeconds} s`,
      });
    }
  });
}

/** A validated `run` section (defaults applied, placeholders still unresolved). */
export type RunSection = Infer<typeof runSectionSchema>;
/** One target of a {@link RunSection}. */
export type RunTarget = RunSection['targets'][number];
/** One stop condition of a {@link RunSection}: a threshold, or CloudWatch alarms. */
export type StopCondition = RunSection['stopConditions'][number];
/** A threshold stop condition (`metric`, `op`, `value`, over a sliding window). */
export type ThresholdStopCondition = Infer<typeof thresholdStopConditionSchema>;

/**
 * True for a threshold stop condition (not an alarm).
 *
 * @example
 * ```ts
 * const thresholds = run.stopConditions.filter(isThresholdStopCondition);
 * ```
 */
export function isThresholdStopCondition(condition: StopCondition): condition is ThresholdStopCondition {
  return !('kind' in condition);
}

/**
 * Validates a `run` section on its own (`validateExperiment` checks it as part of the whole file).
 *
 * @example
 * ```ts
 * const result = validateRunSection(document.run);
 * if (!result.ok) console.error(result.issues);
 * ```
 */
export function validateRunSection(
  input: unknown,
  path = 'run',
): { ok: true; run: RunSection; issues: [] } | { ok: false; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const run = runSectionSchema.validate(input, path, issues);
  if (run === invalid || issues.length > 0) return { ok: false, issues };
  return { ok: true, run, issues: [] };
}

/**
 * Validates one run target's `store` on its own, so the CLI's store commands (`off`, `on`, `status`) can use each
 * target's store without the rest of the run section, and one broken target never hides the others.
 *
 * @example
 * ```ts
 * const result = validateRunStore({ kind: 'file', path: '.faultline/demo.json' }, 'run.targets[0].store');
 * if (result.ok) console.log(result.store.kind); // 'file'
 * ```
 */
export function validateRunStore(
  input: unknown,
  path = 'store',
): { ok: true; store: RunStore; issues: [] } | { ok: false; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const store = storeSchema.validate(input, path, issues);
  if (store === invalid || issues.length > 0) return { ok: false, issues };
  return { ok: true, store, issues: [] };
}
