/**
 * Content-addressed chunk files: `<dataDir>/chunks/ab/cd/<sha256 hex>`, each distinct content
 * stored once. Writes go temp file → fsync → rename → fsync directory, so a chunk that exists
 * under its final name is complete and (with fsync) durable before any metadata references it.
 *
 * Chunk size (default 1 MiB) trades dedup granularity against file count and read efficiency:
 * smaller chunks dedup more (shifted/edited large files share more pieces) but 1 GiB would be
 * thousands of files and per-chunk metadata; larger chunks mean fewer files (1024 per GiB at
 * 1 MiB, fine for any filesystem) and one read syscall moves a useful amount of data. 1 MiB is
 * also the read buffer unit of GET bodies, so memory per stream stays ~1-2 MiB.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { getSystemErrorMap } from 'node:util';
import { S3Error, isS3Error, internalError } from '../errors';
import { KeyedMutex, PinSet } from '../meta/locks';
import { HeldChunk } from './hashPool';

/** Cross-process pins of one store's chunks (backend.ts SharedPins, bound to a placement). */
export interface StorePins {
  pin(hash: string): Promise<void>;
  unpin(hash: string): Promise<void>;
}

export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
/** Upper bound so a chunk length always fits the 32-bit size field of chunk lists. */
export const MAX_CHUNK_SIZE = 64 * 1024 * 1024;
export const CHUNKS_DIR = 'chunks';
export const CHUNKS_TMP_DIR = 'tmp';
export const META_DIR = 'meta';

const HASH_RE = /^[0-9a-f]{64}$/;

/** Path of a chunk relative to `<dataDir>/chunks`. */
export function chunkRelativePath(hash: string): string {
  return path.join(hash.slice(0, 2), hash.slice(2, 4), hash);
}

/**
 * The file operations a chunk write goes through. A seam for embedders and tests (e.g. one that
 * fails writes with ENOSPC without filling a disk); the default is node:fs.
 */
