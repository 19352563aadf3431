/**
 * GET bodies read into the engine's recycled buffers (engine chunks/readBuffers.ts): each buffer
 * goes back to the pool from its socket write's callback, the moment Node no longer holds it, so
 * a large GET allocates (and V8 collects) nothing per chunk.
 *
 * koa sends a stream body once the whole middleware chain is done, with `stream.pipeline(body,
 * res)`, which calls `body.pipe(res)`; this replaces that one `pipe` with a loop that writes with
 * callbacks, and keeps koa's timing, its error path (pipeline's callback) and its destroy on
 * finish. Should a koa or Node version stop calling `.pipe`, recycling just stops (plain piping,
 * fresh buffers never handed back): the safe direction. Only the S3 GET handler uses it, with
 * `getObject({ pooledBuffers: true })`: a buffer is handed back only after its write succeeded;
 * on any error it is left to the garbage collector.
 */
import type { Readable, Writable } from 'node:stream';
import { releaseBodyBuffer } from '@cairn/engine';

export function recyclingBody(body: Readable): Readable {
  body.pipe = <T extends NodeJS.WritableStream>(dest: T): T => {
    void pump(body, dest as unknown as Writable);
    return dest;
  };
  return body;
}

async function pump(body: Readable, res: Writable): Promise<void> {
  try {
    for await (const chunk of body) {
      if (res.destroyed) break;
      const buf = chunk as Buffer;
      const more = res.write(buf, (err) => {
        if (!err) releaseBodyBuffer(buf);
      });
      if (!more && !(await drained(res))) break;
    }
    if (!res.destroyed) res.end();
  } catch (e) {
    // A chunk failed its check or could not be read after the headers went out: cut the
    // response short so the client sees a truncated body (and retries), never wrong bytes.
    res.destroy(e as Error);
  }
}

/** True once `res` drained, false when it closed first (the client went away). */
function drained(res: Writable): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}
