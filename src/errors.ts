import path from 'node:path';

/** Where a problem is: a file and, when known, a 1-based line and column. */
export interface Position {
  readonly file: string;
  readonly line?: number;
  readonly col?: number;
}

/** One problem a person can act on. Never holds the value of a personal field. */
export interface Diagnostic {
  readonly pos?: Position;
  readonly message: string;
}

/**
 * `invalid`: the pipeline file or the command line is wrong (exit 2).
 * `failed`: the data or a check failed (exit 1).
 * `interrupted`: a signal stopped the run (exit 128 + the signal's number, as shells expect).
 */
export type ErrorCode = 'invalid' | 'failed' | 'interrupted';

/** The one error class of the product: a code and every problem found. */
export class EtlError extends Error {
  readonly code: ErrorCode;
  readonly diagnostics: readonly Diagnostic[];

  constructor(code: ErrorCode, diagnostics: Diagnostic[] | string, summary?: string) {
    const list = typeof diagnostics === 'string' ? [{ message: diagnostics }] : diagnostics;
    super(summary ?? list.map(formatDiagnostic).join('\n'));
    this.name = 'EtlError';
    this.code = code;
    this.diagnostics = list;
  }

  /** Set for `interrupted`: the signal's number. */
  signal?: number;

  get exitCode(): number {
    if (this.code === 'interrupted') return 128 + (this.signal ?? 15);
    return this.code === 'invalid' ? 2 : 1;
  }
}

/** A file name as a person wants to read it: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** `FILE:LINE:COL: message`, or as much of the position as is known. */
export function formatDiagnostic(d: Diagnostic): string {
  if (!d.pos) return d.message;
  let where = displayPath(d.pos.file);
  if (d.pos.line !== undefined) where += `:${d.pos.line}`;
  if (d.pos.line !== undefined && d.pos.col !== undefined) where += `:${d.pos.col}`;
  return `${where}: ${d.message}`;
}

/** Collects problems so that one pass reports all of them. */
export class Problems {
  readonly #list: Diagnostic[] = [];
  #allData = true;

  /**
   * `data`: the problem is with a data file (missing, unreadable), not with the pipeline file;
   * a run that has only such problems failed on its data (exit 1), not on its definition.
   */
  add(pos: Position | undefined, message: string, kind: 'pipeline' | 'data' = 'pipeline'): void {
    this.#list.push({ pos, message });
    if (kind === 'pipeline') this.#allData = false;
  }

  get size(): number {
    return this.#list.length;
  }

  /** Throws when anything was collected, in file order: problems without a position first. */
  throwIfAny(code: ErrorCode): void {
    if (this.#list.length === 0) return;
    const key = (d: Diagnostic) => [d.pos ? 1 : 0, d.pos?.file ?? '', d.pos?.line ?? 0, d.pos?.col ?? 0] as const;
    const sorted = [...this.#list].sort((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
      return 0;
    });
    throw new EtlError(this.#allData ? 'failed' : code, sorted);
  }
}
