// A worker thread that checks chunks of a CSV source (see check-chunk.ts, check-port.ts). Plain JavaScript, so
// that it can register tsx for itself: a worker does not get the main thread's TypeScript loader.
import { register } from 'tsx/esm/api';

register();
await import('./check-port.ts');
