import * as s from '../../schema/schema-builders.js';
import { runInInterceptionScope } from '../../scope/interception-scope.js';
import { defineFaultType } from '../fault-type.js';
import { hostGlobList, portList } from './blackhole-attributes.js';
import { networkInterception } from './network-interception.js';

/** How a blackholed host fails. */
export const blackholeBehaviors = ['refuse', 'reset', 'timeout', 'dns'] as const;
export type BlackholeBehavior = (typeof blackholeBehaviors)[number];

/**
 * `blackhole` (around the handler): removes downstream hosts for the sampled invocation. Every outbound path a Node
 * service uses is caught — `net`/`tls` connects (so `http`, `https`, global `fetch`/undici, database drivers and
 * SDKs), `dns.lookup`, `dns.promises.lookup` and `dns.resolve*` — by name and by IP. Other invocations, including
 * concurrent ones in the same process, are untouched.
 *
 * Behaviours: `refuse` (ECONNREFUSED, like a closed port), `reset` (ECONNRESET), `timeout` (the connection never
 * completes; the caller's own timeout fires; whatever still hangs fails with ETIMEDOUT when the invocation ends) and
 * `dns` (ENOTFOUND for names; connections by IP make no DNS query and pass, as with a real resolver outage).
 *
 * @example
 * ```yaml
 * faults:
 *   - id: dynamodb-down
 *     type: blackhole
 *     probability: 0.05
 *     hosts: ['*.dynamodb.*.amazonaws.com', 'dynamodb.*.amazonaws.com']
 *     behavior: timeout
 *     ports: [443]
 * ```
 */
export const blackholeFault = defineFaultType({
  type: 'blackhole',
  summary:
    'Makes matching downstream hosts unreachable (refused, reset, hanging or unresolvable) for the invocation.',
  phase: 'around',
  attributes: s.object({
    hosts: s.required(
      hostGlobList(
        'Hosts to cut off: names or IP addresses, with `*`/`?` globs (case-insensitive, anchored).',
      ),
    ),
    behavior: s.defaulted(
      s.oneOf(blackholeBehaviors, {
        description:
          'refuse: ECONNREFUSED; reset: ECONNRESET; timeout: never connects (the caller times out); dns: ENOTFOUND.',
      }),
      'refuse',
    ),
    ports: s.optional(portList('Only connections to these ports are cut off (default: every port).')),
  }),
  prepare: networkInterception.prepare,
  create(attributes, fault) {
    const { compileHostRule, installInterceptors } = networkInterception.get();
    installInterceptors();
    const contribution = {
      hostRules: [
        compileHostRule({
          faultId: fault.id,
          faultType: fault.type,
          hosts: attributes.hosts,
          ports: attributes.ports,
          action: { kind: attributes.behavior },
        }),
      ],
    };
    return {
      around: (context, next) => runInInterceptionScope(context, contribution, next),
    };
  },
});
