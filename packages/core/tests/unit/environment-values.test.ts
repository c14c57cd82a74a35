import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadlineAfter, resolvePlatformIdentity } from '../../src/adapter/platform-identity.js';
import { readEnvironmentSettings } from '../../src/config/environment-settings.js';
import { nonBlank, parseEnvironmentFlag, readEnvironmentValue } from '../../src/config/environment-values.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

describe('parseEnvironmentFlag', () => {
  it('reads the same on and off words for every flag, trimmed and in any case', () => {
    expect(['1', 'true', 'yes', 'on', ' TRUE ', 'Yes', 'ON'].map(parseEnvironmentFlag)).toEqual(
      Array(7).fill(true),
    );
    expect([undefined, '', '  ', '0', 'false', 'no', 'off', ' Off '].map(parseEnvironmentFlag)).toEqual(
      Array(8).fill(false),
    );
    expect(['enabled', '2', 'y', 'truee'].map(parseEnvironmentFlag)).toEqual(Array(4).fill(undefined));
  });

  it('does not depend on case or surrounding blanks, for any text', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('', ' ', '\t', '  \n'), (text, padding) => {
        const flag = parseEnvironmentFlag(text);
        expect(parseEnvironmentFlag(`${padding}${text.toUpperCase()}${padding}`)).toBe(flag);
        expect(parseEnvironmentFlag(text.toLowerCase())).toBe(flag);
      }),
    );
  });

  it('is the kill switch’s reading: an unrecognised FAULTLINE_DISABLED switches faults off, with a warning', () => {
    expect(readEnvironmentSettings({ FAULTLINE_DISABLED: ' On ' })).toMatchObject({
      disabled: true,
      warnings: [],
    });
    expect(readEnvironmentSettings({ FAULTLINE_DISABLED: 'off' })).toMatchObject({
      disabled: false,
      warnings: [],
    });
    expect(readEnvironmentSettings({ FAULTLINE_DISABLED: 'please' })).toMatchObject({
      disabled: true,
      warnings: [
        'FAULTLINE_DISABLED="please" is not one of 1, true, yes, on, 0, false, no, off; treating it as disabled (set FAULTLINE_DISABLED=1 to silence this warning).',
      ],
    });
  });
});

describe('readEnvironmentValue and nonBlank', () => {
  it('treat an empty or blank variable as unset and trim what they return', () => {
    const environment = { EMPTY: '', BLANK: ' \t', STAGE: ' prod ' };

    expect(readEnvironmentValue(environment, 'MISSING', 'EMPTY', 'BLANK')).toBeUndefined();
    expect(readEnvironmentValue(environment, 'EMPTY', 'STAGE')).toBe('prod');
    expect([nonBlank(undefined), nonBlank(''), nonBlank('  '), nonBlank(' a b ')]).toEqual([
      undefined,
      undefined,
      undefined,
      'a b',
    ]);
  });
});

describe('resolvePlatformIdentity', () => {
  const variables = { functionName: ['K_SERVICE', 'FUNCTION_TARGET'], region: ['FUNCTION_REGION'] };

  it('takes the first platform variable that is set, and the stage from FAULTLINE_STAGE, trimmed', () => {
    const identity = resolvePlatformIdentity(
      {},
      {
        K_SERVICE: ' ',
        FUNCTION_TARGET: 'orders',
        FUNCTION_REGION: 'europe-west1',
        FAULTLINE_STAGE: ' prod ',
      },
      variables,
    );

    // A padded stage must still read as production for the experiment guard.
    expect(identity).toEqual({ functionName: 'orders', region: 'europe-west1', stage: 'prod' });
  });

  it('lets what the code says win over the environment, unless it is blank', () => {
    const environment = { K_SERVICE: 'svc', FUNCTION_REGION: 'us-central1', FAULTLINE_STAGE: 'prod' };

    expect(
      resolvePlatformIdentity({ functionName: 'api', region: 'eu', stage: 'dev' }, environment, variables),
    ).toEqual({ functionName: 'api', region: 'eu', stage: 'dev' });
    expect(resolvePlatformIdentity({ stage: '' }, environment, variables)).toEqual({
      functionName: 'svc',
      region: 'us-central1',
      stage: 'prod',
    });
    expect(resolvePlatformIdentity({}, {}, { region: ['REGION_NAME'] })).toEqual({
      functionName: undefined,
      region: undefined,
      stage: undefined,
    });
  });
});

describe('deadlineAfter', () => {
  it('is now plus the time left, or undefined when the platform says nothing', () => {
    const clock = createFakeClock(1_000);

    expect(deadlineAfter(clock, 250)).toBe(1_250);
    expect(deadlineAfter(clock, undefined)).toBeUndefined();
  });
});
