/**
 * GET bodies: a Readable over the chunks covering [start, end]. Each chunk is read whole and
 * checked against its SHA-256 before any of its bytes are emitted (so a damaged or missing
 * chunk file becomes a stream error, never wrong bytes); the next chunk is read ahead while the
 * current one drains. Backpressure comes from Readable.from pulling the generator on demand.
 * `release` (the read lease) runs exactly once when the stream closes: end, error or destroy.
 *
 * `openBodyStream` reads the first chunk before handing the stream out: a missing or damaged
 * first chunk, or a chunk store that is down (s3ChunkStore.ts), is then an error response
 * instead of a 200 whose body is cut off. The first byte can't leave before that read anyway.
 */
import { Readable } from 'node:stream';
import type { Placements } from './placement';
import type { PositionedChunk } from '../meta/records';
import { takeReadBuffer } from './readBuffers';

// A body that is dropped without being read or destroyed never emits 'close'; releasing its
// lease when the stream is garbage-collected keeps such a leak from blocking GC forever.
const abandoned = new FinalizationRegistry<() => void>((release) => release());

/**
 * `pooled` (the engine's chunk size + 1, or 0): chunks are read into recycled buffers of that size
 * (readBuffers.ts) which the consumer hands back; a chunk too large for one (written with a larger
 * chunk size) gets its own.
 */
function loader(stores: Placements, chunks: PositionedChunk[], pooled: number): (i: number) => Promise<Buffer> | undefined {
  return (i) => {
    if (i >= chunks.length) return undefined;
    const c = chunks[i];
    const p = stores.store(c.placement).read(c.hash, c.size, pooled > c.size ? takeReadBuffer(pooled) : undefined);
    p.catch(() => undefined); // observed when awaited; avoid unhandled rejections after destroy
    return p;
  };
}

/** createBodyStream once the first chunk is in; on failure `release` is the caller's (nothing was handed out). */
export async function openBodyStream(
  stores: Placements,
  chunks: PositionedChunk[],
  range: { start: number; end: number } | undefined,
  release: () => void,
  pooled = 0,
): Promise<Readable> {
  const first = range ? loader(stores, chunks, pooled)(0) : undefined;
  if (first) await first;
  return createBodyStream(stores, chunks, range, release, first, pooled);
}

export function createBodyStream(
  stores: Placements,
  chunks: PositionedChunk[],
  range: { start: number; end: number } | undefined,
  release: () => void,
  first?: Promise<Buffer>,
  pooled = 0,
): Readable {
  async function* bytes(): AsyncGenerator<Buffer> {
    if (!range || chunks.length === 0) return;
    const load = loader(stores, chunks, pooled);
    let next = first ?? load(0);
    for (let i = 0; i < chunks.length; i++) {
      const data = await next!;
      next = load(i + 1);
      const c = chunks[i];
      const from = Math.max(range.start - c.offset, 0);
      const to = Math.min(range.end - c.offset + 1, c.size);
      if (to > from) yield from === 0 && to === data.length ? data : data.subarray(from, to);
    }
  }
  const stream = Readable.from(bytes(), { objectMode: false, highWaterMark: 64 * 1024 });
  stream.once('close', release);
  abandoned.register(stream, release);
  return stream;
}
