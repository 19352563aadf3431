/**
 * The metadata database: classic-level under `<dataDir>/meta`, or an injected abstract-level db
 * (memory-level in tests). Encodings are passed on every call so an injected db's defaults don't
 * matter: keys and values are always raw Buffers (see keys.ts for the layout).
 */
import { S3Error } from '../errors';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { AbstractLevel } from 'abstract-level';

export type BatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

export interface IterateOptions {
  gt?: Buffer;
  gte?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
  reverse?: boolean;
  limit?: number;
  values?: boolean;
  snapshot?: Snapshot;
}

export interface Snapshot {
  close(): Promise<void>;
}

/** A forward/backward cursor that can jump (seek) without re-creating the iterator. */
export interface Cursor {
  next(): Promise<[Buffer, Buffer] | undefined>;
  seek(target: Buffer): void;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyLevel = AbstractLevel<any, any, any>;

const ENC = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const;

export class MetaDb {
  /** Entries read through cursors; tests use it to prove listings seek instead of scanning. */
  entriesRead = 0;

  private constructor(
    private readonly db: AnyLevel,
    private readonly owned: boolean,
  ) {}

  static async open(dataDir: string, injected?: unknown): Promise<MetaDb> {
    if (injected) {
      const db = injected as AnyLevel;
      if (typeof db.batch !== 'function' || typeof db.iterator !== 'function') {
        throw new TypeError('options.db must be an abstract-level database');
      }
      if (db.status !== 'open') await db.open();
      return new MetaDb(db, false);
    }
    const location = path.join(dataDir, 'meta');
    await fs.promises.mkdir(location, { recursive: true });
    // `level` is classic-level on Node. Loaded lazily so embedders injecting a db never load the
    // native binding; it stays external to the tsup bundle because it is a dependency.
    const { Level } = await import('level');
    const db = new Level<Buffer, Buffer>(location, ENC);
    await db.open();
    return new MetaDb(db as unknown as AnyLevel, true);
  }

  get supportsSnapshots(): boolean {
    return !!this.db.supports?.explicitSnapshots;
  }

  snapshot(): Snapshot | undefined {
    return this.supportsSnapshots ? (this.db.snapshot() as Snapshot) : undefined;
  }

  async get(key: Buffer, snapshot?: Snapshot): Promise<Buffer | undefined> {
    const v = await this.db.get(key, (snapshot ? { ...ENC, snapshot } : ENC) as object);
    return v ?? undefined;
  }

  async getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const vs = await this.db.getMany(keys, ENC);
    return vs.map((v: Buffer | undefined) => v ?? undefined);
  }

  async getJson<T>(key: Buffer, snapshot?: Snapshot): Promise<T | undefined> {
    const v = await this.get(key, snapshot);
    return v === undefined ? undefined : (JSON.parse(v.toString('utf8')) as T);
  }

  async batch(ops: BatchOp[], sync: boolean): Promise<void> {
    if (ops.length === 0) return;
    try {
      await this.db.batch(
        ops.map((o) => (o.type === 'put' ? { ...o, ...ENC } : { ...o, keyEncoding: 'buffer' })),
        { sync } as object,
      );
    } catch (e) {
      // LevelDB reports a full disk as an IO error whose text carries strerror(ENOSPC).
      const text = `${(e as Error)?.message ?? ''} ${((e as { cause?: Error }).cause)?.message ?? ''}`;
      if (/No space left on device|Disk quota exceeded/i.test(text)) {
        throw new S3Error('InsufficientStorage', 'The server ran out of storage space while writing metadata; the request changed nothing. Retry once space has been freed.');
      }
      throw e;
    }
  }

  cursor(opts: IterateOptions): Cursor {
    const clean: Record<string, unknown> = { ...ENC };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) clean[k] = v;
    const it = this.db.iterator(clean);
    return {
      next: async () => {
        const e = (await it.next()) as [Buffer, Buffer] | undefined;
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
    if (this.owned) await this.db.close();
  }
}

export const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');
export const EMPTY = Buffer.alloc(0);
