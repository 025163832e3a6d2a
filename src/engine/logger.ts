/** Progress lines on stderr. Never given a personal value: callers pass ids, counts and paths. */
export class Logger {
  readonly #quiet: boolean;
  readonly #write: (line: string) => void;

  constructor(options: { quiet?: boolean; write?: (line: string) => void } = {}) {
    this.#quiet = options.quiet ?? false;
    this.#write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
  }

  info(line: string): void {
    if (!this.#quiet) this.#write(line);
  }
}

/** Seconds with one decimal, for progress lines. */
export function seconds(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)}s`;
}
