/**
 * Placements: where chunk files live. The default placement is `<dataDir>/chunks`; the server
 * config may add named placements (other directories, e.g. other disks) and map storage classes
 * to them. A chunk's identity is (placement, sha256) (keys.ts chunk ids); every reader, writer,
 * GC and fsck resolves the store of a chunk through here.
 *
 * Any placement may instead be an `s3://BUCKET/PREFIX?endpoint=URL` chunk store in another S3
 * service (s3ChunkStore.ts); `EngineOptions.chunks` makes the default placement one.
 */
import * as path from 'node:path';
import { ChunkStore, type ChunkFileSystem } from './chunkStore';
import type { ChunkBackend } from './chunkBackend';
import { S3ChunkStore, isS3ChunkUrl, parseS3ChunkUrl, type S3ChunkCredentials } from './s3ChunkStore';
import { DEFAULT_PLACEMENT, chunkId } from '../meta/keys';
import type { SharedPins } from '../meta/backend';
import { STORAGE_CLASSES } from '../objects/validation';
import type { ChunkRef, StorageClass } from '../types';

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function validatePlacements(placements: Record<string, string>, classes: Partial<Record<StorageClass, string>>): void {
  for (const [name, dir] of Object.entries(placements)) {
    if (!NAME_RE.test(name) || name === DEFAULT_PLACEMENT) throw new TypeError(`invalid placement name "${name}" (use [a-z0-9_-], not "${DEFAULT_PLACEMENT}")`);
    if (typeof dir !== 'string' || !dir) throw new TypeError(`placement "${name}" needs a directory or an s3:// URL`);
    if (isS3ChunkUrl(dir)) parseS3ChunkUrl(dir); // throws on a malformed URL
  }
  for (const [sc, name] of Object.entries(classes)) {
    if (!STORAGE_CLASSES.includes(sc as StorageClass)) throw new TypeError(`unknown storage class ${sc}`);
    if (name !== DEFAULT_PLACEMENT && !(name! in placements)) throw new TypeError(`storage class ${sc} maps to unknown placement "${name}"`);
  }
}

/** Where s3:// chunk stores are and how to reach them (EngineOptions.chunks / chunkCredentials). */
export interface RemoteChunkOptions {
  /** The default placement's store, when not `<dataDir>/chunks`: an s3:// URL. */
  chunks?: string;
  credentials?: S3ChunkCredentials;
}

/**
 * The store at `location`: an s3:// URL is an S3ChunkStore, anything else a directory whose
 * `chunks/` holds the files.
 */
export function openChunkStore(
  location: string,
  opts: { fsync: boolean; files?: ChunkFileSystem; processTmp?: string; credentials?: S3ChunkCredentials },
): ChunkBackend {
  if (isS3ChunkUrl(location)) return new S3ChunkStore(parseS3ChunkUrl(location), opts.credentials);
  return new ChunkStore(path.resolve(location), opts.fsync, opts.files, opts.processTmp);
}

export class Placements {
  private readonly stores = new Map<string, ChunkBackend>();

  constructor(
    dataDir: string,
    placements: Record<string, string>,
    private readonly classes: Partial<Record<StorageClass, string>>,
    fsync: boolean,
    files?: ChunkFileSystem,
    /** Set when several processes share the directories: each one's temp files (chunkStore.ts). */
    processTmp?: string,
    remote: RemoteChunkOptions = {},
  ) {
    const open = (location: string): ChunkBackend => openChunkStore(location, { fsync, files, processTmp, credentials: remote.credentials });
    // Two placements on one location would each take the other's chunks for orphans (GC, fsck --repair).
    const seen = new Map<string, string>();
    const claim = (name: string, location: string): void => {
      const id = isS3ChunkUrl(location) ? s3LocationId(location) : path.resolve(location);
      const other = seen.get(id);
      if (other !== undefined) throw new TypeError(`placements "${other}" and "${name}" use the same chunk location; give each its own`);
      seen.set(id, name);
    };
    claim(DEFAULT_PLACEMENT, remote.chunks ?? dataDir);
    for (const [name, dir] of Object.entries(placements)) claim(name, dir);
    this.stores.set(DEFAULT_PLACEMENT, open(remote.chunks ?? dataDir));
    for (const [name, dir] of Object.entries(placements)) this.stores.set(name, open(dir));
  }

  async init(): Promise<void> {
    for (const s of this.stores.values()) await s.init();
  }

  /** The store of `placement` (undefined: the default). */
  store(placement: string | undefined): ChunkBackend {
    const s = this.stores.get(placement ?? DEFAULT_PLACEMENT);
    if (!s) throw new Error(`chunk placement "${placement}" is not configured (add it to the server's placements)`);
    return s;
  }

  /** The placement name of a storage class, as ChunkRef.placement stores it (undefined: default). */
  forClass(storageClass: StorageClass | undefined): string | undefined {
    const name = this.classes[storageClass ?? 'STANDARD'];
    return name === undefined || name === DEFAULT_PLACEMENT ? undefined : name;
  }

  /** Shared metadata: every store's pins also go to the database (chunkStore.ts shareWith). */
  shareWith(pins: SharedPins): void {
    for (const [name, store] of this.stores) {
      store.shareWith({ pin: (h) => pins.pin(chunkId(name, h)), unpin: (h) => pins.unpin(chunkId(name, h)) });
    }
  }

  /** Every placement: [name, store]. */
  all(): [string, ChunkBackend][] {
    return [...this.stores];
  }
}

/**
 * Copies `chunks` (any placements) into `placement`, one chunk in memory at a time, and returns
 * the same list as refs in that placement (the hashes don't change: same bytes). Each target
 * chunk is pinned before it is written, so GC leaves it alone until the caller has committed
 * and unpinned `pinned` on `placements.store(placement)`. The caller holds a read lease that
 * keeps the source chunks. On failure everything pinned here is unpinned again (and handed to
 * `discard`, which removes what nothing references).
 */
export async function relocateChunks(
  placements: Placements,
  chunks: readonly ChunkRef[],
  placement: string | undefined,
  discard?: (hashes: string[]) => Promise<unknown>,
): Promise<{ chunks: ChunkRef[]; pinned: string[] }> {
  const target = placements.store(placement);
  const pinned: string[] = [];
  const out: ChunkRef[] = [];
  try {
    for (const c of chunks) {
      if (c.placement === placement) {
        out.push({ ...c });
        continue;
      }
      target.pins.pin(c.hash);
      pinned.push(c.hash);
      await target.put(c.hash, await placements.store(c.placement).read(c.hash, c.size));
      out.push(placement === undefined ? { hash: c.hash, size: c.size } : { hash: c.hash, size: c.size, placement });
    }
  } catch (e) {
    target.pins.unpinAll(pinned);
    await discard?.(pinned).catch(() => undefined);
    throw e;
  }
  return { chunks: out, pinned };
}

/** An s3:// store's identity: endpoint, bucket and prefix (region and addressing style don't change where chunks are). */
function s3LocationId(location: string): string {
  const l = parseS3ChunkUrl(location);
  return `s3:${l.endpoint ?? 'aws'}/${l.bucket}/${l.prefix}`;
}
