// Runs `etl` as bin/etl.js does, then prints the process's peak RSS as the last line of stderr
// (`maxrss_kb=N`): tests that bound the engine's memory spawn this, so the figure is node's own.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
process.exit(code);
