import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Vitest's global setup. A failed run of a pipeline with `report:` leaves its page in the system's
 * temporary folder on purpose (for its operator); the runs the tests make fail by the dozen, so
 * at the end the pages made during the test run are removed. The temporary folder itself is left
 * as it is: tests look there for what runs must not leave behind.
 */
export default function setup(): () => void {
  const started = Date.now() - 1000;
  return () => {
    for (const name of fs.readdirSync(os.tmpdir())) {
      if (!/^etl-failed-.*\.html$/.test(name)) continue;
      const file = path.join(os.tmpdir(), name);
      if (fs.statSync(file).mtimeMs >= started) fs.rmSync(file, { force: true });
    }
  };
}
