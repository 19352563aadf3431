/**
 * LevelDB metadata (the default): classic-level under `<dataDir>/meta`, or an injected
 * abstract-level db (memory-level in tests). Encodings are passed on every call so an injected
 * db's defaults don't matter. One process owns the db, so the Committer's in-process mutex is
 * the commit lock and `exclusive` needs nothing more.
 *
 * Group commit (backend.ts groupSync, commit.ts): for the db this backend opens itself, changes
 * are written unsynced and `sync()` makes them durable together. An injected db keeps one synced
 * batch per change (we don't know its files, so we can't close the log-rotation gap, see sync()).
 */
import { S3Error } from '../errors';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { AbstractLevel } from 'abstract-level';
import { removeBootMarker, writeBootMarker } from './bootMarker';
import type { BatchOp, Cursor, IterateOptions, MetaBackend, Snapshot, WriteBatch } from './backend';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyLevel = AbstractLevel<any, any, any>;

const ENC = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const;

export class LevelBackend implements MetaBackend {
  readonly kind = 'level';
  readonly shared = false;
  readonly groupSync: boolean;
  /** Point reads without the thread pool (classic-level's getSync; see get()). */
  private readonly syncReads: boolean;
  /** Highest LevelDB log file number seen by the last `sync()` (see there). */
  private logSeen = 0;

  private constructor(
    private readonly db: AnyLevel,
    private readonly owned: boolean,
    /** LevelDB's directory (only for the db opened here: its log files are fsynced by sync()). */
    private readonly location?: string,
  ) {
    this.groupSync = location !== undefined;
    this.syncReads = !!(db.supports as { getSync?: boolean } | undefined)?.getSync;
  }

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
    await writeBootMarker(location); // after open: LevelDB's LOCK makes us the only writer of it
    const b = new LevelBackend(db as unknown as AnyLevel, true, location);
    b.logSeen = b.logFiles().at(-1) ?? 0;
    return b;
  }

  get supportsSnapshots(): boolean {
    return !!this.db.supports?.explicitSnapshots;
  }

  snapshot(): Snapshot | undefined {
    return this.supportsSnapshots ? (this.db.snapshot() as Snapshot) : undefined;
  }

  /**
   * Point reads run synchronously when the db can (classic-level): a metadata read is a memtable /
   * block-cache lookup of microseconds, while the async path costs a thread-pool round trip
   * (queue, wake a thread, wake the loop) — measured as the largest single item of a small
   * request's CPU profile, and worse when the cores are contended. Still a Promise (backend.ts).
   */
  async get(key: Buffer, snapshot?: Snapshot): Promise<Buffer | undefined> {
    // A literal, not `{ ...ENC, snapshot }`: spread-then-add is a slow path in V8 (see toMeta).
    const opts = (snapshot ? { keyEncoding: 'buffer', valueEncoding: 'buffer', snapshot } : ENC) as object;
    const v = this.syncReads ? this.db.getSync(key, opts) : await this.db.get(key, opts);
    return v ?? undefined;
  }

  async getMany(keys: Buffer[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    if (this.syncReads) return keys.map((k) => this.db.getSync(k, ENC) ?? undefined);
    const vs = await this.db.getMany(keys, ENC);
    return vs.map((v: Buffer | undefined) => v ?? undefined);
  }

  async batch(ops: BatchOp[], sync: boolean): Promise<void> {
    if (ops.length === 0) return;
    try {
      await this.db.batch(
        // Literals, not `{ ...o, ...ENC }` (~1.7 µs per op in V8's spread path, see toMeta).
        ops.map((o) =>
          o.type === 'put'
            ? { type: 'put', key: o.key, value: o.value, keyEncoding: 'buffer', valueEncoding: 'buffer' }
            : { type: 'del', key: o.key, keyEncoding: 'buffer' },
        ),
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

  /**
   * Makes every batch finished before the call durable: the group-commit barrier (commit.ts
   * writes changes with sync=false, then one `sync()` covers a whole group).
   *
   * A synced write (a delete of a key that never exists: nothing visible) fsyncs LevelDB's log,
   * which holds all earlier writes in order. One gap is closed by hand: when LevelDB's memtable
   * fills it switches to a new log and closes the old one WITHOUT fsync (its contents become
   * durable only once compacted into a table), so any log file that was current since the last
   * sync and is no longer current is fsynced here. A log already gone was compacted (durable).
   */
  async sync(): Promise<void> {
    await this.batch([{ type: 'del', key: SYNC_KEY }], true);
    if (!this.location) return;
    const logs = this.logFiles();
    const current = logs.at(-1) ?? 0;
    for (const n of logs) {
      if (n >= this.logSeen && n < current) await fsyncFile(path.join(this.location, logName(n)));
    }
    this.logSeen = Math.max(this.logSeen, current);
  }

  /** LevelDB's write-ahead log files (NNNNNN.log), ascending. */
  private logFiles(): number[] {
    if (!this.location) return [];
    // Synchronous: LevelDB's directory is small, and this runs once per group sync.
    const out: number[] = [];
    for (const n of fs.readdirSync(this.location)) {
      const m = /^(\d+)\.log$/.exec(n);
      if (m) out.push(Number(m[1]));
    }
    return out.sort((a, b) => a - b);
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
    if (!this.owned) return;
    await this.db.close();
    if (this.location) await removeBootMarker(this.location); // a clean close (bootMarker.ts)
  }
}

/** Written (as a delete: it never exists) only to carry `sync()`'s fsync. */
const SYNC_KEY = Buffer.from('S/\u0000commitSync', 'utf8');
const logName = (n: number): string => `${String(n).padStart(6, '0')}.log`;

async function fsyncFile(file: string): Promise<void> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // compacted into a table meanwhile: durable
    throw e;
  }
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
