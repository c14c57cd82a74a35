import type { CompiledCondition, CompiledExperiment } from './compile.js';
import { conditionFailsNatively, type NativeMatchPlan, type NativeReads } from './conditions.js';
import type { NativeFieldReader } from './native-fields.js';
import { activeProcessWideFaultCount } from './process-wide-faults.js';

const maxGeneration = 0x3fff_ffff;

/**
 * Whether the decision for the invocation `first, second` is certainly "nothing fires, nothing to report", read
 * from the native arguments without building the invocation: some condition of every fault fails (or a condition
 * they all share). Then `plan` would inject nothing, would-inject nothing, book no budget and emit no event, so the
 * wrapper calls the handler directly. `false` means "not certain" (a fault without conditions, a field the reader
 * cannot read, a condition that holds, an error): the wrapper then builds the invocation and plans as usual, so the
 * decision is the same either way.
 *
 * Cases with something to report stay on the full path: a `scope: process` fault active in another invocation
 * (neighbour events), and the production guard's first refusal (its once-per-version event) — unless the reader
 * shows a stage the guard lets through.
 */
export function nothingCanFire<First, Second>(
  compiled: CompiledExperiment,
  reader: NativeFieldReader<First, Second>,
  first: First,
  second: Second,
  reads?: NativeReads,
): boolean {
  if (activeProcessWideFaultCount() > 0) return false;
  // A new invocation: what the previous ones read is stale. Restarting the count now and then keeps it a small
  // integer (no heap number) without ever meeting an old generation again.
  if (reads !== undefined && ++reads.generation > maxGeneration) {
    reads.generation = 0;
    reads.generations.fill(-1);
  }
  try {
    reader.begin(first, second);
    // An experiment aimed at other functions: `decide` says "not targeted" before anything else, and reports
    // nothing (not even the production guard).
    const targets = reads?.targets;
    if (targets !== undefined && !targetedNatively(targets, reader)) return true;
    if (!compiled.allowProduction && !compiled.state.productionRefusedReported) {
      const stage = reader.read('stage', '');
      // A stage the guard refuses (or none: unknown means production) is reported once by the full path.
      if (typeof stage !== 'string' || compiled.isProductionStage(stage)) return false;
    }
    if (someConditionFails(compiled.sharedConditions, reader, reads)) return true;
    if (reads !== undefined) {
      const lists = reads.faultConditions;
      for (let index = 0; index < lists.length; index++) {
        if (!someConditionFails(lists[index] as readonly CompiledCondition[], reader, reads)) return false;
      }
      return lists.length > 0;
    }
    const faults = compiled.faults;
    for (let index = 0; index < faults.length; index++) {
      if (
        !someConditionFails((faults[index] as CompiledExperiment['faults'][number]).conditions, reader, reads)
      ) {
        return false;
      }
    }
    return faults.length > 0;
  } catch {
    return false;
  } finally {
    reader.end();
  }
}

/**
 * {@link nothingCanFire} for an experiment with a {@link NativeMatchPlan}: the same decision (the plan covers the
 * conditions the faults share too, since they are conditions of every fault), in a function small enough for V8
 * to optimize as one piece with the reader's reads.
 */
export function nothingCanFireByPlan<First, Second>(
  compiled: CompiledExperiment,
  plan: NativeMatchPlan,
  targets: NativeReads['targets'],
  reader: NativeFieldReader<First, Second>,
  first: First,
  second: Second,
): boolean {
  if (activeProcessWideFaultCount() > 0) return false;
  try {
    reader.begin(first, second);
    if (targets !== undefined && !targetedNatively(targets, reader)) return true;
    if (
      !compiled.allowProduction &&
      !compiled.state.productionRefusedReported &&
      !stageLetThrough(compiled, reader)
    )
      return false;
    return plan.everyFaultMisses(reader);
  } catch {
    return false;
  } finally {
    reader.end();
  }
}

/** Whether the production guard lets the stage `reader` reads through; `false` for a stage it refuses or none. */
function stageLetThrough<First, Second>(
  compiled: CompiledExperiment,
  reader: NativeFieldReader<First, Second>,
): boolean {
  const stage = reader.read('stage', '');
  return typeof stage === 'string' && !compiled.isProductionStage(stage);
}

function someConditionFails<First, Second>(
  conditions: readonly CompiledCondition[],
  reader: NativeFieldReader<First, Second>,
  reads: NativeReads | undefined,
): boolean {
  for (let index = 0; index < conditions.length; index++) {
    if (conditionFailsNatively(conditions[index] as CompiledCondition, reader, reads)) return true;
  }
  return false;
}

function targetedNatively<First, Second>(
  targets: NonNullable<NativeReads['targets']>,
  reader: NativeFieldReader<First, Second>,
): boolean {
  const cloud = reader.read('cloud', '');
  const functionName = reader.read('function', '');
  const stage = reader.read('stage', '');
  // Not certain (a field the reader cannot read, or not text as the invocation holds it): decide on the invocation.
  if (typeof cloud !== 'string' || typeof functionName !== 'string') return true;
  if (stage !== undefined && typeof stage !== 'string') return true;
  return targets(cloud, functionName, stage);
}
