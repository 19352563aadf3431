/**
 * One pass over an upload body: cut it into fixed-size chunks, hash the whole body with MD5
 * (the ETag) and the optional checksum, name each chunk by its SHA-256 and write it to the
 * chunk store, all while streaming. Memory: the chunk being filled plus at most
 * WRITE_CONCURRENCY chunks being hashed/written (overlapping hashing, disk writes and fsyncs
 * with reading). Large bodies hash in the worker pool (hashPool.ts), so on a machine with spare
 * cores the ~3 CPU-ms/MiB of MD5 + SHA-256 run beside the event loop instead of on it.
 *
 * Every written (or found) chunk is pinned so GC can't remove it before the commit that
 * references it; the caller unpins after committing. On failure the chunker unpins everything
 * itself, nothing is committed, and `discard` removes the files nobody else references at once
 * (without it they become orphans that GC sweeps after its grace).
 */
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { S3Error, isS3Error, internalError, invalidArgument } from '../errors';
import { createChecksum, type Hasher } from './checksums';
import type { ChunkBackend } from './chunkBackend';
import type { BodyDigests, BodyInput, ChecksumAlgorithm, ChunkRef } from '../types';
import { HashSession, allocShared } from './hashPool';

const WRITE_CONCURRENCY = 3;
/**
 * Bodies at least this large (or of unknown length) are hashed in the worker pool: below it a
 * message round trip costs more than hashing in place.
 */
const WORKER_MIN_BODY = 256 * 1024;

// Recycled shared chunk buffers: a 64 MiB upload would otherwise allocate (and the GC sweep)
// 64 fresh 1 MiB buffers. Bounded, and dropped when no upload is running, so idle memory stays
// small.
const FREE_MAX = 16; // 4 concurrent uploads × (1 filling + WRITE_CONCURRENCY in flight)
const free = new Map<number, Buffer[]>();
let workerUploads = 0;
function takeBuffer(size: number): Buffer {
  return free.get(size)?.pop() ?? allocShared(size);
}
function giveBack(b: Buffer): void {
  let list = free.get(b.length);
  if (!list) free.set(b.length, (list = []));
  if (list.length < FREE_MAX) list.push(b);
}

export interface ChunkerOptions {
  chunkSize: number;
  store: ChunkBackend;
  contentLength?: number;
  maxSize: number;
  checksumAlgorithm?: ChecksumAlgorithm;
  /** Bodies of at most this many bytes are returned in `inline` instead of becoming a chunk file. */
  inlineMax?: number;
  /** On failure, called with the (already unpinned) hashes this body wrote or found: remove the leftovers (gc.ts discardUnreferenced). */
  discard?: (hashes: string[]) => Promise<unknown>;
}

export interface ChunkedBody {
  chunks: ChunkRef[];
  digests: BodyDigests;
  /** How many chunk files this upload actually wrote (the rest deduplicated). */
  written: number;
  /** Hashes pinned for this body; release with `store.pins.unpinAll(pinned)` after commit. */
  pinned: string[];
  /** The whole body, when it was small enough to be stored in metadata (then `chunks` is empty). */
  inline?: Buffer;
}

function tooLarge(size: number, max: number): S3Error {
  return new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
    ProposedSize: String(size),
    MaxSizeAllowed: String(max),
  });
}

function toBuffer(piece: unknown): Buffer {
  if (Buffer.isBuffer(piece)) return piece;
  if (piece instanceof Uint8Array) return Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
  if (typeof piece === 'string') return Buffer.from(piece, 'utf8');
  throw internalError('body stream yielded a non-binary value');
}

/**
 * Iterates a body without destroying a Readable on early exit: the HTTP layer owns the socket.
 * Besides the declared Readable / AsyncIterable, embedders may pass a Buffer, a string or a
 * sync iterable of pieces.
 */
