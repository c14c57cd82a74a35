// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text here.
import { validateRunSection, validateRunStore } from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { RunSectionError, resolveRunSection, resolveRunTargetStores } from '../../src/experiment-file.js';
import { resolvePlaceholders, UnsetPlaceholderError } from '../../src/run-placeholders.js';

const validRun = {
  hypothesis: 'orders stay fast',
  targets: [
    {
      name: 'aws',
      cloud: 'aws',
      store: { kind: 'aws-ssm', parameter: '/faultline/demo', endpoint: '${AWS_SSM_ENDPOINT:-}' },
      probe: { url: '${AWS_DEMO_URL}/orders/${ORDER_ID:-o-1001}' },
    },
  ],
  steadyState: { successRatio: { min: 0.99 } },
  load: { ratePerSecond: 10, durationSeconds: 5 },
};

describe('the run section schema', () => {
  it('accepts placeholders in URLs and applies defaults', () => {
    const result = validateRunSection(validRun);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.run.load?.concurrency).toBe(8);
      expect(result.run.targets[0]?.probe?.method).toBe('GET');
      expect(result.run.stopConditions).toEqual([]);
    }
  });

  it('names the path and the fix for a wrong store kind, a percentage ratio and a duplicate target', () => {
    const result = validateRunSection({
      ...validRun,
      targets: [
        { ...validRun.targets[0], store: { kind: 'aws-sm', parameter: 'x' } },
        { ...validRun.targets[0] },
      ],
      stopConditions: [{ metric: 'errorRate', op: 'gt', value: 20 }],
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toContainEqual(
        expect.objectContaining({ path: 'run.targets[0].store.kind', hint: 'did you mean "aws-ssm"?' }),
      );
      expect(result.issues).toContainEqual(
        expect.objectContaining({ path: 'run.stopConditions[0].value', hint: 'did you mean 0.2?' }),
      );
    }
  });

  it('requires at least one tolerance in the steady state', () => {
    const result = validateRunSection({ ...validRun, steadyState: {} });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.issues[0]).toMatchObject({
        path: 'run.steadyState',
        message: 'must state at least one tolerance',
      });
  });
});

describe('one target store on its own', () => {
  it('validates a store without the rest of the run section, naming the field and the fix', () => {
    expect(validateRunStore({ kind: 'file', path: 'x.json' }, 'run.targets[0].store')).toMatchObject({
      ok: true,
      store: { kind: 'file', path: 'x.json' },
    });
    const wrong = validateRunStore({ kind: 'aws-ssm', parameter: '/x', endpoint: 'not a url' }, 's');
    expect(wrong.ok).toBe(false);
    expect(wrong.issues[0]).toMatchObject({ path: 's.endpoint' });
  });

  it('resolves only the stores, each on its own: an unset probe URL is never asked for', () => {
    const stores = resolveRunTargetStores(
      {
        run: {
          ...validRun,
          targets: [
            validRun.targets[0],
            { ...validRun.targets[0], name: 'b', store: { kind: 'file', path: '${P}' } },
          ],
        },
      },
      {},
      {},
    );
    expect(stores).toEqual([
      { name: 'aws', kind: 'aws-ssm', coordinates: { kind: 'aws-ssm', parameter: '/faultline/demo' } },
      { name: 'b', kind: 'file', problem: expect.stringContaining('${P} is not set') },
    ]);
  });
});

describe('placeholders', () => {
  it('take --set values first, then the environment, then the default', () => {
    expect(resolvePlaceholders('${A}-${B}-${C:-c}', { A: 'set' }, { A: 'env', B: 'env' })).toBe('set-env-c');
  });

  it('name the unset variable and where it is used', () => {
    expect(() => resolvePlaceholders({ probe: { url: '${NOPE}/x' } }, {}, {}, 'run')).toThrow(
      UnsetPlaceholderError,
    );
    expect(() => resolvePlaceholders({ probe: { url: '${NOPE}/x' } }, {}, {}, 'run')).toThrow(
      /run\.probe\.url: \$\{NOPE\} is not set/,
    );
  });

  it('drop optional coordinates that resolve to nothing and validate the real URLs', () => {
    const run = resolveRunSection({ run: validRun }, { AWS_DEMO_URL: 'http://127.0.0.1:3001' }, {});
    expect(run.targets[0]?.probe?.url).toBe('http://127.0.0.1:3001/orders/o-1001');
    expect(run.targets[0]?.store).toEqual({ kind: 'aws-ssm', parameter: '/faultline/demo' });
    expect(() => resolveRunSection({ run: validRun }, { AWS_DEMO_URL: 'not a url' }, {})).toThrow(
      RunSectionError,
    );
  });
});
