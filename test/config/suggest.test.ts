import { describe, expect, it } from 'vitest';
import { closest, hint } from '../../src/config/suggest.ts';

describe('did you mean', () => {
  it.each([
    ['colums', ['columns', 'file'], 'columns'],
    ['order', ['joined', 'orders'], 'orders'],
    ['out_dirr', ['data_dir', 'out_dir'], 'out_dir'],
    ['s9', ['s1', 's2'], undefined],
    ['zzz', ['columns'], undefined],
  ])('%s → %s', (name, known, expected) => {
    expect(closest(name, known)).toBe(expected);
  });

  it('ends a message with the suggestion and the known names', () => {
    expect(hint('Orders', ['orders', 'summary'], 'stages')).toBe('; did you mean "orders"? known stages: orders, summary');
    expect(hint('x', [], 'parameters')).toBe('; known parameters: (none)');
  });
});
