// `etl` as bin/etl.js runs it, but without process.exit(): the process ends only once nothing it
// started is left running (a worker thread, a timer), so a test sees what a run leaves behind.
import { main } from '../../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
