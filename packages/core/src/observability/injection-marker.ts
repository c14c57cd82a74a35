import type { NeutralResponse } from '../faults/fault-type.js';
import type { Invocation } from '../invocation/invocation.js';

/**
 * The request header a `faultline run` probe sends with the run token of the experiment it pushed (the experiment's
 * `runToken`). Only requests carrying the active experiment's token get {@link injectedFaultsHeader} back.
 */
export const runTokenHeader = 'x-faultline-run-token';

/**
 * The response header listing the ids of the faults injected into an HTTP invocation (comma-separated, file order),
 * set only when the request carried the active experiment's run token ({@link runTokenHeader}) and at least one
 * fault acted. `faultline run` counts it per target and per fault to prove that faults fired.
 */
export const injectedFaultsHeader = 'x-faultline-injected';

/** Shortest and longest run token, in characters (letters, digits, `-`, `_`). */
export const runTokenLength = { min: 16, max: 128 } as const;

/** A run token's characters: base64url, so it travels in a header unchanged. */
export const runTokenPattern = /^[A-Za-z0-9_-]+$/;

/** The header to add to one invocation's response: its name and the injected fault ids. */
export interface InjectionMarker {
  readonly name: string;
  readonly value: string;
}

/**
 * The marker for an invocation that faults act on, or `undefined`: when the experiment has no run token, the trigger
 * is not HTTP, the request does not carry the token, or no fault acts. Called on the firing path only, once per run.
 */
export function injectionMarkerFor(
  runToken: string | undefined,
  invocation: Invocation,
  faults: readonly { readonly id: string }[],
): InjectionMarker | undefined {
  if (runToken === undefined || faults.length === 0 || invocation.trigger !== 'http') return undefined;
  const presented = invocation.http?.headers[runTokenHeader];
  if (presented === undefined || !sameToken(presented, runToken)) return undefined;
  let value = '';
  for (const fault of faults) value = value === '' ? fault.id : `${value},${fault.id}`;
  return { name: injectedFaultsHeader, value };
}

/** The response with the marker header added (a copy; the response may be shared by every invocation). */
export function withInjectionMarker(response: NeutralResponse, marker: InjectionMarker): NeutralResponse {
  return { ...response, headers: { ...response.headers, [marker.name]: marker.value } };
}

/**
 * Compares in time independent of where the strings differ, so response timing does not reveal a token's prefix.
 * Lengths are not secret (every token `faultline run` creates has the same length).
 */
function sameToken(presented: string, expected: string): boolean {
  if (presented.length !== expected.length) return false;
  let difference = 0;
  for (let index = 0; index < expected.length; index++) {
    difference |= presented.charCodeAt(index) ^ expected.charCodeAt(index);
  }
  return difference === 0;
}
