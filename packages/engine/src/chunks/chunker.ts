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
import { HashSession } from './hashPool';

const WRITE_CONCURRENCY = 3;
/**
 * Bodies at least this large (or of unknown length) are hashed in the worker pool: below it a
 * message round trip costs more than hashing in place.
 */
const WORKER_MIN_BODY = 256 * 1024;

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
  /**
   * The body's pieces belong to nobody else once read (a socket's: PutObjectOptions.transferBody):
   * large bodies move them to the hash thread instead of copying them.
   */
  transferBody?: boolean;
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

const EMPTY = Buffer.alloc(0);

/** A copy in memory of its own (not the small-Buffer pool's), so it can be moved in turn. */
function ownCopy(b: Buffer): Buffer {
  const c = Buffer.allocUnsafeSlow(b.length);
  b.copy(c);
  return c;
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

  // Worker mode: MD5 and per-chunk SHA-256 run in a hash worker (see hashPool.ts), and a chunk
  // is gathered as views of the body's pieces (no copy here), sent over and written from there.
  // Otherwise everything runs here, as before.
  const session = contentLength === undefined || contentLength >= WORKER_MIN_BODY ? new HashSession() : undefined;
  const move = session !== undefined && opts.transferBody === true;
  let parts: Buffer[] = [];
  // The current chunk's own memory for copied bytes (worker mode), and how much of it is used.
  let copyBuf: Buffer | undefined;
  let copyUsed = 0;
  const copyIn = (src: Buffer): void => {
    if (!copyBuf || copyUsed + src.length > copyBuf.length) {
      // Sized for the rest of the chunk (or of the body, when shorter).
      const rest = Math.min(chunkSize - fill, contentLength !== undefined ? contentLength - flushed - fill : chunkSize);
      copyBuf = Buffer.allocUnsafeSlow(Math.max(rest, src.length));
      copyUsed = 0;
    }
    src.copy(copyBuf, copyUsed);
    parts.push(copyBuf.subarray(copyUsed, copyUsed + src.length));
    copyUsed += src.length;
  };
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
  let buf = Buffer.allocUnsafe(0);
  let fill = 0;
  let sha: Hash | undefined = session ? undefined : createHash('sha256');

  const track = (p: Promise<void>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const flushParts = async (s: HashSession): Promise<void> => {
    const gathered = parts;
    const size = fill;
    const index = chunks.length;
    chunks.push({ hash: '', size }); // named when its hash arrives; order kept
    flushed += size;
    parts = [];
    fill = 0;
    copyBuf = undefined;
    track(
      s
        .hold(gathered, size, true)
        .then(async ({ hash, held }) => {
          try {
            chunks[index] = { hash, size };
            store.pins.pin(hash);
            pinned.push(hash);
            if (await store.put(hash, held)) written++;
          } finally {
            held.drop(); // a no-op once written or taken; frees the bytes on any failure
          }
        })
        .catch((e) => {
          failure ??= e;
        }),
    );
    while (inFlight.size >= WRITE_CONCURRENCY) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  const flush = async (): Promise<void> => {
    if (session) return flushParts(session);
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
      if (session) {
        // A piece we own outright (a whole ArrayBuffer) joins the chunk as it is and moves with
        // it (its tail past a chunk boundary is copied, as the memory moves with this chunk);
        // the caller's memory is copied into the chunk's own buffer.
        const mine = move && piece.byteOffset === 0 && piece.length === piece.buffer.byteLength && piece.buffer instanceof ArrayBuffer;
        let p: Buffer = piece;
        while (p.length > 0) {
          const n = Math.min(chunkSize - fill, p.length);
          let next: Buffer = EMPTY;
          if (mine) {
            // Copied BEFORE the flush below moves (detaches) the memory it shares with the head.
            if (n < p.length) next = ownCopy(p.subarray(n));
            parts.push(n === p.length ? p : p.subarray(0, n));
          } else {
            copyIn(p.subarray(0, n));
            next = p.subarray(n);
          }
          fill += n;
          if (fill === chunkSize) await flush();
          p = next;
        }
        continue;
      }
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
      inline = session ? Buffer.concat(parts) : Buffer.from(buf.subarray(0, fill));
      if (session) await session.feed(inline);
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
  }

  const digests: BodyDigests = { size: total, md5: md5Digest };
  if (checksum && opts.checksumAlgorithm) digests.checksum = { algorithm: opts.checksumAlgorithm, value: checksum.digest() };
  return inline ? { chunks, digests, written, pinned, inline } : { chunks, digests, written, pinned };
}
