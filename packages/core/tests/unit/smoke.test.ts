import { s } from '@faultline/core';
import { expect, it } from 'vitest';

it('resolves the workspace package through its source condition', () => {
  const issues: { path: string; message: string }[] = [];
  s.number({ minimum: 0, maximum: 1 }).validate(5, 'p', issues);
  expect(issues[0]?.message).toBe('must be between 0 and 1, got 5');
});
