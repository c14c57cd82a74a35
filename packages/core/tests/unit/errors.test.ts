import {
  ConfigDocumentError,
  ConfigFetchTimeoutError,
  ConfigTooLargeError,
  createFaultRegistry,
  FaultlineError,
  InjectedFaultError,
  InvalidConfigOptionError,
  isFaultlineError,
  isInjectedFault,
} from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { ExperimentRejectedError } from '../../src/engine/document-pipeline.js';
import { describeError } from '../../src/errors/describe-error.js';
import { latencyFault } from '../../src/faults/types/latency.js';
import { FieldPathError } from '../../src/invocation/fields.js';

describe('FaultlineError', () => {
  it('is the base of every core error, each with its stable code', () => {
    const errors: [Error, string][] = [
      [
        new InjectedFaultError('boom', { experimentId: 'e', faultId: 'f', faultType: 'exception' }),
        'INJECTED_FAULT',
      ],
      [new ConfigFetchTimeoutError('ssm:/x', 1_000), 'CONFIG_FETCH_TIMEOUT'],
      [new ConfigTooLargeError('file:/x', 2, 1), 'CONFIG_TOO_LARGE'],
      [new ConfigDocumentError('bad'), 'CONFIG_DOCUMENT_INVALID'],
      [new InvalidConfigOptionError('ttlMs', -1, 'a number ≥ 0'), 'INVALID_OPTION'],
      [new ExperimentRejectedError([{ path: 'id', message: 'is required' }]), 'EXPERIMENT_INVALID'],
      [new FieldPathError('htp.path', 'unknown field'), 'FIELD_PATH_INVALID'],
    ];
    for (const [error, code] of errors) {
      expect(error).toBeInstanceOf(FaultlineError);
      expect(isFaultlineError(error)).toBe(true);
      expect((error as FaultlineError).code).toBe(code);
      expect(error.name).not.toBe('FaultlineError');
    }
  });

  it('reports a fault type registered twice with its code', () => {
    expect(() => createFaultRegistry([latencyFault, latencyFault])).toThrow(
      expect.objectContaining({ code: 'FAULT_TYPE_DUPLICATE', message: expect.stringContaining('latency') }),
    );
  });

  it('is recognised across copies of the package by its marker, not by its shape', () => {
    // Another copy of @faultline/core has its own class; the marker is a registered symbol both copies share.
    const fromAnotherCopy = Object.assign(new Error('other copy'), { code: 'STORE_READ_FAILED' });
    Object.defineProperty(fromAnotherCopy, Symbol.for('@faultline/error'), { value: true });
    const lookalike = Object.assign(new Error('not ours'), { code: 'STORE_READ_FAILED' });

    expect(isFaultlineError(fromAnotherCopy)).toBe(true);
    expect(isFaultlineError(lookalike)).toBe(false);
    expect(isFaultlineError('STORE_READ_FAILED')).toBe(false);
  });

  it('never passes for an injected fault unless it is one, and keeps the marker out of JSON', () => {
    const ours = new FaultlineError('INTERNAL', 'a bug');

    expect(isInjectedFault(ours)).toBe(false);
    expect(JSON.parse(JSON.stringify(ours))).toEqual({ code: 'INTERNAL', name: 'FaultlineError' });
  });
});

describe('describeError', () => {
  it('names the error, its message with its cause, and the most specific code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

    expect(describeError(new TypeError('boom'))).toEqual({ errorName: 'TypeError', errorMessage: 'boom' });
    expect(describeError(new Error('fetch failed', { cause: refused }))).toEqual({
      errorName: 'Error',
      errorMessage: 'fetch failed: connect ECONNREFUSED 127.0.0.1:1',
      errorCode: 'ECONNREFUSED',
    });
    expect(describeError(new ConfigFetchTimeoutError('ssm:/x', 5))).toMatchObject({
      errorName: 'ConfigFetchTimeoutError',
      errorCode: 'CONFIG_FETCH_TIMEOUT',
    });
  });

  it("carries a faultline error's service code", () => {
    const error = Object.assign(new FaultlineError('STORE_READ_FAILED', 'GetParameter failed'), {
      serviceCode: 'ThrottlingException',
    });

    expect(describeError(error)).toEqual({
      errorName: 'FaultlineError',
      errorMessage: 'GetParameter failed',
      errorCode: 'STORE_READ_FAILED',
      serviceCode: 'ThrottlingException',
    });
  });

  it('bounds the message and survives values that cannot be described', () => {
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };

    expect(describeError(new Error('x'.repeat(2_000))).errorMessage).toHaveLength(500);
    expect(describeError('plain text')).toEqual({ errorName: 'string', errorMessage: 'plain text' });
    expect(describeError(hostile)).toEqual({
      errorName: 'unknown',
      errorMessage: 'an error that could not be described',
    });
  });
});