function iterate(body: BodyInput): AsyncIterator<unknown> {
  const r = body as Readable;
  if (typeof r.iterator === 'function') return r.iterator({ destroyOnReturn: false });
  const any = body as unknown;
  if (typeof any === 'string' || any instanceof Uint8Array) return [any][Symbol.iterator]() as unknown as AsyncIterator<unknown>;
  if (any && typeof (any as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return (any as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  if (any && typeof (any as Iterable<unknown>)[Symbol.iterator] === 'function')
    return (any as Iterable<unknown>)[Symbol.iterator]() as unknown as AsyncIterator<unknown>;
  throw invalidArgument('The object body must be a stream or an async iterable of bytes');
}

function bodyError(e: unknown): unknown {
  if (isS3Error(e)) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED') {
    return new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
  }
  return e;
}

export async function chunkBody(body: BodyInput, opts: ChunkerOptions): Promise<ChunkedBody> {
  const { chunkSize, store, contentLength, maxSize } = opts;
  if (contentLength !== undefined && contentLength > maxSize) throw tooLarge(contentLength, maxSize);
  const limit = contentLength ?? maxSize;

  // Worker mode: MD5 and per-chunk SHA-256 run in a hash worker (see hashPool.ts), chunks are
  // filled straight into recycled shared buffers. Otherwise everything runs here, as before.
  const session = contentLength === undefined || contentLength >= WORKER_MIN_BODY ? new HashSession() : undefined;
  const md5 = session ? undefined : createHash('md5');
  const checksum: Hasher | undefined = opts.checksumAlgorithm ? createChecksum(opts.checksumAlgorithm) : undefined;
  const chunks: ChunkRef[] = [];
  const pinned: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let written = 0;
  let failure: unknown;
  let total = 0;
  let flushed = 0;
  let inline: Buffer | undefined;

  // The fill buffer is sized to what is still expected (Content-Length known) or grown by
  // doubling, so a 10-byte PUT doesn't allocate (and garbage-collect) a whole chunk.
  const initialCapacity = (): number => Math.min(chunkSize, contentLength !== undefined ? Math.max(contentLength - flushed, 1) : 64 * 1024);
  if (session) workerUploads++;
  let buf = session ? takeBuffer(chunkSize) : Buffer.allocUnsafe(0);
  let fill = 0;
  let sha: Hash | undefined = session ? undefined : createHash('sha256');

  const track = (p: Promise<void>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const flushShared = async (s: HashSession): Promise<void> => {
    const owned = buf;
    const data = buf.subarray(0, fill);
    const index = chunks.length;
    chunks.push({ hash: '', size: data.length }); // named when its hash arrives; order kept
    flushed += data.length;
    track(
      s
        .chunk(data, true)
        .then(
          async (hash) => {
            chunks[index] = { hash, size: data.length };
            store.pins.pin(hash);
            pinned.push(hash);
            if (await store.put(hash, data)) written++;
            giveBack(owned); // hashed and written: nobody reads it any more
          },
          (e) => {
            failure ??= e;
          },
        )
        .catch((e) => {
          failure ??= e;
        }),
    );
    buf = takeBuffer(chunkSize);
    fill = 0;
    while (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  const flush = async (): Promise<void> => {
    if (session) return flushShared(session);
    const data = fill === buf.length ? buf : buf.subarray(0, fill);
    const hash = sha!.digest('hex');
    chunks.push({ hash, size: data.length });
    flushed += data.length;
    store.pins.pin(hash);
    pinned.push(hash);
    const p = store.put(hash, data).then(
      (w) => {
        if (w) written++;
      },
      (e) => {
        failure ??= e;
      },
    );
    track(p);
    buf = Buffer.allocUnsafe(0);
    fill = 0;
    sha = createHash('sha256');
    while (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  const it = iterate(body);
  let md5Digest: Buffer;
  try {
    for (;;) {
      let step: IteratorResult<unknown>;
      try {
        step = await it.next();
      } catch (e) {
        throw bodyError(e);
      }
      if (step.done) break;
      const piece = toBuffer(step.value);
      if (piece.length === 0) continue;
      total += piece.length;
      if (total > limit) {
        if (contentLength !== undefined) {
          throw new S3Error('InvalidRequest', 'The request body is longer than the declared Content-Length', {
            ContentLength: String(contentLength),
          });
        }
        throw tooLarge(total, maxSize);
      }
      md5?.update(piece);
      checksum?.update(piece);
      let off = 0;
      while (off < piece.length) {
        const n = Math.min(chunkSize - fill, piece.length - off);
        const part = piece.subarray(off, off + n);
        if (fill + n > buf.length) {
          const grown = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(fill + n, buf.length === 0 ? initialCapacity() : buf.length * 2)));
          buf.copy(grown, 0, 0, fill);
          buf = grown;
        }
        part.copy(buf, fill);
        sha?.update(part);
        fill += n;
        off += n;
        if (fill === chunkSize) await flush();
      }
    }
    if (contentLength !== undefined && total < contentLength) {
      throw new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.', {
        ContentLength: String(contentLength),
        BytesReceived: String(total),
      });
    }
    if (fill > 0 && chunks.length === 0 && fill <= (opts.inlineMax ?? 0)) {
      inline = Buffer.from(buf.subarray(0, fill));
      if (session) await session.chunk(inline, false);
    } else if (fill > 0) await flush();
    await Promise.all(inFlight);
    if (failure) throw failure;
    md5Digest = session ? await session.md5() : md5!.digest();
  } catch (e) {
    await Promise.allSettled(inFlight);
    session?.drop();
    store.pins.unpinAll(pinned);
    if (typeof it.return === 'function') await Promise.resolve(it.return()).catch(() => undefined);
    await opts.discard?.(pinned).catch(() => undefined);
    throw e;
  } finally {
    if (session && --workerUploads === 0) free.clear();
  }

  if (session && workerUploads > 0) giveBack(buf); // the unused next buffer (or the one an inline body was copied from)
  const digests: BodyDigests = { size: total, md5: md5Digest };
  if (checksum && opts.checksumAlgorithm) digests.checksum = { algorithm: opts.checksumAlgorithm, value: checksum.digest() };
  return inline ? { chunks, digests, written, pinned, inline } : { chunks, digests, written, pinned };
}
