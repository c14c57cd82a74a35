import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** The repository root. */
export const repositoryRoot = resolve(import.meta.dirname, '../../..');

/** A fenced code block of a Markdown file. */
export interface CodeBlock {
  /** Path relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The fence's language, lower case (`ts`, `yaml`, …). */
  readonly language: string;
  /** The words after the language, e.g. `['partial']` for ```` ```ts partial ````. */
  readonly flags: readonly string[];
  readonly code: string;
}

/**
 * Every Markdown file the project publishes or shows: the READMEs (root, packages, apps, tooling, bench, examples),
 * `docs/`, CONTRIBUTING. Not changelogs or changesets (generated), not node_modules.
 */
export function markdownFiles(): string[] {
  const files: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'dist') continue;
      if (entry.name === 'reports' || entry.name === 'api') continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md') && entry.name !== 'CHANGELOG.md')
        files.push(relative(repositoryRoot, path));
    }
  };
  walk(repositoryRoot);
  return files.sort();
}

/** The fenced code blocks of a Markdown text. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  let open: { line: number; fence: string; language: string; flags: string[]; body: string[] } | undefined;
  for (const [index, line] of lines.entries()) {
    if (open === undefined) {
      const match = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/.exec(line);
      if (match !== null) {
        open = {
          line: index + 1,
          fence: match[2] as string,
          language: (match[3] ?? '').toLowerCase(),
          flags: (match[4] ?? '').split(/\s+/).filter((word) => word !== ''),
          body: [],
        };
      }
    } else if (line.trim().startsWith(open.fence) && line.trim().replace(/[`~]/g, '') === '') {
      blocks.push({
        file,
        line: open.line,
        language: open.language,
        flags: open.flags,
        code: open.body.join('\n'),
      });
      open = undefined;
    } else open.body.push(line);
  }
  return blocks;
}

/** Markdown text with its fenced code blocks and inline code spans blanked (links in code are not links). */
export function withoutCode(text: string): string {
  let inFence = false;
  let fence = '';
  return text
    .split('\n')
    .map((line) => {
      const match = /^\s*(`{3,}|~{3,})/.exec(line);
      if (!inFence && match !== null) {
        inFence = true;
        fence = match[1] as string;
        return '';
      }
      if (inFence) {
        if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') inFence = false;
        return '';
      }
      return line.replace(/`[^`]*`/g, (span) => ' '.repeat(span.length));
    })
    .join('\n');
}

/**
 * The anchors GitHub gives a file's headings: lower case, punctuation dropped (hyphens and underscores kept),
 * spaces to hyphens, `-1`, `-2`, … for repeats. Inline code and link syntax count as their text.
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  let inFence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (match === null) continue;
    const base = slug(match[1] as string);
    const seen = counts.get(base) ?? 0;
    counts.set(base, seen + 1);
    anchors.add(seen === 0 ? base : `${base}-${seen}`);
  }
  for (const match of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] as string);
  return anchors;
}

/** GitHub's heading slug. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Reads a file of the repository. */
export function readRepositoryFile(file: string): string {
  return readFileSync(join(repositoryRoot, file), 'utf8');
}
