/**
 * PostgreSQL metadata (`--meta postgres://USER[:PASS]@HOST:PORT/DB[?schema=NAME]`): the same
 * ordered key/value space as LevelDB in one table `kv (k bytea PRIMARY KEY, v bytea)`. bytea
 * compares bytewise, exactly LevelDB's order, so keys.ts's layout, range scans and seeks carry
 * over unchanged; a delimiter listing's seek past a common prefix is one `WHERE k >= $seek
 * ORDER BY k LIMIT n` (an index range scan), never a scan of everything under the prefix.
 *
 * Commits: every change (Committer.run) is ONE transaction that first takes a transaction-scoped
 * advisory lock (the store-wide commit lock, replacing the in-process mutex across gateways),
 * then reads what it needs and writes its batch; COMMIT releases the lock. Reads made under the
 * lock see every earlier commit (READ COMMITTED, one statement at a time), so refcounts, usage
 * counters, the feed seq and conditional writes stay exact read-modify-writes across processes.
 * One commit lock instead of SERIALIZABLE + retry: every change also bumps shared counters
 * (chunk totals, feed seq), so SERIALIZABLE would conflict on nearly every pair of commits anyway.
 *
 * Several processes may start at once: the schema is created and migrated under an advisory
 * lock, one numbered migration at a time, recorded in `cairn_migrations`.
 *
 * Chunk pins and read horizons (SharedPins, backend.ts) are rows with an expiry, in their own
 * tables: `pin` holds a shared advisory "GC fence" lock for its one statement, GC holds it
 * exclusively while it checks pins and unlinks, so a pin is either seen by GC or placed after
 * GC's unlink (and the upload then rewrites the file).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { S3Error } from '../errors';
import type { BatchOp, Cursor, IterateOptions, MetaBackend, SharedPins, Snapshot, WriteBatch } from './backend';

/** Advisory lock ids (second key; the first is hashtext(schema)). */
const LOCK_COMMIT = 1;
const LOCK_GC_FENCE = 2;
const LOCK_MIGRATE = 3;

/** A pin lives at most this long unless renewed (an upload that never commits). */
const PIN_TTL_MS = 6 * 3600_000;
/** A read horizon row is live this long after its last publication (every 5 s, engine.ts). */
export const HORIZON_TTL_MS = 20_000;
/**
 * The horizon row doubles as its process's heartbeat. Another gateway's GC honours a pin while
 * its owner's heartbeat lapsed less than this long ago (or the pin is younger than this), so the
 * chunks a gateway killed with SIGKILL was writing become collectable after ~10 minutes.
 */
export const PIN_OWNER_SILENCE_MS = 10 * 60_000;
/**
 * A gateway whose own heartbeat has not landed for this long refuses to commit (503): GC
 * elsewhere may soon stop honouring its pins, and a commit must never reference a chunk GC took.
 * Half of PIN_OWNER_SILENCE_MS, so clock skew and a slow commit have minutes of margin.
 */
export const SELF_FENCE_MS = PIN_OWNER_SILENCE_MS / 2;

/** Numbered migrations: append only, never edit a released one. */
const MIGRATIONS: ((s: string) => string)[] = [
  (s) => `CREATE TABLE ${s}.kv (k bytea PRIMARY KEY, v bytea NOT NULL)`,
  (s) => `CREATE TABLE ${s}.chunk_pins (chunk text NOT NULL, owner text NOT NULL, expires_at bigint NOT NULL, PRIMARY KEY (chunk, owner));
          CREATE TABLE ${s}.read_horizons (owner text PRIMARY KEY, oldest_ms double precision, expires_at bigint NOT NULL)`,
];

const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** Splits `?schema=` off a postgres URL (pg does not know it). */
export function parseMetaUrl(url: string): { connectionString: string; schema: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError('--meta must be a postgres://USER[:PASS]@HOST:PORT/DB URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new TypeError('--meta must be a postgres:// URL');
  const schema = u.searchParams.get('schema') ?? 'cairn';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError('schema must match [a-z_][a-z0-9_]*');
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema };
}

