// Decodes CP932 regions off the main thread, which meanwhile splits and checks the previous
// ones. Plain JavaScript: a worker thread does not get the TypeScript loader of the main thread.
import { parentPort } from 'node:worker_threads';
import iconv from 'iconv-lite';

const decoder = iconv.getDecoder('cp932');

parentPort.on('message', (bytes) => {
  // `null` ends the stream: whatever the decoder still holds (an incomplete last character).
  const text = bytes === null ? (decoder.end() ?? '') : decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  parentPort.postMessage(text);
});
