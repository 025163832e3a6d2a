import { parentPort } from 'node:worker_threads';
import { ChunkChecker, type ChunkJob, type CheckSetup } from './check-chunk.ts';

// A worker's end of the pool's messages (see CheckPool in source-csv-chunks.ts): the setup once, then chunks.
let checker: ChunkChecker | undefined;

parentPort!.on('message', (message: { setup: CheckSetup } | ChunkJob) => {
  if ('setup' in message) {
    checker = new ChunkChecker(message.setup);
    parentPort!.postMessage({ ready: true });
    return;
  }
  // The error's code goes along: a full disk (ENOSPC) is said as such, not as a bug.
  void checker!.check(message).then(
    // An integer key's numbers move to the main thread rather than being copied, and so does the
    // chunk's memory, for the pool to read a later chunk into (see CheckPool.buffer).
    (result) => {
      const spent = message.bytes.buffer as ArrayBuffer;
      const moved = result.keys instanceof Float64Array ? [result.keys.buffer as ArrayBuffer, spent] : [spent];
      parentPort!.postMessage({ ...result, spent }, moved);
    },
    (e: unknown) => parentPort!.postMessage({ index: message.index, error: (e as Error)?.stack ?? String(e), code: (e as { code?: unknown })?.code }),
  );
});
