/**
 * The seam between the engine and where chunk bytes live. Two implementations: `ChunkStore`
 * (chunkStore.ts, files under `<dir>/chunks`) and `S3ChunkStore` (s3ChunkStore.ts, objects in
 * another S3 service). Everything above it (chunker, GET streams, GC, fsck, placements) speaks
 * only this interface, so both keep the same content addressing (a chunk is named by its
 * SHA-256), the same per-hash locks and pins, and the same verification on every read.
 */
import type { KeyedMutex, PinSet } from '../meta/locks';
import type { HeldChunk } from './hashPool';

/** Cross-process pins of one store's chunks (backend.ts SharedPins, bound to a placement). */
export interface BackendPins {
  pin(hash: string): Promise<void>;
  unpin(hash: string): Promise<void>;
}

/**
 * What fsck --deep learned reading one chunk: `corrupt` only when a whole body was read and its
 * length or SHA-256 is wrong; `unreadable` when no whole body could be read (I/O error, store
 * down, timeout, cut-off transfer, vanished): that says nothing about the stored bytes, so it is
 * never repaired by deleting anything. undefined = intact.
 */
export type ChunkVerdict = { kind: 'corrupt' | 'unreadable'; detail: string } | undefined;

/** One stored chunk as a listing sees it. */
export interface StoredChunk {
  hash: string;
  size: number;
  /** When it was written (file mtime / object LastModified): GC's orphan grace. */
  mtimeMs: number;
}

export interface ChunkBackend {
  /** Per-hash lock: existence check + write vs. GC removal. */
  readonly locks: KeyedMutex;
  /** Hashes held by in-flight uploads (locks.ts). */
  readonly pins: PinSet;
  /** Shared metadata: pins also go to the database (chunkStore.ts shareWith). */
  shareWith(pins: BackendPins): void;
  /** Prepares the store (directories, temp-file cleanup; for S3: checks the bucket answers). */
  init(): Promise<void>;
  /**
   * Makes the chunk durable under its name; the caller pinned `hash` first. True when written
   * now, false when it was already there (dedup). A HeldChunk's bytes are in a hash thread
   * (hashPool.ts): written from there, or taken back.
   */
  put(hash: string, data: Buffer | HeldChunk): Promise<boolean>;
  /**
   * The whole chunk, its length and SHA-256 checked (InternalError otherwise: never wrong bytes).
   * `into` (at least size + 1 bytes, readBuffers.ts) may be read into: the result is then a view of it.
   */
  read(hash: string, size: number, into?: Buffer): Promise<Buffer>;
  /** The stored size, or undefined when there is none. */
  size(hash: string): Promise<number | undefined>;
  exists(hash: string): Promise<boolean>;
  /** Removes a chunk the caller (holding its lock) decided is garbage. */
  remove(hash: string): Promise<boolean>;
  /** Every stored chunk in hash order (only those after `after`, to resume a walk). */
  walk(after?: string): AsyncGenerator<StoredChunk>;
}
