import { createRequire } from 'node:module';

/** The documentation pages help and error messages link to (files under `docs/` in the repository). */
export const docsPages = ['cli', 'running-experiments', 'experiment-format', 'fault-types'] as const;
export type DocsPage = (typeof docsPages)[number];

let homepage: string | undefined;

/** The package's `homepage` (package.json), without a trailing slash or `#readme`. */
function packageHomepage(): string {
  if (homepage === undefined) {
    const require = createRequire(import.meta.url);
    const value = (require('../package.json') as { homepage?: string }).homepage ?? 'https://faultline.dev';
    homepage = value.replace(/#.*$/, '').replace(/\/+$/, '');
  }
  return homepage;
}

/**
 * The URL of a documentation page, from the package's homepage: help and errors link to docs a user can open
 * anywhere, not to paths in a repository they may not have. A GitHub homepage links to the Markdown file on the
 * default branch; any other homepage serves the page under `/docs/`.
 *
 * @example
 * ```ts
 * docsUrl('running-experiments', 'the-run-section'); // 'https://faultline.dev/docs/running-experiments#the-run-section'
 * ```
 */
export function docsUrl(page: DocsPage, anchor?: string): string {
  const base = packageHomepage();
  const fragment = anchor === undefined ? '' : `#${anchor}`;
  if (/^https:\/\/github\.com\/[^/]+\/[^/]+$/.test(base))
    return `${base}/blob/main/docs/${page}.md${fragment}`;
  return `${base}/docs/${page}${fragment}`;
}