export interface ChunkFileSystem {
  open(path: string, flags: 'wx'): Promise<ChunkFileHandle>;
}
export interface ChunkFileHandle {
  write(data: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}
export const NODE_CHUNK_FS: ChunkFileSystem = { open: (p, flags) => fs.promises.open(p, flags) };

/**
 * A failed chunk write as the S3 error the client gets: out of space (ENOSPC / EDQUOT) is
 * InsufficientStorage (HTTP 507, which SDKs and the AWS CLI do not retry); any other I/O failure
 * is InternalError naming the cause. Never the file path: that is the server's business.
 */
export function writeFailure(e: unknown, what = "the object's data"): unknown {
  if (isS3Error(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  if (!code) return e;
  const why = (typeof err.errno === 'number' ? getSystemErrorMap().get(err.errno)?.[1] : undefined) ?? code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new S3Error(
      'InsufficientStorage',
      `The server ran out of storage space while writing ${what} (${code}: ${why}); the request stored nothing. Retry once space has been freed.`,
    );
  }
  return internalError(`Writing ${what} failed on the server (${code}: ${why}); the request stored nothing.`);
}

export interface ChunkFileInfo {
  hash: string;
  size: number;
  mtimeMs: number;
}

export class ChunkStore {
  readonly root: string;
  readonly tmpDir: string;
  /** Per-hash lock: existence check + write vs. GC unlink. */
  readonly locks = new KeyedMutex();
  /** Hashes held by in-flight uploads (see locks.ts). */
  readonly pins = new PinSet();
  private readonly knownDirs = new Set<string>();
  /** Set when the metadata is shared by several gateways (engine.ts): pins go to the database too. */
  private shared: StorePins | undefined;

  /**
   * Mirrors this store's pins into the database: a hash is pinned there (under the chunk lock,
   * before the existence check) by `put`, and unpinned once its last local pin goes, so GC on
   * another gateway never removes a chunk an upload here found or wrote (gc.ts).
   */
  shareWith(pins: StorePins): void {
    this.shared = pins;
    this.pins.onReleased = (hash) => {
      void this.locks
        .run(hash, async () => {
          if (!this.pins.has(hash)) await pins.unpin(hash);
        })
        .catch(() => undefined); // the row expires on its own
    };
  }

  /**
   * `processTmp`: the directory is shared by several gateways (PostgreSQL metadata), so this
   * process writes its temp files under `tmp/<processTmp>/` and init leaves other processes'
   * temp files alone (only ones untouched for a day, a dead process's leftovers, go).
   */
  constructor(
    dataDir: string,
    private readonly fsync: boolean,
    private readonly files: ChunkFileSystem = NODE_CHUNK_FS,
    private readonly processTmp?: string,
  ) {
    this.root = path.join(dataDir, CHUNKS_DIR);
    this.tmpDir = processTmp ? path.join(this.root, CHUNKS_TMP_DIR, processTmp) : path.join(this.root, CHUNKS_TMP_DIR);
  }

  /** Creates the directories and removes temp files a crash left behind. */
  async init(): Promise<void> {
    await fs.promises.mkdir(this.tmpDir, { recursive: true });
    if (this.processTmp) {
      const shared = path.join(this.root, CHUNKS_TMP_DIR);
      const dayAgo = Date.now() - 86_400_000;
      for (const name of await fs.promises.readdir(shared)) {
        const st = await fs.promises.stat(path.join(shared, name)).catch(() => undefined);
        if (name !== this.processTmp && st && st.mtimeMs < dayAgo) await fs.promises.rm(path.join(shared, name), { force: true, recursive: true });
      }
    } else {
      for (const name of await fs.promises.readdir(this.tmpDir)) {
        await fs.promises.rm(path.join(this.tmpDir, name), { force: true, recursive: true });
      }
    }
    if (this.fsync) await fsyncDir(this.root);
  }

  pathOf(hash: string): string {
    return path.join(this.root, chunkRelativePath(hash));
  }

  /**
   * Makes sure the chunk is on disk. The caller must have pinned `hash` first (so GC leaves it
   * alone until the referencing commit). Returns true when the file was written now, false
   * when it already existed (dedup).
   */
  async put(hash: string, chunk: Buffer | HeldChunk): Promise<boolean> {
    return this.locks.run(hash, async () => {
      if (this.shared) await this.shared.pin(hash);
      const file = this.pathOf(hash);
      if (chunk instanceof HeldChunk && this.files === NODE_CHUNK_FS) {
        // Bytes held by a hash thread (large uploads, chunker.ts): the whole sequence below runs there.
        const tmp = path.join(this.tmpDir, `${hash}.${randomBytes(6).toString('hex')}`);
        try {
          return await chunk.write(file, tmp, this.fsync);
        } catch (e) {
          throw writeFailure(e);
        }
      }
      const data = chunk instanceof HeldChunk ? await chunk.take() : chunk;
      const st = await fs.promises.stat(file).catch(() => undefined);
      if (st && st.size === data.length) return false;
      // Missing, or a damaged file of the wrong size: (re)write it.
      const tmp = path.join(this.tmpDir, `${hash}.${randomBytes(6).toString('hex')}`);
      try {
        const fh = await this.files.open(tmp, 'wx');
        try {
          let off = 0;
          while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
          if (this.fsync) await fh.sync();
        } finally {
          await fh.close();
        }
        const dir = path.dirname(file);
        await this.ensureDir(dir);
        await fs.promises.rename(tmp, file);
        if (this.fsync) await fsyncDir(dir);
      } catch (e) {
        // Nothing half-written stays behind (a full disk gets its space back at once).
        await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
        throw writeFailure(e);
      }
      return true;
    });
  }

  /**
   * Reads a whole chunk and checks its length and SHA-256: never hands out wrong bytes. The hash
   * is ~0.6-1 CPU-ms/MiB; kept on every read on purpose (bit rot and damaged files surface as
   * errors, not as data). Reading + hashing in a worker instead was measured: same CPU per GiB,
   * more RSS (hashPool.ts).
   */
  async read(hash: string, size: number, into?: Buffer): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readKnownSize(this.pathOf(hash), size, into);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw internalError(code === 'ENOENT' ? `chunk ${hash} is missing` : `chunk ${hash} unreadable: ${code ?? e}`);
    }
    if (data.length !== size || createHash('sha256').update(data).digest('hex') !== hash) {
      throw internalError(`chunk ${hash} is corrupt`);
    }
    return data;
  }

