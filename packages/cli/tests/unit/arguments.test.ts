import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseArguments, parseAssignments, UsageError } from '../../src/arguments.js';

const spec = {
  values: ['out', 'endpoint'],
  repeatable: ['to', 'set'],
  switches: ['json', 'force'],
  aliases: { f: 'force' },
};

describe('parseArguments', () => {
  it('reads positionals, value flags in both spellings, repeatable flags and switches', () => {
    const args = parseArguments(
      ['file.yaml', '--to', 'file:a.json', '--to=aws-ssm:/x', '--json', '-f', '--out=dir'],
      spec,
    );
    expect(args.positionals).toEqual(['file.yaml']);
    expect(args.values('to')).toEqual(['file:a.json', 'aws-ssm:/x']);
    expect(args.value('out')).toBe('dir');
    expect(args.has('json')).toBe(true);
    expect(args.has('force')).toBe(true);
  });

  it('rejects an unknown flag with a did-you-mean hint, so a typo never silently changes what a write does', () => {
    expect(() => parseArguments(['--forse'], spec)).toThrow(UsageError);
    try {
      parseArguments(['--forse'], spec);
    } catch (error) {
      expect((error as UsageError).hint).toBe('did you mean --force?');
    }
  });

  it('rejects a missing value, a value on a switch and a repeated single-value flag', () => {
    expect(() => parseArguments(['--out'], spec)).toThrow(/needs a value/);
    expect(() => parseArguments(['--json=yes'], spec)).toThrow(/takes no value/);
    expect(() => parseArguments(['--out', 'a', '--out', 'b'], spec)).toThrow(/given 2 times/);
  });

  it('treats everything after -- as positionals', () => {
    expect(parseArguments(['--', '--json', 'x'], spec).positionals).toEqual(['--json', 'x']);
  });

  it('never throws anything but a UsageError, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.constantFrom('--to', '--json', '--out', '-f', '--', '--x=1'))),
        (argv) => {
          try {
            parseArguments(argv, spec);
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError);
          }
        },
      ),
    );
  });
});

describe('parseAssignments', () => {
  it('splits NAME=value at the first equals sign', () => {
    expect(parseAssignments(['URL=http://127.0.0.1:1/?a=b', 'EMPTY='])).toEqual({
      URL: 'http://127.0.0.1:1/?a=b',
      EMPTY: '',
    });
  });

  it('rejects assignments without a valid name', () => {
    expect(() => parseAssignments(['novalue'])).toThrow(UsageError);
    expect(() => parseAssignments(['1X=y'])).toThrow(UsageError);
  });
});
