import { compileGlobList } from '../../matching/glob.js';
import * as s from '../../schema/schema-builders.js';
import type { HostAction, SyntheticHttpResponse } from '../../scope/host-rule.js';
import {
  type DependencyFaultRule,
  type InterceptionContribution,
  runInInterceptionScope,
} from '../../scope/interception-scope.js';
import { defineFaultType } from '../fault-type.js';
import { hostGlobList } from './blackhole-attributes.js';
import { maxLatencyMs } from './latency.js';
import { type NetworkInterception, networkInterception } from './network-interception.js';

export const dependencyEffects = ['latency', 'status', 'throttle', 'access-denied', 'reset'] as const;
export type DependencyEffect = (typeof dependencyEffects)[number];

/** Error codes written like `RESOURCE_EXHAUSTED` are Google RPC statuses; others are AWS-style exception names. */
const googleStatusCode = /^[A-Z][A-Z0-9_]+$/;

/** The defaults each effect uses when `status`/`errorCode` are not given. */
export const dependencyEffectDefaults = {
  status: { status: 503, errorCode: undefined },
  throttle: { status: 429, errorCode: 'ThrottlingException' },
  'access-denied': { status: 403, errorCode: 'AccessDeniedException' },
} as const;

/** The HTTP response a host-level `status`/`throttle`/`access-denied` fault serves in place of the dependency. */
export function dependencyResponse(
  effect: 'status' | 'throttle' | 'access-denied',
  faultId: string,
  status: number | undefined,
  errorCode: string | undefined,
): SyntheticHttpResponse {
  const defaults = dependencyEffectDefaults[effect];
  const code = errorCode ?? defaults.errorCode;
  const httpStatus = status ?? defaults.status;
  const message =
    effect === 'throttle'
      ? 'Rate exceeded (injected by faultline)'
      : effect === 'access-denied'
        ? 'Access denied (injected by faultline)'
        : 'Service unavailable (injected by faultline)';
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-faultline-fault': faultId,
  };
  if (code === undefined) return { status: httpStatus, headers, body: JSON.stringify({ message }) };
  if (googleStatusCode.test(code)) {
    return {
      status: httpStatus,
      headers,
      body: JSON.stringify({ error: { code: httpStatus, message, status: code } }),
    };
  }
  // AWS JSON protocols read the error name from this header (and `__type`), so SDKs on plain HTTP see their own error.
  headers['x-amzn-errortype'] = code;
  return { status: httpStatus, headers, body: JSON.stringify({ __type: code, message }) };
}

interface DependencyAttributes {
  readonly hosts?: readonly string[];
  readonly service?: string;
  readonly operations?: readonly string[];
  readonly effect: DependencyEffect;
  readonly delayMs?: number;
  readonly status?: number;
  readonly errorCode?: string;
}

/**
 * `dependency` (around the handler): faults on the calls to one dependency rather than on the whole invocation —
 * how teams test retries, timeouts, fallbacks and circuit breakers.
 *
 * Two ways to target a dependency:
 * - `service` (+ `operations`): AWS SDK v3 calls, through the middleware from `@faultline/aws-lambda/aws-sdk`
 *   (`attachDependencyFaults(client)`). Errors are the SDK's own kind: a `ThrottlingException` is retried by the
 *   client's retry strategy, an `AccessDeniedException` carries HTTP 403.
 * - `hosts` only: any HTTP client (fetch, http, axios, other SDKs), at the socket. `latency` delays the connection
 *   (or the first request on a reused keep-alive connection), `reset` fails it with ECONNRESET, and
 *   `status`/`throttle`/`access-denied` answer with a synthetic HTTP/1.1 response — plain HTTP or HTTPS, since the
 *   answer is placed on the decrypted side of the client's socket. HTTP/2 clients cannot be answered this way.
 *
 * @example
 * ```yaml
 * faults:
 *   - id: dynamodb-throttled
 *     type: dependency
 *     probability: 0.2
 *     service: DynamoDB
 *     operations: [GetItem, Query]
 *     effect: throttle
 *     errorCode: ProvisionedThroughputExceededException
 *   - id: slow-pricing
 *     type: dependency
 *     probability: 0.5
 *     hosts: [pricing.internal.example]
 *     effect: latency
 *     delayMs: 800
 * ```
 */
