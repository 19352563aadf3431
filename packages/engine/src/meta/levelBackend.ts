/**
 * LevelDB metadata (the default): classic-level under `<dataDir>/meta`, or an injected
 * abstract-level db (memory-level in tests). Encodings are passed on every call so an injected
 * db's defaults don't matter. One process owns the db, so the Committer's in-process mutex is
 * the commit lock and `exclusive` needs nothing more.
 */
import { S3Error } from '../errors';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { AbstractLevel } from 'abstract-level';
import type { BatchOp, Cursor, IterateOptions, MetaBackend, Snapshot, WriteBatch } from './backend';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyLevel = AbstractLevel<any, any, any>;

const ENC = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const;

export class LevelBackend implements MetaBackend {
  readonly kind = 'level';
  readonly shared = false;

  private constructor(
    private readonly db: AnyLevel,
    private readonly owned: boolean,
  ) {}

  static async open(dataDir: string, injected?: unknown): Promise<LevelBackend> {
    if (injected) {
      const db = injected as AnyLevel;
      if (typeof db.batch !== 'function' || typeof db.iterator !== 'function') {
        throw new TypeError('options.db must be an abstract-level database');
      }
      if (db.status !== 'open') await db.open();
      return new LevelBackend(db, false);
    }
    const location = path.join(dataDir, 'meta');
    await fs.promises.mkdir(location, { recursive: true });
    // `level` is classic-level on Node. Loaded lazily so embedders injecting a db never load the
    // native binding; it stays external to the tsup bundle because it is a dependency.
    const { Level } = await import('level');
    const db = new Level<Buffer, Buffer>(location, ENC);
    await db.open();
    return new LevelBackend(db as unknown as AnyLevel, true);
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

  async batch(ops: BatchOp[], sync: boolean): Promise<void> {
    if (ops.length === 0) return;
    try {
      await this.db.batch(
        ops.map((o) => (o.type === 'put' ? { ...o, ...ENC } : { ...o, keyEncoding: 'buffer' })),
        { sync } as object,
      );
    } catch (e) {
      // LevelDB reports a full disk as an IO error whose text carries strerror(ENOSPC).
      const text = `${(e as Error)?.message ?? ''} ${(e as { cause?: Error }).cause?.message ?? ''}`;
      if (/No space left on device|Disk quota exceeded/i.test(text)) {
        throw new S3Error(
          'InsufficientStorage',
          'The server ran out of storage space while writing metadata; the request changed nothing. Retry once space has been freed.',
        );
      }
      throw e;
    }
  }

  cursor(opts: IterateOptions): Cursor {
    const clean: Record<string, unknown> = { ...ENC };
    for (const [k, v] of Object.entries(opts)) if (v !== undefined) clean[k] = v;
    const it = this.db.iterator(clean);
    return {
      next: async () => (await it.next()) as [Buffer, Buffer] | undefined,
      seek: (target: Buffer) => it.seek(target),
      close: () => it.close(),
    };
  }

  exclusive<T>(fn: (write: WriteBatch) => Promise<T>): Promise<T> {
    return fn((ops, sync) => this.batch(ops, sync));
  }

  async close(): Promise<void> {
    if (this.owned) await this.db.close();
  }
}
