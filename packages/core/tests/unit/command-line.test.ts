// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders are literal text in these tests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitCommandLine, validateRunSection } from '../../src/index.js';

const quoteForShell = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

describe('splitCommandLine (steady-state commands without a shell)', () => {
  it('splits on blanks, with quotes and backslashes as a POSIX shell reads them, placeholders kept in their word', () => {
    expect(
      splitCommandLine('./check-queue.sh --queue ${QUEUE} "two words" \'$literal\' a\\ b x"${Y:-d e}"z'),
    ).toEqual({
      ok: true,
      words: ['./check-queue.sh', '--queue', '${QUEUE}', 'two words', '$literal', 'a b', 'x${Y:-d e}z'],
    });
    expect(splitCommandLine('  node  "a\\"b"  ')).toEqual({ ok: true, words: ['node', 'a"b'] });
  });

  it('round-trips any argv quoted the POSIX way', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 6 }), (words) => {
        expect(splitCommandLine(words.map(quoteForShell).join(' '))).toEqual({ ok: true, words });
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['cat queue.txt | grep ready', '"|" at character 15'],
    ['check; touch x', '";" at character 6'],
    ['a && b', '"&" at character 3'],
    ['echo $HOME', '"$" at character 6'],
    ['echo "$(id)"', '"$" at character 7'],
    ['echo `id`', '"`" at character 6'],
    ['ls *.log', 'the glob "*" at character 4'],
    ['cat ~/.ssh/id_rsa', '"~" at character 5'],
    ['run > out.txt', '">" at character 5'],
  ])('refuses shell syntax: %s', (text, where) => {
    expect(splitCommandLine(text)).toEqual({ ok: false, reason: expect.stringContaining(where) });
  });

  it('is what validation applies to a command string unless shell: true', () => {
    const section = (command: Record<string, unknown>) => ({
      hypothesis: 'h',
      targets: [
        {
          name: 'a',
          cloud: 'local',
          store: { kind: 'file', path: 'x.json' },
          probe: { url: 'http://127.0.0.1:1/' },
        },
      ],
      steadyState: { commands: [command] },
      load: { ratePerSecond: 1, durationSeconds: 1 },
    });

    expect(validateRunSection(section({ run: 'ls *.log' })).ok).toBe(false);
    expect(validateRunSection(section({ run: 'ls *.log', shell: true })).ok).toBe(true);
    expect(validateRunSection(section({ run: ['ls', '*.log'] })).ok).toBe(true);
    expect(validateRunSection(section({ run: ['ls'], shell: true })).issues).toEqual([
      expect.objectContaining({ path: 'run.steadyState.commands[0].shell' }),
    ]);
  });
});
