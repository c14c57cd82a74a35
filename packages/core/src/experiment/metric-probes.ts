/**
 * Metric probes of the `run` section: a target's real traffic as each cloud's monitoring service counts it
 * (CloudWatch, Cloud Monitoring, Azure Monitor), and CloudWatch alarms as stop conditions. Only the shape lives
 * here; the CLI queries the services.
 *
 * A metric probe names up to three signals of the same traffic, each one query of the service: `requests` (a count
 * per period, required), `errors` (a count per period) and `latencyMs` (`p50`, `p95`, `p99`: one query per
 * percentile). They feed the steady-state tolerances and the stop conditions exactly as the synthetic probe's
 * requests do: success ratio = 1 − errors / requests, latency percentiles from the latency queries.
 */
import type { Infer, Schema, ValidationIssue } from '../schema/schema.js';
import { describeValue, invalid, isPlainObject, joinPath } from '../schema/schema.js';
import * as s from '../schema/schema-builders.js';

/** Kinds of metric probe a run target can have, one per cloud. */
export const metricProbeKinds = ['cloudwatch', 'cloud-monitoring', 'azure-monitor'] as const;
export type MetricProbeKind = (typeof metricProbeKinds)[number];

/** Default of a metric probe's `delaySeconds`, per kind: how long after a period ends its data point is complete. */
export const defaultMetricDelaySeconds: { readonly [K in MetricProbeKind]: number } = {
  // Lambda and API Gateway publish within about a minute; GetMetricData shows them a little later.
  cloudwatch: 120,
  // Google: "After sampling, data is not visible for up to 180 seconds" (run.googleapis.com metrics).
  'cloud-monitoring': 180,
  // Azure platform metrics typically arrive within three minutes.
  'azure-monitor': 180,
};

const identifier = (description: string) => s.string({ minLength: 1, maxLength: 512, description });

const missingData = s.defaulted(
  s.oneOf(['unreadable', 'zero'] as const, {
    description:
      '`unreadable` (default): a query that returns no data point for the steady-state sample makes the probe unreadable (the run does not inject). `zero`: no data point counts as 0, for metrics published only when non-zero.',
  }),
  'unreadable' as 'unreadable' | 'zero',
);

const latencyUnit = s.defaulted(
  s.oneOf(['ms', 's'] as const, {
    description:
      "Unit of the metric's values: `ms` (Lambda Duration, Cloud Run request_latencies) or `s` (ALB TargetResponseTime, Azure HttpResponseTime). Azure Monitor: default taken from the response.",
  }),
  'ms' as 'ms' | 's',
);

function latencyQueries<Q>(query: Schema<Q>) {
  return s.optional(
    s.object(
      { p50: s.optional(query), p95: s.optional(query), p99: s.optional(query) },
      { description: 'One query per latency percentile the tolerances and stop conditions use.' },
    ),
  );
}

/** Fields every metric probe has, after its kind. */
function commonFields(kind: MetricProbeKind) {
  return {
    name: s.optional(
      s.string({
        minLength: 1,
        maxLength: 64,
        pattern: { regex: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, description: 'letters, digits, `.`, `_` or `-`' },
        description: 'Shown in the verdict and the report; default: the kind. Unique per target.',
      }),
    ),
    periodSeconds: s.defaulted(
      s.number({
        integer: true,
        minimum: 1,
        maximum: 86_400,
        unit: 's',
        description:
          'Length of one data point. 60 for standard-resolution metrics; 1–30 only for high-resolution ones.',
      }),
      60,
    ),
    delaySeconds: s.defaulted(
      s.number({
        minimum: 0,
        maximum: 3600,
        unit: 's',
        description: `How long after a period ends its data point is complete in the service; the steady-state sample ends this long before the run starts, and the verdict waits this long after the fault window. Default ${defaultMetricDelaySeconds[kind]}.`,
      }),
      defaultMetricDelaySeconds[kind],
    ),
    pollIntervalSeconds: s.defaulted(
      s.number({
        minimum: 0.1,
        maximum: 3600,
        unit: 's',
        description:
          'How often the probe is read while faults are active (the stop conditions use what it read).',
      }),
      30,
    ),
    onUnreadable: s.defaulted(
      s.oneOf(['stop', 'continue'] as const, {
        description:
          '`stop` (default): a probe that cannot be read while faults are active (permissions, throttling, no recent data points) stops the run and rolls back. `continue`: the failure is only recorded.',
      }),
      'stop' as 'stop' | 'continue',
    ),
  };
}