/** The final op per key (a batch is applied in order: the last op on a key wins). */
function collapse(ops: BatchOp[]): { puts: [Buffer, Buffer][]; dels: Buffer[] } {
  const last = new Map<string, BatchOp>();
  for (const o of ops) {
    const id = o.key.toString('hex');
    last.delete(id); // keep insertion order = order of last write
    last.set(id, o);
  }
  const puts: [Buffer, Buffer][] = [];
  const dels: Buffer[] = [];
  for (const o of last.values()) {
    if (o.type === 'put') puts.push([o.key, o.value]);
    else dels.push(o.key);
  }
  return { puts, dels };
}

function unavailable(e: unknown): Error {
  if (e instanceof S3Error) return e;
  const code = (e as { code?: string }).code;
  // Disk full on the database server: same contract as LevelDB's ENOSPC.
  if (code === '53100') {
    return new S3Error('InsufficientStorage', 'The metadata database ran out of storage space; the request changed nothing. Retry once space has been freed.');
  }
  return e as Error;
}

export class PgBackend implements MetaBackend {
  readonly kind = 'postgres';
  readonly shared = true;
  readonly supportsSnapshots = false;
  /** Every change is its own transaction, durable at COMMIT: nothing to group (backend.ts). */
  readonly groupSync = false;
  readonly pins: SharedPins;
  private readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly t: string;

  private constructor(
    private readonly pool: Pool,
    private readonly pinPool: Pool,
    private readonly schema: string,
  ) {
    this.t = `"${schema}"`;
    this.pins = this.makePins();
  }

  static async open(url: string): Promise<PgBackend> {
    const { connectionString, schema } = parseMetaUrl(url);
    const pool = new Pool({ connectionString, max: 10 });
    const pinPool = new Pool({ connectionString, max: 4 });
    // An idle client losing its connection (server restart) must not crash the process.
    pool.on('error', () => undefined);
    pinPool.on('error', () => undefined);
    const b = new PgBackend(pool, pinPool, schema);
    try {
      await b.migrate();
    } catch (e) {
      await pool.end().catch(() => undefined);
      await pinPool.end().catch(() => undefined);
      throw e;
    }
    return b;
  }

  private lockArgs(which: number): string {
    return `hashtext('cairn:' || ${`'${this.schema}'`}), ${which}`;
  }

