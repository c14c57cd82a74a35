import { isIP } from 'node:net';
import { compileGlobList, type GlobMatcher } from '../matching/glob.js';

/**
 * What happens to a connection (or DNS query) that a host rule matches.
 *
 * - `refuse` / `reset` / `timeout` / `dns`: the `blackhole` behaviours.
 * - `delay`: the connection is opened `delayMs` later (`dependency` latency).
 * - `respond`: a synthetic HTTP response is served instead of the real host (`dependency` status, throttle and
 *   access-denied on plain HTTP). Over TLS a response cannot be forged, so the connection is reset instead.
 */
export type HostAction =
  | { readonly kind: 'refuse' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'dns' }
  | { readonly kind: 'delay'; readonly delayMs: number }
  | { readonly kind: 'respond'; readonly response: SyntheticHttpResponse };

/** A canned HTTP/1.1 response served in place of a dependency. */
export interface SyntheticHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A compiled host rule: which hosts/ports it catches and what it does to them. */
export interface HostRule {
  readonly faultId: string;
  readonly faultType: string;
  /** Case-insensitive, anchored host globs; names and IP literals. */
  readonly matchesHost: GlobMatcher;
  /** Ports the rule applies to; `undefined` means every port. */
  readonly ports: readonly number[] | undefined;
  readonly action: HostAction;
  /** Whether some glob can match an IP literal, so connections by name must check their resolved addresses. */
  readonly matchesAddresses: boolean;
}

/** Input for {@link compileHostRule}. */
export interface HostRuleOptions {
  readonly faultId: string;
  readonly faultType: string;
  readonly hosts: readonly string[];
  readonly ports?: readonly number[] | undefined;
  readonly action: HostAction;
}

// Characters a glob can hold when it names (part of) an IPv4 or IPv6 address.
const addressGlob = /^[0-9a-f.:*?]+$/i;

/**
 * Compiles host globs into a rule. Hosts are normalized the way connections report them: lower case, without IPv6
 * brackets or a trailing dot.
 *
 * @example
 * ```ts
 * const rule = compileHostRule({ faultId: 'no-db', faultType: 'blackhole', hosts: ['*.dynamodb.*.amazonaws.com'],
 *   action: { kind: 'refuse' } });
 * ruleMatches(rule, 'orders.dynamodb.eu-west-1.amazonaws.com', 443); // true
 * ```
 */
export function compileHostRule(options: HostRuleOptions): HostRule {
  const patterns = options.hosts.map(normalizeHost);
  return {
    faultId: options.faultId,
    faultType: options.faultType,
    matchesHost: compileGlobList(patterns, { caseInsensitive: true }),
    ports: options.ports === undefined || options.ports.length === 0 ? undefined : [...options.ports],
    action: options.action,
    matchesAddresses: patterns.some((pattern) => addressGlob.test(pattern) && /[\d:]/.test(pattern)),
  };
}

/**
 * Lower-cases a host and strips IPv6 brackets and a trailing dot, as connections report hosts; {@link compileHostRule}
 * normalizes its globs with it.
 *
 * @example
 * ```ts
 * normalizeHost('[::1]'); // '::1'
 * normalizeHost('Example.com.'); // 'example.com'
 * ```
 */
export function normalizeHost(host: string): string {
  let normalized = host;
  if (normalized.startsWith('[') && normalized.endsWith(']')) normalized = normalized.slice(1, -1);
  if (normalized.endsWith('.') && normalized.length > 1) normalized = normalized.slice(0, -1);
  return normalized.toLowerCase();
}

/** Whether `rule` catches a connection to `host:port` (`port` undefined: a DNS query, which has no port). */
export function ruleMatches(rule: HostRule, host: string, port: number | undefined): boolean {
  if (rule.ports !== undefined && (port === undefined || !rule.ports.includes(port))) return false;
  return rule.matchesHost(host);
}

/** Whether `host` is an IP literal (connecting to it needs no DNS). */
export function isAddress(host: string): boolean {
  return isIP(host) !== 0;
}

/**
 * The first rule that catches `host:port`. `dns` rules never catch IP literals: a connection by IP makes no DNS
 * query, exactly as when a real resolver fails.
 */
export function findHostRule(
  rules: readonly HostRule[],
  host: string,
  port: number | undefined,
  hostIsAddress: boolean,
): HostRule | undefined {
  for (const rule of rules) {
    if (hostIsAddress && rule.action.kind === 'dns') continue;
    if (ruleMatches(rule, host, port)) return rule;
  }
  return undefined;
}