  /** The chunk file's size, or undefined when there is none. */
  async size(hash: string): Promise<number | undefined> {
    return (await fs.promises.stat(this.pathOf(hash)).catch(() => undefined))?.size;
  }

  async exists(hash: string): Promise<boolean> {
    return fs.promises.access(this.pathOf(hash)).then(
      () => true,
      () => false,
    );
  }

  /** Unlinks a chunk file; the caller holds the hash's lock and has decided it is garbage. */
  async remove(hash: string): Promise<boolean> {
    try {
      await fs.promises.unlink(this.pathOf(hash));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  /**
   * Every chunk file on disk, in hash order (only those after `after`, to resume a walk).
   * Cost: one readdir per directory, one stat per file.
   */
  async *walk(after?: string): AsyncGenerator<ChunkFileInfo> {
    const a0 = after?.slice(0, 2) ?? '';
    const b0 = after?.slice(2, 4) ?? '';
    for (const a of await readdirSafe(this.root)) {
      if (a === CHUNKS_TMP_DIR || a.length !== 2 || a < a0) continue;
      for (const b of await readdirSafe(path.join(this.root, a))) {
        if (a === a0 && b < b0) continue;
        const dir = path.join(this.root, a, b);
        for (const name of await readdirSafe(dir)) {
          if (!HASH_RE.test(name) || (after !== undefined && name <= after)) continue;
          const st = await fs.promises.stat(path.join(dir, name)).catch(() => undefined);
          if (st?.isFile()) yield { hash: name, size: st.size, mtimeMs: st.mtimeMs };
        }
      }
    }
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    const parent = path.dirname(dir);
    const created = await fs.promises.mkdir(dir, { recursive: true });
    if (created && this.fsync) {
      // New directory entries must be durable too, or a crash could lose the whole subtree.
      await fsyncDir(parent);
      await fsyncDir(path.dirname(parent));
    }
    this.knownDirs.add(dir);
  }
}

/**
 * Reads a file expected to hold `size` bytes: open, one read of size + 1 bytes (a longer file
 * shows as more than `size`, so the caller's length check catches it), close. Callback fs, not
 * readFile: readFile also fstats and reads in 512 KiB pieces, ~6 thread-pool round trips per
 * 1 MiB chunk instead of 3, and the close is not waited for. Returns the bytes read (a view of
 * `into` when given, as GET bodies pass pooled buffers: readBuffers.ts).
 */
function readKnownSize(file: string, size: number, into?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fs.open(file, 'r', (err, fd) => {
      if (err) return reject(err);
      const buf = into && into.length > size ? into.subarray(0, size + 1) : Buffer.allocUnsafe(size + 1);
      const done = (e: NodeJS.ErrnoException | null, data?: Buffer): void => {
        fs.close(fd, () => undefined);
        if (e) reject(e);
        else resolve(data!);
      };
      let got = 0;
      const more = (): void => {
        fs.read(fd, buf, got, buf.length - got, got, (e, n) => {
          if (e) return done(e);
          got += n;
          // Short reads are legal: go on until EOF (n === 0) or one byte past the expected size.
          if (n === 0 || got === buf.length) done(null, buf.subarray(0, got));
          else more();
        });
      };
      more();
    });
  });
}

async function readdirSafe(dir: string): Promise<string[]> {
  try {
    return (await fs.promises.readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
