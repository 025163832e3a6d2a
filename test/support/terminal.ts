import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** tmux is there: tests that need a real terminal skip (and say so) without it. */
export const tmuxAvailable = spawnSync('tmux', ['-V']).status === 0;

/**
 * A real pseudo-terminal (a tmux pane running bash), where a command runs in the foreground
 * process group and C-c is the terminal's SIGINT to that whole group, as an operator's Ctrl-C.
 */
export class Terminal {
  readonly #socket = `etl-test-${process.pid}-${randomBytes(3).toString('hex')}`;

  constructor() {
    this.#tmux('new-session', '-d', '-x', '200', '-y', '50', 'bash --norc --noprofile');
  }

  /** Types `line` and Enter. */
  type(line: string): void {
    this.#tmux('send-keys', '-l', line);
    this.#tmux('send-keys', 'Enter');
  }

  /** Presses a key, e.g. `C-c`. */
  press(key: string): void {
    this.#tmux('send-keys', key);
  }

  /** Everything the pane shows, its history included, wrapped lines joined. */
  screen(): string {
    return this.#tmux('capture-pane', '-p', '-J', '-S', '-5000');
  }

  /** Waits until the screen matches `pattern`; fails after `ms`. */
  async waitFor(pattern: RegExp, ms = 60_000): Promise<RegExpMatchArray> {
    const until = Date.now() + ms;
    for (;;) {
      const m = this.screen().match(pattern);
      if (m) return m;
      if (Date.now() > until) throw new Error(`the terminal never showed ${pattern}:\n${this.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server']);
  }

  #tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.#socket, ...args], { encoding: 'utf8' });
  }
}
