// Decodes CP932 regions off the main thread, which meanwhile splits and checks the previous
// ones, and takes the SHA-256 of the bytes on the way. Plain JavaScript: a worker thread does not get the TypeScript loader of the main thread.
import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import iconv from 'iconv-lite';

const decoder = iconv.getDecoder('cp932');

const hash = createHash('sha256');

parentPort.on('message', (bytes) => {
  if (bytes === null) {
    // The end of the stream: whatever the decoder still holds (an incomplete last character), and the SHA-256 of every byte.
    parentPort.postMessage({ text: decoder.end() ?? '', sha256: hash.digest('hex') });
    return;
  }
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  hash.update(buffer);
  parentPort.postMessage(decoder.write(buffer));
});
