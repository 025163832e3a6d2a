/** How much a run says on stderr. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/**
 * Progress lines on stderr. Never given a personal value: callers pass ids, counts and paths.
 * When stderr is a terminal, {@link progress} draws a live line that the next line replaces.
 */
export class Logger {
  readonly #level: Verbosity;
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  #live = false;

  constructor(options: { verbosity?: Verbosity; quiet?: boolean; write?: (line: string) => void; tty?: boolean } = {}) {
    this.#level = options.verbosity ?? (options.quiet ? 'quiet' : 'normal');
    this.#write = options.write ?? ((text) => process.stderr.write(text));
    this.#tty = options.tty ?? false;
  }

  info(line: string): void {
    if (this.#level !== 'quiet') this.#emit(line);
  }

  verbose(line: string): void {
    if (this.#level === 'verbose') this.#emit(line);
  }

  /** A live status line (terminals only): redrawn in place, never left in a log file. */
  progress(line: string): void {
    if (!this.#tty || this.#level === 'quiet') return;
    this.#write(`\r\x1b[2K${line}`);
    this.#live = true;
  }

  #emit(line: string): void {
    this.#write(`${this.#live ? '\r\x1b[2K' : ''}${line}\n`);
    this.#live = false;
  }
}

/** Seconds with one decimal, for progress lines. */
export function seconds(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)}s`;
}
