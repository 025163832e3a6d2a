/**
 * Temporary bucket files for external sorting and shuffling. Lines are buffered per bucket
 * and appended in chunks, so memory is bounded by a fixed budget of buffered characters
 * (shared by all buckets) however many lines pass through. Appending by path (open, write, close per chunk) rather than holding a
 * stream per bucket keeps hundreds of buckets within any file-descriptor limit.
 */
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** A fixed number of bucket files under one directory. */
export class BucketSet {
  readonly count: number;
  readonly #dir: string;
  readonly #prefix: string;
  readonly #flushChars: number;
  readonly #buffers: string[][];
  readonly #sizes: number[];

  /** `budgetChars` is shared by the buckets; each flushes at its share (within 8 Ki … 64 Ki). */
  constructor(dir: string, prefix: string, count: number, budgetChars = 8 << 20) {
    this.count = count;
    this.#dir = dir;
    this.#prefix = prefix;
    this.#flushChars = Math.min(1 << 16, Math.max(1 << 13, Math.floor(budgetChars / count)));
    this.#buffers = Array.from({ length: count }, () => []);
    this.#sizes = new Array<number>(count).fill(0);
  }

  /** Appends one line (no line break inside) to bucket `i`. */
  add(i: number, line: string): void {
    this.#buffers[i]!.push(line);
    this.#sizes[i]! += line.length + 1;
    if (this.#sizes[i]! >= this.#flushChars) this.#flush(i);
  }

  /** Writes every buffered line out; call before reading any bucket. */
  flushAll(): void {
    for (let i = 0; i < this.count; i++) this.#flush(i);
  }

  /** The lines of bucket `i` in the order they were added; the file is deleted. */
  take(i: number): string[] {
    const path = this.#path(i);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return []; // a bucket that never received a line has no file
    }
    rmSync(path);
    const lines = text.split('\n');
    lines.pop();
    return lines;
  }

  #flush(i: number): void {
    const buf = this.#buffers[i]!;
    if (buf.length === 0) return;
    appendFileSync(this.#path(i), buf.join('\n') + '\n');
    this.#buffers[i] = [];
    this.#sizes[i] = 0;
  }

  #path(i: number): string {
    return join(this.#dir, `${this.#prefix}${i}`);
  }
}
