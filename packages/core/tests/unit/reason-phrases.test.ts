import { STATUS_CODES } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { reasonPhraseOf as adapterReasonPhraseOf } from '../../src/adapter-kit.js';
import { loadFaultRuntime } from '../../src/engine/fault-runtime-loader.js';
import { reasonPhraseOf } from '../../src/invocation/reason-phrases.js';
import { formatSyntheticResponse } from '../../src/scope/synthetic-response.js';

describe('reasonPhraseOf', () => {
  it("names every status exactly as Node's http.STATUS_CODES does, on the Node version running the tests", () => {
    for (let status = 100; status < 600; status++) {
      expect(reasonPhraseOf(status), `status ${status}`).toBe(STATUS_CODES[status]);
    }
  });

  it('has no phrase for a status outside the table', () => {
    expect(reasonPhraseOf(299)).toBeUndefined();
    expect(reasonPhraseOf(0)).toBeUndefined();
    expect(reasonPhraseOf(Number.NaN)).toBeUndefined();
  });

  it("is what a dependency fault's synthetic response puts on its status line", () => {
    const line = (status: number) =>
      formatSyntheticResponse({ status, headers: {}, body: '' }).toString('latin1').split('\r\n')[0];
    expect(line(503)).toBe('HTTP/1.1 503 Service Unavailable');
    expect(line(418)).toBe("HTTP/1.1 418 I'm a Teapot");
    expect(line(599)).toBe('HTTP/1.1 599 Status');
  });
});

describe("the adapter kit's reasonPhraseOf", () => {
  beforeAll(async () => {
    await loadFaultRuntime();
  });

  it("answers from the engine's runtime once it has loaded", () => {
    expect(adapterReasonPhraseOf(503)).toBe('Service Unavailable');
    expect(adapterReasonPhraseOf(429)).toBe(STATUS_CODES[429]);
    expect(adapterReasonPhraseOf(299)).toBeUndefined();
  });
});
