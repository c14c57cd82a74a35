import { describe, expect, it } from 'vitest';
import type { NeutralResponse } from '../../src/faults/fault-type.js';
import { corsFault } from '../../src/faults/types/cors.js';
import {
  attributeIssues,
  createEffect,
  createTestFaultContext,
} from '../integration/interceptors-support.js';

const response: NeutralResponse = {
  status: 200,
  headers: {
    'Access-Control-Allow-Origin': 'https://shop.example',
    'access-control-allow-methods': 'GET, POST',
    'ACCESS-CONTROL-MAX-AGE': '600',
    'content-type': 'application/json',
    'x-access-control-note': 'not a CORS header',
  },
  body: '{"ok":true}',
};

describe('cors', () => {
  it('removes every Access-Control-* header, whatever its case, and keeps the rest', async () => {
    const effect = createEffect(corsFault, { mode: 'remove' });

    const changed = await effect.after?.(createTestFaultContext({ type: 'cors' }), response);

    expect(changed).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', 'x-access-control-note': 'not a CORS header' },
      body: '{"ok":true}',
    });
  });

  it('replaces the CORS headers with the given ones in override mode', async () => {
    const effect = createEffect(corsFault, {
      mode: 'override',
      headers: { 'Access-Control-Allow-Origin': 'https://wrong.example' },
    });

    const changed = await effect.after?.(createTestFaultContext({ type: 'cors' }), response);

    expect(changed?.headers).toEqual({
      'content-type': 'application/json',
      'x-access-control-note': 'not a CORS header',
      'Access-Control-Allow-Origin': 'https://wrong.example',
    });
  });

  it('does not modify the handler response object', async () => {
    const effect = createEffect(corsFault, {});
    await effect.after?.(createTestFaultContext({ type: 'cors' }), response);
    expect(Object.keys(response.headers)).toHaveLength(5);
  });

  it('explains invalid attributes', () => {
    expect(attributeIssues(corsFault, { mode: 'override' })[0]).toMatchObject({
      path: 'headers',
      message: 'is required in override mode',
    });
    expect(
      attributeIssues(corsFault, { mode: 'override', headers: { 'content-type': 'x' } })[0],
    ).toMatchObject({
      path: 'headers.content-type',
      message: 'is not an Access-Control-* header',
    });
    expect(attributeIssues(corsFault, { mode: 'remove', headers: {} })[0]?.message).toContain(
      'override mode',
    );
    expect(attributeIssues(corsFault, { mode: 'strip' })[0]?.hint).toBeUndefined();
  });
});
