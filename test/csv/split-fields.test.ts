import { describe, expect, it } from 'vitest';
import { positionIn, splitFields } from '../../src/csv/split-fields.ts';

describe('splitFields', () => {
  it.each([
    ['a,b,c', ['a', 'b', 'c']],
    ['', ['']],
    [',', ['', '']],
    ['"a,b","say ""hi""",', ['a,b', 'say "hi"', '']],
    ['"line\nbreak",x', ['line\nbreak', 'x']],
    ['  spaced  ,0012', ['  spaced  ', '0012']],
  ])('%j', (text, values) => {
    expect(splitFields(text)).toMatchObject({ values });
  });

  it.each([
    ['a"b,c', 'a quote inside an unquoted field', 1],
    ['"a"b,c', 'text after a closing quote', 3],
    ['x,"open', 'a quoted field is never closed', 2],
  ])('%j is malformed', (text, malformed, at) => {
    expect(splitFields(text)).toEqual({ malformed, at });
  });

  it('gives field start offsets for column numbers', () => {
    expect(splitFields('ab,"c",d')).toMatchObject({ starts: [0, 3, 7] });
    expect(positionIn('1,"x\ny",z', 10, 8)).toEqual({ line: 11, col: 4 });
  });
});