const cloudWatchStatistic = s.string({
  minLength: 1,
  maxLength: 64,
  pattern: {
    regex: /^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d{1,2})?|tm\d{1,2}(\.\d{1,2})?|IQM)$/,
    description: 'a CloudWatch statistic: Sum, Average, Minimum, Maximum, SampleCount, pNN, tmNN or IQM',
  },
  description:
    'CloudWatch statistic. Default: `Sum` for requests and errors, the percentile itself (`p95`) for latencyMs.p95.',
});

const cloudWatchQueryFields = {
  namespace: s.required(identifier('Metric namespace, e.g. `AWS/Lambda`, `AWS/ApiGateway`.')),
  metric: s.required(identifier('Metric name, e.g. `Invocations`, `Errors`, `Duration`, `5XXError`.')),
  dimensions: s.optional(
    s.record(s.string({ minLength: 1, maxLength: 1024 }), {
      maxProperties: 30,
      description: 'Dimensions by name, e.g. `{ FunctionName: orders }`.',
    }),
  ),
  statistic: s.optional(cloudWatchStatistic),
  missingData,
};

const cloudWatchQuery = s.object(cloudWatchQueryFields, {
  description: 'One CloudWatch metric, read with GetMetricData.',
});
const cloudWatchLatencyQuery = s.object(
  { ...cloudWatchQueryFields, unit: latencyUnit },
  { description: 'One CloudWatch latency metric, read with GetMetricData.' },
);

const cloudMonitoringQueryFields = {
  filter: s.required(
    s.string({
      minLength: 1,
      maxLength: 4096,
      description:
        'Monitoring filter, e.g. `metric.type="run.googleapis.com/request_count" AND resource.labels.service_name="orders"`.',
    }),
  ),
  aligner: s.optional(
    s.string({
      pattern: { regex: /^ALIGN_[A-Z0-9_]+$/, description: 'an Aligner such as ALIGN_DELTA' },
      description:
        'Per-series aligner. Default `ALIGN_DELTA` (counts per period; distributions stay distributions).',
    }),
  ),
  reducer: s.optional(
    s.string({
      pattern: { regex: /^REDUCE_[A-Z0-9_]+$/, description: 'a Reducer such as REDUCE_SUM' },
      description:
        'Cross-series reducer. Default `REDUCE_SUM` for counts, `REDUCE_PERCENTILE_95` (and so on) for latencyMs.',
    }),
  ),
  groupBy: s.optional(
    s.array(s.string({ minLength: 1, maxLength: 256 }), {
      maxItems: 10,
      description:
        'Labels kept apart by the reducer, e.g. `[metric.labels.response_code_class]`; the groups are added up for the count and shown apart in the journal.',
    }),
  ),
  missingData,
};

const cloudMonitoringQuery = s.object(cloudMonitoringQueryFields, {
  description: 'One Cloud Monitoring time-series query (projects.timeSeries.list).',
});
const cloudMonitoringLatencyQuery = s.object(
  { ...cloudMonitoringQueryFields, unit: latencyUnit },
  { description: 'One Cloud Monitoring latency query (a distribution metric, reduced to a percentile).' },
);

const azureAggregation = s.oneOf(['Total', 'Average', 'Maximum', 'Minimum', 'Count'] as const, {
  description: 'Aggregation. Default `Total` for requests and errors, `Average` for latencyMs.',
});

