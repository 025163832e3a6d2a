import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckSetup } from '../../src/components/check-chunk.ts';
import { CheckPool } from '../../src/components/check-pool.ts';

/**
 * A chunk's memory moves to the worker that checks it and comes back with the result, and the
 * pool reads a later chunk into it (CheckPool.buffer): on a virtual machine where a new page of
 * memory costs ~11 µs, a new 9 MiB chunk costs ~25 ms. What comes back must be that memory, and
 * the rows must be checked from the chunk's bytes only, never from what lies after them.
 */
const SETUP: CheckSetup = {
  columns: [{ name: 'id', recipe: { builtin: 'integer' }, options: {}, required: true }],
  header: ['id'], delimiter: ',', encoding: 'utf-8', maxRecordBytes: 1 << 20,
  withLine: false, keyAt: [], integerKey: false, rejects: false,
};

const MARK = Buffer.from('\nnot,a,row,of,this,chunk\n');

let pool: CheckPool | undefined;
let dir: string | undefined;
afterEach(async () => {
  await pool?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  pool = dir = undefined;
});

async function check(p: CheckPool, index: number, chunk: Buffer, size: number): Promise<{ rows: number; out: string }> {
  await p.send(index, chunk.subarray(0, size), path.join(dir!, `chunk-${index}.csv`));
  const result = await p.result(index, new Promise(() => undefined), () => index + 1);
  return { rows: result!.rows, out: fs.readFileSync(result!.out, 'utf8') };
}

describe('a check pool', () => {
  it("reads a later chunk into the memory of one its worker is done with, and checks only each chunk's bytes", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-check-pool-'));
    pool = new CheckPool(1, SETUP);

    const first = pool.buffer(4096);
    expect(first.length).toBe(4096);
    const rows = Buffer.from('1\n2\n3\n');
    rows.copy(first, 0);
    // What lies after the chunk's bytes is not the chunk's: it must come back as it was, unread.
    MARK.copy(first, 1000);
    expect(await check(pool, 0, first, rows.length)).toEqual({ rows: 3, out: '1\n2\n3\n' });
    // Moved, not copied: this thread holds none of it now.
    expect(first.buffer.byteLength).toBe(0);

    const again = pool.buffer(2048);
    expect(again.length).toBe(4096);
    expect(again.subarray(1000, 1000 + MARK.length).equals(MARK)).toBe(true);
    // The memory in use is not handed out twice, and one too small is not handed out at all.
    expect(pool.buffer(4096).subarray(1000, 1000 + MARK.length).equals(MARK)).toBe(false);
    expect(pool.buffer(8192).length).toBe(8192);

    Buffer.from('4\n5\n').copy(again, 0);
    expect(await check(pool, 1, again, 4)).toEqual({ rows: 2, out: '4\n5\n' });
  });
});
