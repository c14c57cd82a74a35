import {
  builtinFaultRegistry,
  createFaultRegistry,
  defineFaultType,
  type FaultRegistry,
  s,
} from '@faultline/core';
import { describe, expect, it } from 'vitest';
import { compileExperiment } from '../../src/engine/compile.js';
import { compileExperimentDocument } from '../../src/engine/document-pipeline.js';
import type { EventFields } from '../../src/engine/event-emitter.js';
import type { ExperimentDefinition } from '../../src/experiment/types.js';

/** A fault type whose `create` needs what its `prepare` loaded, like blackhole and dependency. */
function createLazyType(type: string, prepare: () => Promise<void>, loaded: () => boolean) {
  return defineFaultType({
    type,
    summary: 'Needs a module loaded by prepare.',
    phase: 'before',
    attributes: s.object({}),
    prepare,
    create: () => {
      if (!loaded()) throw new Error('create before prepare');
      return {};
    },
  });
}

const plainFault = defineFaultType({
  type: 'plain',
  summary: 'Needs nothing.',
  phase: 'before',
  attributes: s.object({}),
  create: () => ({}),
});

/** Compiles an experiment with `faults` through the engine's document pipeline, collecting fault-skipped reports. */
function compile(faults: object[], registry: FaultRegistry = builtinFaultRegistry) {
  const reports: { message: string; fields: EventFields }[] = [];
  const document = { schemaVersion: 1, id: 'prepared', faults };
  return compileExperimentDocument(JSON.stringify(document), 'v1', {
    registry,
    maxSizeBytes: undefined,
    reportSkipped: (message, fields) => reports.push({ message, fields }),
  }).then(({ compiled }) => ({ compiled, reports }));
}

describe('fault types with prepare', () => {
  it('are prepared (once per experiment, concurrently) before create, and only when an enabled fault uses them', async () => {
    const calls: string[] = [];
    let loaded = false;
    const lazy = createLazyType(
      'lazy',
      async () => {
        calls.push('prepare');
        await new Promise((resolve) => setTimeout(resolve, 5));
        loaded = true;
      },
      () => loaded,
    );
    let unusedPrepared = false;
    const unused = createLazyType(
      'unused',
      async () => {
        unusedPrepared = true;
      },
      () => true,
    );
    const registry = createFaultRegistry([lazy, unused, plainFault]);
    const { compiled, reports } = await compile(
      [
        { id: 'a', type: 'lazy', probability: 1 },
        { id: 'b', type: 'lazy', probability: 0.5 },
        { id: 'off', type: 'unused', enabled: false, probability: 1 },
        { id: 'never', type: 'unused', probability: 0 },
        { id: 'c', type: 'plain', probability: 1 },
      ],
      registry,
    );
    expect(reports).toEqual([]);
    expect(compiled.faults.map((fault) => fault.id)).toEqual(['a', 'b', 'c']);
    expect(calls).toEqual(['prepare']);
    expect(unusedPrepared).toBe(false);
  });

  it('skip and report the faults of a type whose prepare rejects (or throws); the other faults still apply', async () => {
    const rejecting = createLazyType(
      'rejecting',
      () => Promise.reject(new Error('module not found')),
      () => true,
    );
    const throwing = createLazyType(
      'throwing',
      () => {
        throw new TypeError('broken');
      },
      () => true,
    );
    const registry = createFaultRegistry([rejecting, throwing, plainFault]);
    const { compiled, reports } = await compile(
      [
        { id: 'r', type: 'rejecting', probability: 1 },
        { id: 't', type: 'throwing', probability: 1 },
        { id: 'ok', type: 'plain', probability: 1 },
      ],
      registry,
    );
    expect(compiled.faults.map((fault) => fault.id)).toEqual(['ok']);
    expect(compiled.armed).toBe(true);
    // Inside a function a type's error is reported by name only (its message may quote the document).
    expect(reports.map((report) => [report.fields.faultId, report.message])).toEqual([
      ['r', 'fault r could not be prepared: Error; it was skipped'],
      ['t', 'fault t could not be prepared: TypeError; it was skipped'],
    ]);
  });

  it('blackhole and dependency load the network interceptors in prepare; create without it skips the fault', async () => {
    const experiment = {
      schemaVersion: 1,
      id: 'network',
      enabled: true,
      mode: 'enforce',
      guard: {},
      faults: [
        {
          id: 'cut',
          type: 'blackhole',
          enabled: true,
          probability: 1,
          hosts: ['db.internal'],
          behavior: 'refuse',
        },
      ],
    } as unknown as ExperimentDefinition;
    // compileExperiment alone does not prepare: `create` must fail closed for its fault, not throw.
    const unprepared = compileExperiment(experiment, {
      registry: builtinFaultRegistry,
      unpreparedTypes: new Map([['blackhole', new Error('network down')]]),
    });
    expect(unprepared.compiled.faults).toEqual([]);
    expect(unprepared.skipped).toEqual([
      expect.objectContaining({ id: 'cut', reason: 'could not be prepared: network down' }),
    ]);
    const { compiled, reports } = await compile(experiment.faults as object[]);
    expect(reports).toEqual([]);
    expect(compiled.faults.map((fault) => fault.id)).toEqual(['cut']);
  });
});