const azureQueryFields = {
  metric: s.required(identifier('Metric name, e.g. `Requests`, `Http5xx`, `HttpResponseTime`.')),
  namespace: s.optional(
    identifier('Metric namespace; default: the resource type of resourceId, e.g. `Microsoft.Web/sites`.'),
  ),
  aggregation: s.optional(azureAggregation),
  filter: s.optional(
    s.string({ minLength: 1, maxLength: 2048, description: "Dimension filter, e.g. `Instance eq '*'`." }),
  ),
  missingData,
};

const azureQuery = s.object(azureQueryFields, {
  description: 'One Azure Monitor metric of the resource (metrics batch API).',
});
const azureLatencyQuery = s.object(
  { ...azureQueryFields, unit: s.optional(s.oneOf(['ms', 's'] as const)) },
  { description: 'One Azure Monitor latency metric of the resource.' },
);

const endpointUrl = (description: string) =>
  s.string({
    minLength: 1,
    maxLength: 2048,
    pattern: { regex: /^(https?:\/\/|\$\{)/, description: 'an http(s) URL' },
    description,
  });

const metricProbeVariants = {
  cloudwatch: s.object(
    {
      kind: s.required(s.oneOf(['cloudwatch'] as const)),
      region: s.optional(identifier('AWS region; default: the SDK default chain (`AWS_REGION`).')),
      endpoint: s.optional(endpointUrl('Endpoint override (e.g. a local moto server).')),
      requests: s.required(cloudWatchQuery),
      errors: s.optional(cloudWatchQuery),
      latencyMs: latencyQueries(cloudWatchLatencyQuery),
      ...commonFields('cloudwatch'),
    },
    { description: 'CloudWatch metrics through GetMetricData (IAM: cloudwatch:GetMetricData).' },
  ),
  'cloud-monitoring': s.object(
    {
      kind: s.required(s.oneOf(['cloud-monitoring'] as const)),
      projectId: s.required(identifier('Project whose metrics are read, e.g. `my-project`.')),
      endpoint: s.optional(
        endpointUrl('API endpoint override, e.g. a local server; default `monitoring.googleapis.com`.'),
      ),
      tokenEnv: s.optional(
        identifier(
          'Name of an environment variable holding an OAuth access token (never the token itself); default: Application Default Credentials.',
        ),
      ),
      requests: s.required(cloudMonitoringQuery),
      errors: s.optional(cloudMonitoringQuery),
      latencyMs: latencyQueries(cloudMonitoringLatencyQuery),
      ...commonFields('cloud-monitoring'),
    },
    {
      description:
        'Cloud Monitoring time series through @google-cloud/monitoring (role: roles/monitoring.viewer).',
    },
  ),
  'azure-monitor': s.object(
    {
      kind: s.required(s.oneOf(['azure-monitor'] as const)),
      resourceId: s.required(
        identifier(
          'Resource whose metrics are read, e.g. `/subscriptions/…/resourceGroups/…/providers/Microsoft.Web/sites/orders`.',
        ),
      ),
      region: s.optional(
        identifier(
          'Azure region of the resource, e.g. `westeurope` (selects the regional metrics endpoint).',
        ),
      ),
      endpoint: s.optional(
        endpointUrl(
          'Metrics endpoint, e.g. `https://westeurope.metrics.monitor.azure.com`; default from region.',
        ),
      ),
      tokenEnv: s.optional(
        identifier(
          'Name of an environment variable holding a bearer token for https://metrics.monitor.azure.com (never the token itself); default: DefaultAzureCredential from @azure/identity.',
        ),
      ),
      caFile: s.optional(identifier('PEM file of a private CA, e.g. for a local HTTPS test server.')),
      requests: s.required(azureQuery),
      errors: s.optional(azureQuery),
      latencyMs: latencyQueries(azureLatencyQuery),
      ...commonFields('azure-monitor'),
    },
    {
      description:
        'Azure Monitor metrics through @azure/monitor-query-metrics (role: Monitoring Reader on the resource).',
      refine: (value: { region?: string; endpoint?: string }, path: string, issues: ValidationIssue[]) => {
        if (value.region === undefined && value.endpoint === undefined) {
          issues.push({
            path: joinPath(path, 'region'),
            message: 'is required (or endpoint)',
            hint: 'the region of the resource, e.g. westeurope',
          });
        }
      },
    },
  ),
} as const;

type MetricProbeVariants = { [K in MetricProbeKind]: Infer<(typeof metricProbeVariants)[K]> };

/** One metric probe of a run target (`run.targets[].metrics[]`), defaults applied. */
export type MetricProbe = MetricProbeVariants[MetricProbeKind];

const metricProbeKindSchema = s.oneOf(metricProbeKinds, { description: 'Which monitoring service.' });

/** A union discriminated by `kind`, so errors speak about the right variant. */
export const metricProbeSchema: Schema<MetricProbe> = {
  kind: 'object',
  description: "A target's real traffic as its cloud's monitoring service counts it.",
  validate(value, path, issues) {
    if (!isPlainObject(value)) {
      issues.push({
        path,
        message: `must be an object, got ${describeValue(value)}`,
        hint: 'e.g. { kind: cloudwatch, requests: { namespace: AWS/Lambda, metric: Invocations } }',
      });
      return invalid;
    }
    if (value.kind === undefined) {
      issues.push({
        path: joinPath(path, 'kind'),
        message: 'is required',
        hint: `one of ${metricProbeKinds.join(', ')}`,
      });
      return invalid;
    }
    const kind = metricProbeKindSchema.validate(value.kind, joinPath(path, 'kind'), issues);
    if (kind === invalid) return invalid;
    return metricProbeVariants[kind].validate(value, path, issues) as MetricProbe | typeof invalid;
  },
  toJsonSchema() {
    return {
      description: "A target's real traffic as its cloud's monitoring service counts it.",
      oneOf: metricProbeKinds.map((kind) => metricProbeVariants[kind].toJsonSchema()),
    };
  },
};

/** A CloudWatch alarm stop condition: `ALARM` stops the run, like AWS FIS's stop conditions. */
export const alarmStopConditionSchema = s.object(
  {
    kind: s.required(s.oneOf(['cloudwatch-alarm'] as const)),
    alarmNames: s.required(
      s.array(identifier('Alarm name.'), {
        minItems: 1,
        maxItems: 100,
        description: 'Alarms watched (DescribeAlarms); any of them in ALARM stops the run.',
      }),
    ),
    region: s.optional(identifier('AWS region; default: the SDK default chain (`AWS_REGION`).')),
    endpoint: s.optional(endpointUrl('Endpoint override (e.g. a local moto server).')),
    insufficientData: s.defaulted(
      s.oneOf(['ok', 'stop'] as const, {
        description:
          '`ok` (default, like FIS): INSUFFICIENT_DATA does not stop the run (it is recorded). `stop`: it does.',
      }),
      'ok' as 'ok' | 'stop',
    ),
    pollIntervalSeconds: s.defaulted(
      s.number({ minimum: 0.1, maximum: 600, unit: 's', description: 'How often the alarms are read.' }),
      10,
    ),
    onUnreadable: s.defaulted(
      s.oneOf(['stop', 'continue'] as const, {
        description:
          '`stop` (default): an alarm that cannot be read (permissions, throttling, not found) stops the run.',
      }),
      'stop' as 'stop' | 'continue',
    ),
  },
  {
    description:
      'Stops the run when any of these CloudWatch alarms is in ALARM; the steady state does not hold while one is (IAM: cloudwatch:DescribeAlarms).',
  },
);

/** A `cloudwatch-alarm` stop condition, defaults applied. */
export type AlarmStopCondition = Infer<typeof alarmStopConditionSchema>;

/** Which signals a metric probe measures (a tolerance or stop condition needs the probe to measure it). */
export function metricProbeMeasures(probe: MetricProbe): {
  readonly errors: boolean;
  readonly p50: boolean;
  readonly p95: boolean;
  readonly p99: boolean;
} {
  return {
    errors: probe.errors !== undefined,
    p50: probe.latencyMs?.p50 !== undefined,
    p95: probe.latencyMs?.p95 !== undefined,
    p99: probe.latencyMs?.p99 !== undefined,
  };
}
