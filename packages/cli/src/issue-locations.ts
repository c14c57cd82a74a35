import { formatValidationIssue, type ValidationIssue } from '@faultline/core';
import { createModuleLoader } from '@faultline/core/adapter-kit';

/** A validation issue with where it is in the file (1-based), when the file says. */
export interface LocatedIssue extends ValidationIssue {
  readonly line?: number;
  readonly column?: number;
}

type YamlModule = typeof import('yaml');
type YamlNode = import('yaml').Node;

// Only files with issues need the YAML parser; a failed load is retried by the next file.
const yamlParser = createModuleLoader(() => import('yaml'));

/**
 * Adds the line and column of each issue's JSON path in `text` (JSON or YAML), so editors and CI can annotate the
 * line: a map entry points at its key, a list item at the item; a path that does not exist (a missing required
 * field) points at the closest enclosing value that does. Syntax errors keep the position the parser reported.
 * The text was already parsed safely by core (size and alias limits), so reading it again here is bounded.
 *
 * @example
 * ```ts
 * const located = await locateIssues('faults:\n  - { id: a, probability: 5 }\n', [
 *   { path: 'faults[0].probability', message: 'must be between 0 and 1, got 5' },
 * ]);
 * located[0]; // { path: 'faults[0].probability', message: '…', line: 2, column: 15 }
 * ```
 */
export async function locateIssues(
  text: string,
  issues: readonly ValidationIssue[],
): Promise<LocatedIssue[]> {
  const fromMessages = issues.map(locationInMessage);
  if (issues.every((issue, index) => issue.path === '' || fromMessages[index] !== undefined)) {
    return issues.map((issue, index) => ({ ...issue, ...fromMessages[index] }));
  }
  let yaml: YamlModule;
  try {
    yaml = await yamlParser.load();
  } catch {
    return issues.map((issue, index) => ({ ...issue, ...fromMessages[index] }));
  }
  const lineCounter = new yaml.LineCounter();
  const document = yaml.parseDocument(text, { lineCounter, uniqueKeys: false, logLevel: 'silent' });
  return issues.map((issue, index) => {
    const known = fromMessages[index];
    if (known !== undefined || issue.path === '') return { ...issue, ...known };
    const offset = offsetOfPath(yaml, document.contents, parsePath(issue.path));
    if (offset === undefined) return { ...issue };
    const position = lineCounter.linePos(offset);
    return { ...issue, line: position.line, column: position.col };
  });
}

/** `at line 3, column 7` in a parser's message (core reports syntax errors that way). */
function locationInMessage(issue: ValidationIssue): { line: number; column: number } | undefined {
  const match = /at line (\d+), column (\d+)/.exec(issue.message);
  return match === null ? undefined : { line: Number(match[1]), column: Number(match[2]) };
}

/**
 * A JSON path as core writes it, split: `faults[2].match[0].value` → `['faults', 2, 'match', 0, 'value']`; keys
 * that are not identifiers are quoted, `labels["a.b"]` → `['labels', 'a.b']`.
 *
 * @example
 * ```ts
 * parsePath('run.targets[0].probe.url'); // ['run', 'targets', 0, 'probe', 'url']
 * ```
 */
export function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/g)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else if (match[3] !== undefined) segments.push(match[3]);
  }
  return segments;
}

function offsetOfPath(
  yaml: YamlModule,
  root: YamlNode | null,
  segments: readonly (string | number)[],
): number | undefined {
  let node: YamlNode | null | undefined = root;
  let offset = root?.range?.[0];
  for (const segment of segments) {
    if (node === null || node === undefined) break;
    if (typeof segment === 'number' && yaml.isSeq(node)) {
      const item = node.items[segment] as YamlNode | undefined;
      if (item === undefined) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else if (typeof segment === 'string' && yaml.isMap(node)) {
      const pair = node.items.find(
        (candidate) => yaml.isScalar(candidate.key) && String(candidate.key.value) === segment,
      );
      if (pair === undefined) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value as YamlNode | null;
    } else break;
  }
  return offset;
}

/**
 * One issue as `file:line:column: path: message — hint`, the shape compilers print, so editors and CI annotate
 * the line (`file: path: message` when the issue has no position).
 *
 * @example
 * ```ts
 * formatLocatedIssue('x.yaml', { path: 'id', message: 'is required', line: 1, column: 1 }); // 'x.yaml:1:1: id: is required'
 * ```
 */
export function formatLocatedIssue(file: string, issue: LocatedIssue): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}:${issue.column ?? 1}`;
  return `${where}: ${formatValidationIssue(issue)}`;
}
