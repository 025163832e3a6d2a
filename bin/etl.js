#!/usr/bin/env node
// Loads the TypeScript sources through tsx, so a clone runs without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exit(code);
