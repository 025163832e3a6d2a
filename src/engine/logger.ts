/** How much a run says on stderr. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** How often a plain progress line is written when stderr is not a terminal. */
export const PLAIN_PROGRESS_MS = 10_000;

export interface LoggerOptions {
  readonly verbosity?: Verbosity;
  readonly quiet?: boolean;
  /** Where the text goes; stderr by default. */
  readonly write?: (text: string) => void;
  /** stderr is a terminal: progress is one live line redrawn in place. */
  readonly tty?: boolean;
  /** Otherwise, a progress line is written at most this often (ms), the first this long after progress begins; 10 s by default. */
  readonly plainProgressMs?: number;
  /** The clock, in ms; `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * Progress lines on stderr. Never given a personal value: callers pass ids, counts and paths.
 * When stderr is a terminal, {@link progress} draws a live line that the next line replaces;
 * otherwise (a log file, CI) it writes a plain line every 10 s, so a long load still says how far it is.
 */
export class Logger {
  readonly #level: Verbosity;
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  readonly #plainMs: number;
  readonly #now: () => number;
  #live = false;
  /** When the last plain progress line was written, or when this run of progress began; undefined between runs of progress. */
  #plainSince: number | undefined;

  constructor(options: LoggerOptions = {}) {
    this.#level = options.verbosity ?? (options.quiet ? 'quiet' : 'normal');
    this.#write = options.write ?? ((text) => process.stderr.write(text));
    this.#tty = options.tty ?? false;
    this.#plainMs = options.plainProgressMs ?? PLAIN_PROGRESS_MS;
    this.#now = options.now ?? Date.now;
  }

  info(line: string): void {
    if (this.#level !== 'quiet') this.#emit(line);
  }

  verbose(line: string): void {
    if (this.#level === 'verbose') this.#emit(line);
  }

  /**
   * How far a long step is: on a terminal a live line, redrawn in place and never left in a log
   * file; elsewhere a plain line once the interval has passed since the step's progress began
   * (a step that ends sooner says nothing more than its end), then once per interval.
   */
  progress(line: string): void {
    if (this.#level === 'quiet') return;
    if (this.#tty) {
      this.#write(`\r\x1b[2K${line}`);
      this.#live = true;
      return;
    }
    const now = this.#now();
    this.#plainSince ??= now;
    if (now - this.#plainSince < this.#plainMs) return;
    this.#write(`${line}\n`);
    this.#plainSince = now;
  }

  #emit(line: string): void {
    this.#write(`${this.#live ? '\r\x1b[2K' : ''}${line}\n`);
    this.#live = false;
    // The step whose progress was shown has ended: the next one's interval starts with its own progress.
    this.#plainSince = undefined;
  }
}

/** Seconds with one decimal, for progress lines. */
export function seconds(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)}s`;
}
