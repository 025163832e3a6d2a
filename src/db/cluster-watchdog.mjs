// The watchdog of one run's embedded PostgreSQL: a tiny process of its own (plain JavaScript, so
// that it starts in a few milliseconds without tsx), detached from the run's terminal, reading a
// pipe from the run. The run writes what it starts and creates, one line each:
//   dir PATH   a folder of the cluster, to remove
//   pid N      a process group (initdb, the postmaster) to stop
//   exit N     that process has exited (its id may be reused from now on)
//   done       the run has cleaned up itself: nothing to do
// When the pipe ends without "done", the run died without a chance to clean up (SIGKILL, the
// OOM killer): the watchdog stops the processes, waits for them and removes the folders, so the
// registry's data does not outlive the run on disk.
import fs from 'node:fs';

const dirs = [];
const groups = [];
let done = false;
let pending = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line === 'done') done = true;
    else if (line.startsWith('dir ')) dirs.push(line.slice(4));
    else if (line.startsWith('pid ')) groups.push(Number(line.slice(4)));
    else if (line.startsWith('exit ')) forget(Number(line.slice(5)));
  }
});
process.stdin.on('end', () => void finish());
process.stdin.on('error', () => void finish());
// Detached, it gets no terminal's signals; these would only come from someone who means the run.
for (const signal of ['SIGINT', 'SIGHUP']) process.on(signal, () => undefined);

function forget(pid) {
  const i = groups.indexOf(pid);
  if (i >= 0) groups.splice(i, 1);
}

let finishing = false;
async function finish() {
  if (finishing) return;
  finishing = true;
  if (!done) await cleanUp();
  process.exit(0);
}

async function cleanUp() {
  const live = () => groups.filter((pid) => alive(pid));
  // SIGQUIT: PostgreSQL's immediate shutdown; initdb removes what it made and exits.
  for (const pid of live()) signal(-pid, 'SIGQUIT');
  await until(() => live().length === 0, 5000);
  for (const pid of live()) signal(-pid, 'SIGKILL');
  await until(() => live().length === 0, 5000);
  for (const dir of dirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    } catch {
      // Nothing more can be done from here; the next run's sweep tries again.
    }
  }
}

function signal(target, name) {
  try {
    process.kill(target, name);
  } catch {
    // Already gone.
  }
}

/** Alive and not a zombie: an exited postmaster whose parent (the dead run) cannot reap it is gone. */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return !fs.existsSync('/proc/self');
  }
}

async function until(test, ms) {
  const end = Date.now() + ms;
  while (!test() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
}
