import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { headingAnchors, readRepositoryFile, repositoryRoot, withoutCode } from './markdown.js';

/** A relative link that does not resolve. */
export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

/**
 * Checks every relative link of a Markdown file (`[text](path)`, `[text](path#anchor)`, `[text](#anchor)`,
 * reference definitions `[id]: path`): the file or folder exists in the repository, and an anchor into a Markdown
 * file names one of its headings. Links in code are not links; absolute URLs are not followed (no network here).
 */
export function findBrokenLinks(file: string): BrokenLink[] {
  const text = withoutCode(readRepositoryFile(file));
  const broken: BrokenLink[] = [];
  const anchorsByFile = new Map<string, Set<string>>();
  const anchorsOf = (target: string) => {
    let anchors = anchorsByFile.get(target);
    if (anchors === undefined) {
      anchors = headingAnchors(readRepositoryFile(target));
      anchorsByFile.set(target, anchors);
    }
    return anchors;
  };
  const links = [
    ...text.matchAll(/!?\[(?:[^\]\n]|\][^(\n])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g),
    ...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm),
  ];
  for (const match of links) {
    const target = match[1] as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto:, …
    const line = text.slice(0, match.index).split('\n').length;
    const [pathPart, anchor] = splitAnchor(target);
    const resolved = pathPart === '' ? file : normalize(join(dirname(file), decodeURIComponent(pathPart)));
    if (resolved.startsWith('..')) {
      broken.push({ file, line, target, reason: 'points outside the repository' });
      continue;
    }
    const absolute = join(repositoryRoot, resolved);
    if (!existsSync(absolute)) {
      broken.push({ file, line, target, reason: `${resolved} does not exist` });
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(absolute).isDirectory() || !resolved.endsWith('.md')) continue;
    if (!anchorsOf(resolved).has(anchor)) {
      broken.push({ file, line, target, reason: `${resolved} has no heading #${anchor}` });
    }
  }
  return broken;
}

function splitAnchor(target: string): [string, string | undefined] {
  const hash = target.indexOf('#');
  return hash === -1 ? [target, undefined] : [target.slice(0, hash), target.slice(hash + 1)];
}
