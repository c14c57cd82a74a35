/** One difference between two JSON documents. */
export interface DocumentChange {
  readonly kind: 'added' | 'removed' | 'changed';
  /** JSON path, e.g. `faults[slow-pricing].probability` (list items with an `id` are addressed by it). */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/**
 * Compares two JSON documents structurally. Lists whose items all carry an `id` (faults) are matched by id, so
 * reordering is not reported as a change of every entry.
 *
 * @example
 * ```ts
 * diffDocuments({ enabled: true }, { enabled: false });
 * // [{ kind: 'changed', path: 'enabled', before: true, after: false }]
 * ```
 */
export function diffDocuments(before: unknown, after: unknown, path = ''): DocumentChange[] {
  if (Object.is(before, after)) return [];
  if (before === undefined) return [{ kind: 'added', path, after }];
  if (after === undefined) return [{ kind: 'removed', path, before }];
  if (Array.isArray(before) && Array.isArray(after)) {
    if (hasIds(before) && hasIds(after)) {
      const changes: DocumentChange[] = [];
      const afterById = new Map(after.map((item) => [item.id, item]));
      const beforeById = new Map(before.map((item) => [item.id, item]));
      for (const item of before)
        changes.push(...diffDocuments(item, afterById.get(item.id), `${path}[${item.id}]`));
      for (const item of after) {
        if (!beforeById.has(item.id))
          changes.push({ kind: 'added', path: `${path}[${item.id}]`, after: item });
      }
      return changes;
    }
    const changes: DocumentChange[] = [];
    const length = Math.max(before.length, after.length);
    for (let index = 0; index < length; index++) {
      changes.push(...diffDocuments(before[index], after[index], `${path}[${index}]`));
    }
    return changes;
  }
  if (isObject(before) && isObject(after)) {
    const changes: DocumentChange[] = [];
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      changes.push(...diffDocuments(before[key], after[key], path === '' ? key : `${path}.${key}`));
    }
    return changes;
  }
  return [{ kind: 'changed', path, before, after }];
}

/**
 * Renders changes as `+`/`-`/`~` lines.
 *
 * @example
 * ```ts
 * formatChanges(diffDocuments(stored, local)).join('\n');
 * ```
 */
export function formatChanges(changes: readonly DocumentChange[]): string[] {
  return changes.map((change) => {
    const path = change.path === '' ? '(document)' : change.path;
    switch (change.kind) {
      case 'added':
        return `+ ${path}: ${short(change.after)}`;
      case 'removed':
        return `- ${path}: ${short(change.before)}`;
      default:
        return `~ ${path}: ${short(change.before)} → ${short(change.after)}`;
    }
  });
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasIds(list: unknown[]): list is { id: string }[] {
  const ids = new Set<unknown>();
  for (const item of list) {
    if (!isObject(item) || typeof item.id !== 'string' || ids.has(item.id)) return false;
    ids.add(item.id);
  }
  return list.length > 0;
}
