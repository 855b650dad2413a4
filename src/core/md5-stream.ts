import { chunkReader } from './chunk-reader';

/**
 * Passes a stream through unchanged while hashing it with MD5 (workerd's DigestStream), so a part's
 * S3 ETag is known without buffering the part, whatever tag the backend gives it. `md5` resolves
 * to lowercase hex once the stream has been read to its end; await it only after that.
 * Pull-driven and read in large pieces (chunk-reader.ts): nothing is read before the consumer asks.
 */
export function md5WhileStreaming(source: ReadableStream<Uint8Array>): { stream: ReadableStream<Uint8Array>; md5: Promise<string> } {
  const digest = new crypto.DigestStream('MD5');
  const writer = digest.getWriter();
  const md5 = digest.digest.then((buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join(''));
  // If the stream is never finished the digest never settles; nothing may wait on it then.
  md5.catch(() => {});
  const reader = chunkReader(source);
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          await writer.close();
          controller.close();
          return;
        }
        await writer.write(value);
        controller.enqueue(value);
      },
      cancel(reason) {
        writer.abort(reason).catch(() => {});
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, md5 };
}
