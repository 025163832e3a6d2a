import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireTypeModule } from '../../src/types/type-modules.ts';
import { fixture } from '../support/fixture.ts';

/** A type module that imports a helper of its own folder, as a pipeline's types/ may. */
const MODULE = `import { digits } from './helper.ts';
const t: { description: string; sqlType(): string; parse(text: string): string } = { description: 'n ' + digits, sqlType: () => 'integer', parse: (text) => text };
export default t;
`;

describe('a type module, compiled and kept between runs', () => {
  let cache: string;
  let before: string | undefined;
  beforeEach(() => {
    before = process.env['ETL_CACHE_DIR'];
    cache = path.join(fixture({}), 'cache');
    process.env['ETL_CACHE_DIR'] = cache;
  });
  afterEach(() => {
    if (before === undefined) delete process.env['ETL_CACHE_DIR'];
    else process.env['ETL_CACHE_DIR'] = before;
  });
  const kept = () => (fs.existsSync(cache) ? fs.readdirSync(cache).filter((n) => n.startsWith('type-')) : []);
  const description = (file: string) => (requireTypeModule(file) as { default: { description: string } }).default.description;

  it('is compiled with its local imports, kept with their hashes, and loaded from there while they stay the same', () => {
    const dir = fixture({ 'num.ts': MODULE, 'helper.ts': "export const digits = 'one';\n" });
    const file = path.join(dir, 'num.ts');
    expect(description(file)).toBe('n one');
    const [name, ...others] = kept();
    expect(others).toEqual([]);
    expect(name).toMatch(/^type-[0-9a-f]{32}\.json$/);
    const record = JSON.parse(fs.readFileSync(path.join(cache, name!), 'utf8')) as { inputs: Record<string, string>; code: string };
    expect(Object.keys(record.inputs).sort()).toEqual([path.join(dir, 'helper.ts'), file]);

    // What is kept is what runs: code changed in the cache (never by a user) shows, while the files are as they were…
    fs.writeFileSync(path.join(cache, name!), JSON.stringify({ ...record, code: record.code.replace(/(["'])n \1/, '"kept "') }));
    expect(description(file)).toBe('kept one');
    // …and a changed import is compiled again, and kept anew.
    fs.writeFileSync(path.join(dir, 'helper.ts'), "export const digits = 'two';\n");
    expect(description(file)).toBe('n two');
    expect(kept()).toEqual([name]);
  });

  it('is loaded through tsx where it does not compile, with the error a user saw before', () => {
    const dir = fixture({ 'bad.ts': 'export default {\n' });
    expect(() => requireTypeModule(path.join(dir, 'bad.ts'))).toThrow(/^Transform failed with 1 error:\n.*bad\.ts:2:0: ERROR: /);
    expect(kept()).toEqual([]);
  });

  it('is compiled and loaded all the same where nothing can be kept', () => {
    const dir = fixture({ 'num.ts': MODULE, 'helper.ts': "export const digits = 'three';\n" });
    fs.mkdirSync(path.dirname(cache), { recursive: true });
    fs.writeFileSync(cache, 'a file, not a folder');
    expect(description(path.join(dir, 'num.ts'))).toBe('n three');
  });

  it("takes with it the kept code of modules that are gone (a test's temporary folder)", () => {
    const gone = fixture({ 'num.ts': MODULE, 'helper.ts': "export const digits = 'four';\n" });
    expect(description(path.join(gone, 'num.ts'))).toBe('n four');
    fs.rmSync(gone, { recursive: true });
    const dir = fixture({ 'num.ts': MODULE, 'helper.ts': "export const digits = 'five';\n" });
    expect(description(path.join(dir, 'num.ts'))).toBe('n five');
    expect(kept()).toHaveLength(1);
  });
});
