import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Vitest's global setup: the whole run gets a temporary folder of its own (TMPDIR, which every
 * test process and the runs they start inherit), removed at the end, so what runs leave in the
 * temporary folder on purpose — a failed run's report — does not pile up in /tmp.
 */
export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etl-tests-'));
  // Like /tmp itself: the embedded PostgreSQL runs as another user (postgres) when the tests run as root.
  fs.chmodSync(dir, 0o1777);
  process.env['TMPDIR'] = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
