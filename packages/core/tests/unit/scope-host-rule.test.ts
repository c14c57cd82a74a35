import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileHostRule } from '../../src/interception.js';
import { normalizeHost, ruleMatches } from '../../src/scope/host-rule.js';

const refuse = { kind: 'refuse' } as const;

describe('host rules', () => {
  it('match AWS endpoint globs label by label, case-insensitively, without resolving anything', () => {
    const rule = compileHostRule({
      faultId: 'f',
      faultType: 'blackhole',
      hosts: ['*.dynamodb.*.amazonaws.com', 'dynamodb.*.amazonaws.com'],
      action: refuse,
    });

    expect(ruleMatches(rule, 'dynamodb.us-east-1.amazonaws.com', 443)).toBe(true);
    expect(ruleMatches(rule, normalizeHost('Streams.DynamoDB.eu-west-1.AmazonAWS.com.'), 443)).toBe(true);
    expect(ruleMatches(rule, 's3.us-east-1.amazonaws.com', 443)).toBe(false);
    // Anchored: a longer name that merely contains a match is not caught (unlike failure-lambda's regexes).
    expect(ruleMatches(rule, 'dynamodb.us-east-1.amazonaws.com.evil.example', 443)).toBe(false);
  });

  it('restrict matches to the listed ports', () => {
    const rule = compileHostRule({
      faultId: 'f',
      faultType: 'blackhole',
      hosts: ['db.internal'],
      ports: [5432],
      action: refuse,
    });
    expect(ruleMatches(rule, 'db.internal', 5432)).toBe(true);
    expect(ruleMatches(rule, 'db.internal', 443)).toBe(false);
    expect(ruleMatches(rule, 'db.internal', undefined)).toBe(false);
  });

  it('know when a glob can match an IP address, so names are checked after resolution', () => {
    const byName = compileHostRule({
      faultId: 'f',
      faultType: 'blackhole',
      hosts: ['*.example.com'],
      action: refuse,
    });
    const byAddress = compileHostRule({
      faultId: 'f',
      faultType: 'blackhole',
      hosts: ['10.0.*'],
      action: refuse,
    });
    const byIpv6 = compileHostRule({
      faultId: 'f',
      faultType: 'blackhole',
      hosts: ['[::1]'],
      action: refuse,
    });
    expect(byName.matchesAddresses).toBe(false);
    expect(byAddress.matchesAddresses).toBe(true);
    expect(byIpv6.matchesAddresses).toBe(true);
    expect(ruleMatches(byIpv6, normalizeHost('[::1]'), 80)).toBe(true);
  });

  it('normalize hosts idempotently', () => {
    fc.assert(
      fc.property(fc.domain(), fc.boolean(), (domain, trailingDot) => {
        const once = normalizeHost(trailingDot ? `${domain.toUpperCase()}.` : domain.toUpperCase());
        expect(normalizeHost(once)).toBe(once);
        expect(once).toBe(domain.toLowerCase());
      }),
    );
  });

  it('a literal glob matches exactly its host, whatever the case', () => {
    fc.assert(
      fc.property(fc.domain(), fc.domain(), (pattern, candidate) => {
        const rule = compileHostRule({
          faultId: 'f',
          faultType: 'blackhole',
          hosts: [pattern],
          action: refuse,
        });
        expect(ruleMatches(rule, candidate.toLowerCase(), 1)).toBe(
          candidate.toLowerCase() === pattern.toLowerCase(),
        );
        expect(ruleMatches(rule, pattern.toLowerCase(), 1)).toBe(true);
      }),
    );
  });
});