export const dependencyFault = defineFaultType({
  type: 'dependency',
  summary:
    'Slows, fails, throttles or denies the calls to one dependency (AWS SDK service/operation or host).',
  phase: 'around',
  attributes: s.object(
    {
      hosts: s.optional(hostGlobList('Dependency hosts (globs on names or IPs) whose calls are affected.')),
      service: s.optional(
        s.string({
          minLength: 1,
          maxLength: 64,
          description: 'AWS SDK v3 service id, e.g. DynamoDB, S3, SSM (case-insensitive).',
          examples: ['DynamoDB', 'S3', 'SQS', 'SSM'],
        }),
      ),
      operations: s.optional(
        s.array(s.string({ minLength: 1, maxLength: 128 }), {
          minItems: 1,
          maxItems: 64,
          description: 'Operations of `service` to affect, e.g. GetItem (default: all).',
        }),
      ),
      effect: s.required(
        s.oneOf(dependencyEffects, {
          description:
            'latency: delay the call; status: HTTP error status; throttle: throttling error; access-denied: 403; reset: ECONNRESET.',
        }),
      ),
      delayMs: s.optional(
        s.number({ minimum: 0, maximum: maxLatencyMs, unit: 'ms', description: 'Delay for effect latency.' }),
      ),
      status: s.optional(
        s.number({
          integer: true,
          minimum: 400,
          maximum: 599,
          description: 'HTTP status for status/throttle/access-denied (defaults 503, 429, 403).',
        }),
      ),
      errorCode: s.optional(
        s.string({
          minLength: 1,
          maxLength: 128,
          pattern: {
            regex: /^[A-Za-z][A-Za-z0-9_.]*$/,
            description: 'an error code like ThrottlingException',
          },
          description:
            'Error name/code, e.g. ThrottlingException, ProvisionedThroughputExceededException, RESOURCE_EXHAUSTED.',
        }),
      ),
    },
    { refine: checkDependencyAttributes },
  ),
  prepare: networkInterception.prepare,
  create(attributes, fault) {
    const interception = networkInterception.get();
    interception.installInterceptors();
    const contribution = toContribution(interception, attributes, fault.id, fault.type);
    return {
      around: (context, next) => runInInterceptionScope(context, contribution, next),
    };
  },
});

function checkDependencyAttributes(
  value: DependencyAttributes,
  path: string,
  issues: { path: string; message: string; hint?: string }[],
): void {
  const at = (key: string) => (path === '' ? key : `${path}.${key}`);
  if (value.hosts === undefined && value.service === undefined) {
    issues.push({
      path: at('hosts'),
      message: 'is required (or service)',
      hint: 'name the dependency: hosts: [api.example.com], or service: DynamoDB for AWS SDK calls',
    });
  }
  if (value.operations !== undefined && value.service === undefined) {
    issues.push({ path: at('operations'), message: 'needs service', hint: 'e.g. service: DynamoDB' });
  }
  if (value.effect === 'latency' && value.delayMs === undefined) {
    issues.push({
      path: at('delayMs'),
      message: 'is required for effect latency',
      hint: 'e.g. delayMs: 800',
    });
  }
  if (value.effect !== 'latency' && value.delayMs !== undefined) {
    issues.push({ path: at('delayMs'), message: 'only applies to effect latency' });
  }
  if ((value.effect === 'latency' || value.effect === 'reset') && value.status !== undefined) {
    issues.push({ path: at('status'), message: `does not apply to effect ${value.effect}` });
  }
  if ((value.effect === 'latency' || value.effect === 'reset') && value.errorCode !== undefined) {
    issues.push({ path: at('errorCode'), message: `does not apply to effect ${value.effect}` });
  }
}

function toContribution(
  { compileHostRule, normalizeHost }: NetworkInterception,
  attributes: DependencyAttributes,
  faultId: string,
  faultType: string,
): InterceptionContribution {
  if (attributes.service !== undefined) {
    const rule: DependencyFaultRule = {
      faultId,
      faultType,
      service: attributes.service.toLowerCase(),
      operations: attributes.operations?.map((operation) => operation.toLowerCase()),
      matchesHost:
        attributes.hosts === undefined
          ? undefined
          : compileGlobList(attributes.hosts.map(normalizeHost), { caseInsensitive: true }),
      effect: attributes.effect,
      delayMs: attributes.delayMs ?? 0,
      status: attributes.status,
      errorCode: attributes.errorCode,
    };
    return { dependencyFaults: [rule] };
  }
  const hosts = attributes.hosts ?? [];
  let action: HostAction;
  switch (attributes.effect) {
    case 'latency':
      action = { kind: 'delay', delayMs: attributes.delayMs ?? 0 };
      break;
    case 'reset':
      action = { kind: 'reset' };
      break;
    default:
      action = {
        kind: 'respond',
        response: dependencyResponse(attributes.effect, faultId, attributes.status, attributes.errorCode),
      };
  }
  return { hostRules: [compileHostRule({ faultId, faultType, hosts, action })] };
}
