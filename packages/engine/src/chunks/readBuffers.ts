/**
 * Recycled read buffers for GET bodies. Every chunk a GET reads needs a chunk-sized buffer; a
 * fresh one per chunk is external memory V8 must account and collect: at ~600 MiB/s that was
 * ~10 full garbage collections a second (16% of the event loop, measured with --cpu-prof) and
 * most of the peak RSS of a large-GET load.
 *
 * Only a caller that knows when the bytes are no longer needed can hand a buffer back: the S3
 * server does it from the socket write's callback (`getObject({ pooledBuffers: true })`, then
 * `releaseBodyBuffer` per chunk). A buffer that is never handed back is simply collected, so a
 * missed release costs memory churn, never correctness. A buffer handed back twice is ignored.
 */
const MAX_IDLE = 16; // 16 MiB with 1 MiB chunks: enough for ~4 concurrent streams
const IDLE_DROP_MS = 5000;

/** Pool buffers by their ArrayBuffer: a range GET hands back a subarray of one. */
const owned = new WeakMap<ArrayBufferLike, Buffer>();
/** Idle buffers by length (the engine's chunk size + 1: every chunk, the short last ones too, fits). */
const idle = new Map<number, Buffer[]>();
let dropTimer: NodeJS.Timeout | undefined;

/** A buffer of `size` bytes for chunk reads, recycled when one was handed back. */
export function takeReadBuffer(size: number): Buffer {
  const b = idle.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
  owned.set(b.buffer, b);
  return b;
}

/** Hands a GET body buffer back (any view of it): the caller guarantees nothing reads it any more. */
export function releaseBodyBuffer(view: Buffer): void {
  const b = owned.get(view.buffer);
  if (!b) return; // not ours, or already handed back
  owned.delete(view.buffer);
  let list = idle.get(b.length);
  if (!list) idle.set(b.length, (list = []));
  if (list.length < MAX_IDLE) list.push(b);
  clearTimeout(dropTimer);
  dropTimer = setTimeout(() => idle.clear(), IDLE_DROP_MS); // an idle server keeps none
  dropTimer.unref();
}