  private async migrate(): Promise<void> {
    await this.tx(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(${this.lockArgs(LOCK_MIGRATE)})`);
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.t}`);
      await c.query(`CREATE TABLE IF NOT EXISTS ${this.t}.cairn_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      const r = await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${this.t}.cairn_migrations`);
      const have = r.rows[0]?.v ?? 0;
      if (have > MIGRATIONS.length) throw new Error(`metadata schema ${this.schema} is at version ${have}, newer than this Cairn (${MIGRATIONS.length})`);
      for (let v = have + 1; v <= MIGRATIONS.length; v++) {
        await c.query(MIGRATIONS[v - 1](this.t));
        await c.query(`INSERT INTO ${this.t}.cairn_migrations (version) VALUES ($1)`, [v]);
      }
    });
  }

  /** Runs fn in one transaction on one connection. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  snapshot(): Snapshot | undefined {
    return undefined;
  }

  async get(key: Buffer): Promise<Buffer | undefined> {
    const r = await this.pool.query<{ v: Buffer }>(`SELECT v FROM ${this.t}.kv WHERE k = $1`, [key]);
    return r.rows[0]?.v;
  }

  async getMany(keys: Buffer[], on: Pool | PoolClient = this.pool): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const r = await on.query<{ k: Buffer; v: Buffer }>(`SELECT k, v FROM ${this.t}.kv WHERE k = ANY($1::bytea[])`, [keys]);
    const by = new Map(r.rows.map((row) => [row.k.toString('hex'), row.v]));
    return keys.map((k) => by.get(k.toString('hex')));
  }

  private async apply(c: PoolClient, ops: BatchOp[], sync: boolean): Promise<void> {
    const { puts, dels } = collapse(ops);
    if (!sync) await c.query('SET LOCAL synchronous_commit = off');
    if (dels.length) await c.query(`DELETE FROM ${this.t}.kv WHERE k = ANY($1::bytea[])`, [dels]);
    if (puts.length) {
      await c.query(`INSERT INTO ${this.t}.kv (k, v) SELECT * FROM unnest($1::bytea[], $2::bytea[]) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`, [
        puts.map((p) => p[0]),
        puts.map((p) => p[1]),
      ]);
    }
  }

  batch(ops: BatchOp[], sync: boolean): Promise<void> {
    return this.exclusive((write) => write(ops, sync));
  }

  async exclusive<T>(fn: (write: WriteBatch) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let open = false;
    try {
      await c.query('BEGIN');
      open = true;
      await c.query(`SELECT pg_advisory_xact_lock(${this.lockArgs(LOCK_COMMIT)})`);
      const write: WriteBatch = async (ops, sync) => {
        if (!open) throw new Error('exclusive section already committed');
        this.checkFence();
        await this.apply(c, ops, sync);
        open = false; // COMMIT ends the transaction whether it succeeds or not
        await c.query('COMMIT');
      };
      const result = await fn(write);
      if (open) {
        open = false;
        await c.query('COMMIT');
      }
      return result;
    } catch (e) {
      if (open) await c.query('ROLLBACK').catch(() => undefined);
      throw unavailable(e);
    } finally {
      c.release();
    }
  }

  async sync(): Promise<void> {
    // Commits are durable when they return (synchronous_commit): nothing pending here.
  }

  cursor(opts: IterateOptions): Cursor {
    const reverse = !!opts.reverse;
    const values = opts.values !== false;
    const limit = opts.limit === undefined || opts.limit < 0 ? Infinity : opts.limit;
    type Bound = { key: Buffer; incl: boolean } | undefined;
    const lo0: Bound = opts.gt ? { key: opts.gt, incl: false } : opts.gte ? { key: opts.gte, incl: true } : undefined;
    const hi0: Bound = opts.lt ? { key: opts.lt, incl: false } : opts.lte ? { key: opts.lte, incl: true } : undefined;
    let lo = lo0;
    let hi = hi0;
    let buf: [Buffer, Buffer][] = [];
    let exhausted = false;
    let returned = 0;
    // Small first page: a delimiter listing seeks after a few entries; pages grow while it reads on.
    let page = 16;
    let pending: Promise<void> | undefined;
    const EMPTY = Buffer.alloc(0);

    const fetch = async (): Promise<void> => {
      const want = Math.min(page, limit - returned);
      const where: string[] = [];
      const params: unknown[] = [];
      if (lo) where.push(`k ${lo.incl ? '>=' : '>'} $${params.push(lo.key)}`);
      if (hi) where.push(`k ${hi.incl ? '<=' : '<'} $${params.push(hi.key)}`);
      const sql = `SELECT k${values ? ', v' : ''} FROM ${this.t}.kv${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY k ${reverse ? 'DESC' : 'ASC'} LIMIT ${want}`;
      const r = await this.pool.query<{ k: Buffer; v?: Buffer }>(sql, params);
      buf = r.rows.map((row) => [row.k, row.v ?? EMPTY]);
      if (r.rows.length < want) exhausted = true;
      const last = r.rows[r.rows.length - 1]?.k;
      if (last) {
        if (reverse) hi = { key: last, incl: false };
        else lo = { key: last, incl: false };
      }
      page = Math.min(page * 4, 1024);
    };

    return {
      next: async () => {
        if (returned >= limit) return undefined;
        while (buf.length === 0) {
          if (exhausted) return undefined;
          pending = fetch();
          await pending;
          pending = undefined;
        }
        returned++;
        return buf.shift();
      },
      seek: (target: Buffer) => {
        buf = [];
        exhausted = false;
        page = 16;
        if (reverse) hi = hi0 && Buffer.compare(target, hi0.key) >= 0 ? hi0 : { key: target, incl: true };
        else lo = lo0 && Buffer.compare(target, lo0.key) <= 0 ? lo0 : { key: target, incl: true };
      },
      close: async () => {
        await pending?.catch(() => undefined);
        buf = [];
        exhausted = true;
      },
    };
  }

  /** When this process's last heartbeat (read horizon publication) landed; undefined before the first. */
  private lastBeatOk: number | undefined;

  /** Self-fencing (SELF_FENCE_MS): only once heartbeats run, i.e. in a process that publishes them. */
  private checkFence(): void {
    if (this.lastBeatOk !== undefined && Date.now() - this.lastBeatOk > SELF_FENCE_MS) {
      throw new S3Error('ServiceUnavailable', "This gateway's heartbeat has not reached the metadata database for minutes; it refuses changes until it does.");
    }
  }

  private makePins(): SharedPins {
    const t = this.t;
    return {
      pin: async (chunkId) => {
        // One statement: the shared fence lock is taken (by the CTE) before the row is written.
        // Its own pool: pins queued behind a GC fence must not take the connections GC needs.
        await this.pinPool.query(
          `WITH fence AS (SELECT pg_advisory_xact_lock_shared(${this.lockArgs(LOCK_GC_FENCE)}))
           INSERT INTO ${t}.chunk_pins (chunk, owner, expires_at) SELECT $1, $2, ${NOW_MS} + $3 FROM fence
           ON CONFLICT (chunk, owner) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
          [chunkId, this.owner, PIN_TTL_MS],
        );
      },
      unpin: async (chunkId) => {
        await this.pool.query(`DELETE FROM ${t}.chunk_pins WHERE chunk = $1 AND owner = $2`, [chunkId, this.owner]);
      },
      fenced: (fn) =>
        this.tx(async (c) => {
          await c.query(`SELECT pg_advisory_xact_lock(${this.lockArgs(LOCK_GC_FENCE)})`);
          await c.query(`DELETE FROM ${t}.chunk_pins WHERE expires_at <= ${NOW_MS}`);
          return fn({
            pinned: async (ids) => {
              if (ids.length === 0) return new Set<string>();
              const r = await c.query<{ chunk: string }>(
                `SELECT DISTINCT p.chunk FROM ${t}.chunk_pins p WHERE p.chunk = ANY($1::text[]) AND (p.owner = $2
                   OR p.expires_at - $3 > ${NOW_MS} - $4
                   OR EXISTS (SELECT 1 FROM ${t}.read_horizons h WHERE h.owner = p.owner AND h.expires_at > ${NOW_MS} - $4))`,
                [ids, this.owner, PIN_TTL_MS, PIN_OWNER_SILENCE_MS],
              );
              return new Set(r.rows.map((row) => row.chunk));
            },
            getMany: (keys) => this.getMany(keys, c),
          });
        }),
      publishReadHorizon: async (oldestMs) => {
        // The pin pool: a heartbeat must not queue behind a busy gateway's metadata reads.
        const started = Date.now();
        await this.pinPool.query(
          `INSERT INTO ${t}.read_horizons (owner, oldest_ms, expires_at) VALUES ($1, $2, ${NOW_MS} + $3)
           ON CONFLICT (owner) DO UPDATE SET oldest_ms = EXCLUDED.oldest_ms, expires_at = EXCLUDED.expires_at`,
          [this.owner, Number.isFinite(oldestMs) ? oldestMs : null, HORIZON_TTL_MS],
        );
        this.lastBeatOk = Math.max(this.lastBeatOk ?? 0, started);
      },
      readHorizon: async () => {
        const r = await this.pool.query<{ m: number | null }>(`SELECT min(oldest_ms) AS m FROM ${t}.read_horizons WHERE expires_at > ${NOW_MS}`);
        const m = r.rows[0]?.m;
        return m === null || m === undefined ? Infinity : Number(m);
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.t}.read_horizons WHERE owner = $1`, [this.owner]).catch(() => undefined);
    await this.pool.query(`DELETE FROM ${this.t}.chunk_pins WHERE owner = $1`, [this.owner]).catch(() => undefined);
    await this.pool.end();
    await this.pinPool.end();
  }
}
