import { describe, expect, it } from 'vitest';
import { codeBlocks, markdownFiles, readRepositoryFile } from '../src/markdown.js';
import { checkSnippets, importedPackages, snippetPackages, typescriptLanguages } from '../src/snippets.js';

// What users read: the root README, docs/, every package's README and the examples.
const documented = markdownFiles().filter(
  (file) =>
    file === 'README.md' ||
    file.startsWith('docs/') ||
    file.startsWith('examples/') ||
    /^packages\/[^/]+\/README\.md$/.test(file),
);
const blocks = documented.flatMap((file) => codeBlocks(file, readRepositoryFile(file)));
const typescript = blocks.filter((block) => typescriptLanguages.includes(block.language));

describe('the TypeScript snippets of README.md, docs/ and the package READMEs', () => {
  it('type-check against the real exports', () => {
    // Prepare: the set is not empty, and covers every place the issue names
    const files = new Set(typescript.map((block) => block.file));
    expect(files).toContain('README.md');
    expect([...files].some((file) => file.startsWith('docs/'))).toBe(true);
    expect(
      [...files].filter((file) => /^packages\/[^/]+\/README\.md$/.test(file)).length,
    ).toBeGreaterThanOrEqual(4);

    // Act
    const problems = checkSnippets(typescript);

    // Assess
    expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([]);
  });

  it('import only the packages this check resolves deliberately', () => {
    const unexpected = typescript.flatMap((block) =>
      importedPackages(block.code)
        .filter((name) => !snippetPackages.includes(name))
        .map((name) => `${block.file}:${block.line}: ${name}`),
    );
    expect(unexpected).toEqual([]);
  });

  it('would catch an import that does not exist, also in a partial snippet', () => {
    const problems = checkSnippets([
      {
        file: 'docs/example.md',
        line: 10,
        language: 'ts',
        flags: ['partial'],
        code: "import { wrapHandler } from '@faultline/aws-lambda';\nexport const handler = wrapHandler(baseHandler);",
      },
    ]);
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'docs/example.md',
        line: 11,
        message: expect.stringMatching(/^TS2305: .*wrapHandler/),
      }),
    ]);
  });

  it('lets a partial snippet use names it does not declare, but not a full one', () => {
    const code =
      "import { withFaults } from '@faultline/aws-lambda';\nexport const handler = withFaults(baseHandler);";
    expect(checkSnippets([{ file: 'a.md', line: 1, language: 'ts', flags: ['partial'], code }])).toEqual([]);
    expect(checkSnippets([{ file: 'a.md', line: 1, language: 'ts', flags: [], code }])).toEqual([
      expect.objectContaining({
        line: 3,
        message: expect.stringMatching(/^TS2304: Cannot find name 'baseHandler'/),
      }),
    ]);
  });
});
