/**
 * The metadata database the engine calls. The raw key/value work is done by a MetaBackend
 * (backend.ts): LevelDB by default (levelBackend.ts: classic-level under `<dataDir>/meta`, or an
 * injected abstract-level db), or PostgreSQL when a `postgres://` URL is given (pgBackend.ts).
 * Keys and values are always raw Buffers (see keys.ts for the layout).
 */
import type { BatchOp, Cursor, IterateOptions, MetaBackend, SharedPins, Snapshot, WriteBatch } from './backend';
import { LevelBackend } from './levelBackend';

export type { BatchOp, Cursor, IterateOptions, Snapshot } from './backend';

export class MetaDb {
  /** Entries read through cursors; tests use it to prove listings seek instead of scanning. */
  entriesRead = 0;

  private constructor(readonly backend: MetaBackend) {}

  /** `metaUrl`: a postgres:// URL (shared metadata); otherwise LevelDB (or the injected db). */
  static async open(dataDir: string, injected?: unknown, metaUrl?: string): Promise<MetaDb> {
    if (metaUrl) {
      const { PgBackend } = await import('./pgBackend');
      return new MetaDb(await PgBackend.open(metaUrl));
    }
    return new MetaDb(await LevelBackend.open(dataDir, injected));
  }

  /** True when other processes write the same metadata (no in-process cache of it is exact). */
  get shared(): boolean {
    return this.backend.shared;
  }

  /** Writes may be unsynced and made durable by `sync()` in groups (backend.ts). */
  get groupSync(): boolean {
    return this.backend.groupSync;
  }

  /** Makes every batch finished before the call durable (a no-op where commits are durable). */
  sync(): Promise<void> {
    return this.backend.sync();
  }

  /** Cross-process chunk pins (shared backends only). */
  get pins(): SharedPins | undefined {
    return this.backend.pins;
  }

  get supportsSnapshots(): boolean {
    return this.backend.supportsSnapshots;
  }

  snapshot(): Snapshot | undefined {
    return this.backend.snapshot();
  }

  get(key: Buffer, snapshot?: Snapshot): Promise<Buffer | undefined> {
    return this.backend.get(key, snapshot);
  }

  getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.backend.getMany(keys);
  }

  async getJson<T>(key: Buffer, snapshot?: Snapshot): Promise<T | undefined> {
    const v = await this.get(key, snapshot);
    return v === undefined ? undefined : (JSON.parse(v.toString('utf8')) as T);
  }

  async batch(ops: BatchOp[], sync: boolean): Promise<void> {
    if (ops.length === 0) return;
    await this.backend.batch(ops, sync);
  }

  /** The commit lock of the store (see backend.ts); only the Committer uses it. */
  exclusive<T>(fn: (write: WriteBatch) => Promise<T>): Promise<T> {
    return this.backend.exclusive(fn);
  }

  cursor(opts: IterateOptions): Cursor {
    const it = this.backend.cursor(opts);
    return {
      next: async () => {
        const e = await it.next();
        if (e) this.entriesRead++;
        return e;
      },
      seek: (target: Buffer) => it.seek(target),
      close: () => it.close(),
    };
  }

  /** All entries of a range (use only where the range is known to be small). */
  async all(opts: IterateOptions): Promise<[Buffer, Buffer][]> {
    const out: [Buffer, Buffer][] = [];
    const c = this.cursor(opts);
    try {
      for (let e = await c.next(); e; e = await c.next()) out.push(e);
    } finally {
      await c.close();
    }
    return out;
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

export const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');
export const EMPTY = Buffer.alloc(0);
