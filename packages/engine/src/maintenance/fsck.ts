/**
 * Offline consistency check and repair of a data directory (`cairn fsck`).
 *
 * Metadata: everything consistency.ts scanMetadata checks (refcounts against the records that
 * hold chunks, GC markers, chunk and usage counters, dangling and orphaned records).
 * Files: every chunk file with a C/ record or a reference is read and SHA-256-hashed (streamed,
 * a few files at a time); referenced chunks must exist and hash to their name; files with neither
 * are orphans; anything in chunks/tmp is a stale temp file.
 * s3:// chunk stores (s3ChunkStore.ts) are listed instead: each object's size is checked against
 * its record, and with `deep` every object is downloaded and hashed as a file would be (the
 * download is the cost: the whole store crosses the network).
 *
 * A chunk that can't be read (I/O error, the store down or timing out, a transfer cut short) is
 * retried a few times and then reported as `unreadable-chunk`: not corrupt (nobody saw wrong
 * bytes), not repairable (fsck can't tell), so the store is not clean and nothing is removed for it.
 *
 * --repair applies scanMetadata's fixes in batches, then removes orphan files, stale temp files
 * and unreferenced corrupt files. It NEVER deletes a file a live record references: a missing or
 * corrupt referenced chunk is reported with the objects it breaks and stays a failure.
 *
 * Garbage awaiting collection: chunks whose reference count correctly dropped to 0 longer ago
 * than the GC grace period. Not an inconsistency (the server's background GC frees them), so
 * they don't make a store unclean, but they are reported with their count and bytes; --repair
 * collects them (a full GC pass through the engine, after the repair).
 *
 * Runs only on a store no server has open: LevelDB's LOCK makes the open fail otherwise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { MetaDb, type BatchOp } from '../meta/db';
import { ChunkStore, CHUNKS_DIR, META_DIR, type ChunkFileInfo } from '../chunks/chunkStore';
import { openChunkStore } from '../chunks/placement';
import type { ChunkVerdict } from '../chunks/chunkBackend';
import { S3ChunkStore, type S3ChunkCredentials } from '../chunks/s3ChunkStore';
import * as keys from '../meta/keys';
import { collectReferences, loadStoreIndex, scanMetadata, type Finding, type FindingKind } from './consistency';
import { loadChunks } from '../meta/records';
import { Engine, DEFAULT_GC_GRACE_MS } from '../engine';

export type { Finding, FindingKind } from './consistency';

export interface FsckProgress {
  phase: 'records' | 'chunk records' | 'chunk files' | 'affected objects' | 'repair';
  done: number;
  total?: number;
  bytes?: number;
}

export interface FsckOptions {
  repair?: boolean;
  /** Metadata in PostgreSQL (postgres:// URL, as `cairn serve --meta`); chunks still under dataDir. */
  meta?: string;
  onProgress?: (p: FsckProgress) => void;
  /** Findings kept per kind in the report (counts stay exact). Default 1000. */
  maxFindingsPerKind?: number;
  /** Files hashed concurrently. Default 4. */
  concurrency?: number;
  /** The server's extra placements (name → directory or s3:// URL, placement.ts); their chunks are checked too. */
  placements?: Record<string, string>;
  /** The server's `chunks` (EngineOptions): the default placement is this s3:// store, not dataDir/chunks. */
  chunks?: string;
  chunkCredentials?: S3ChunkCredentials;
  /** Also download and hash every chunk of s3:// stores (files are always hashed). */
  deep?: boolean;
  /** Zero-reference chunks older than this are reported as garbage awaiting collection. Default 60 s (the server's). */
  gcGraceMs?: number;
}

/** Zero-reference chunks past the grace period: not a problem, but disk space GC has yet to free. */
export interface FsckGarbage {
  chunks: number;
  bytes: number;
  graceMs: number;
  /** With --repair: what the GC pass after the repair removed. */
  collected?: { chunks: number; bytes: number };
}

export interface FsckReport {
  dataDir: string;
  repair: boolean;
  /** Nothing left to fix: no findings, or (with repair) every finding was repaired. */
  clean: boolean;
  findings: (Finding & { repaired: boolean })[];
  counts: Partial<Record<FindingKind, number>>;
  /** Findings repair can't fix (missing/corrupt referenced chunks, lost bodies, unknown kinds). */
  unrepairable: number;
  stats: {
    buckets: number;
    records: number;
    chunkRecords: number;
    referencedChunks: number;
    chunkFiles: number;
    bytesHashed: number;
    durationMs: number;
  };
  repaired?: { metadataOps: number; filesRemoved: number };
  garbage: FsckGarbage;
}

/** fsck could not run at all (usage problem, store in use, not a data directory). */
export class FsckError extends Error {
  constructor(
    message: string,
    readonly code: 'NOT_A_DATA_DIR' | 'STORE_IN_USE',
  ) {
    super(message);
    this.name = 'FsckError';
  }
}

const REPAIR_BATCH = 1000;
/** Reads of one chunk before it counts as unreadable, and the pauses between them. */
const READ_ATTEMPTS = 3;
const READ_BACKOFF_MS = [200, 800];
const MAX_AFFECTED = 100;

export async function fsck(dataDir: string, opts: FsckOptions = {}): Promise<FsckReport> {
  const started = Date.now();
  const cap = opts.maxFindingsPerKind ?? 1000;
  const metaDir = path.join(dataDir, META_DIR);
  if (!opts.meta && !fs.existsSync(path.join(metaDir, 'CURRENT'))) {
    throw new FsckError(`${dataDir} is not a Cairn data directory (no ${META_DIR}/ database)`, 'NOT_A_DATA_DIR');
  }
  const db = await openDb(dataDir, opts.meta);
  let report: FsckReport;
  try {
    report = await check(db, dataDir, opts, cap, started);
  } finally {
    await db.close();
  }
  if (report.repair && report.garbage.chunks > 0 && report.unrepairable === 0) {
    // Collect the garbage as the server would: the engine's GC (records, markers, counters, files).
    const engine = await Engine.open({
      dataDir,
      placements: opts.placements,
      ...(opts.meta ? { meta: opts.meta } : {}),
      ...(opts.chunks ? { chunks: opts.chunks, chunkCredentials: opts.chunkCredentials } : {}),
    });
    try {
      const r = await engine.gc({ graceMs: report.garbage.graceMs });
      report.garbage.collected = { chunks: r.chunksRemoved, bytes: r.bytesRemoved };
    } finally {
      await engine.close();
    }
    report.stats.durationMs = Date.now() - started;
  }
  return report;
}

async function openDb(dataDir: string, meta?: string): Promise<MetaDb> {
  try {
    return await MetaDb.open(dataDir, undefined, meta);
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new FsckError(
        `the store in ${dataDir} is in use (${path.join(META_DIR, 'LOCK')} is held, probably by a running cairn server): stop it first`,
        'STORE_IN_USE',
      );
    }
    throw e;
  }
}

async function check(db: MetaDb, dataDir: string, opts: FsckOptions, cap: number, started: number): Promise<FsckReport> {
  const progress = opts.onProgress ?? (() => undefined);
  const meta = await scanMetadata(db, { maxFindingsPerKind: cap, onProgress: (p) => progress(p as FsckProgress) });
  const findings: Finding[] = meta.findings;
  const counts = meta.counts;
  const add = (kind: FindingKind, message: string, repairable: boolean): Finding | undefined => {
    const n = (counts[kind] = (counts[kind] ?? 0) + 1);
    if (!repairable) meta.unrepairable++;
    if (n > cap) return undefined;
    const f = { kind, message, repairable };
    findings.push(f);
    return f;
  };

  // Chunk files, placement by placement; counted/bad are keyed by chunk id (keys.ts).
  const removals: (() => Promise<unknown>)[] = []; // files and chunk objects --repair removes
  const bad = new Map<string, Finding | undefined>(); // referenced chunks that are missing or corrupt
  let chunkFiles = 0;
  let bytesHashed = 0;
  const graceMs = opts.gcGraceMs ?? DEFAULT_GC_GRACE_MS;
  const garbageCutoff = Date.now() - graceMs;
  const garbage: FsckGarbage = { chunks: 0, bytes: 0, graceMs };
  const roots: [string, string][] = [[keys.DEFAULT_PLACEMENT, opts.chunks ?? dataDir], ...Object.entries(opts.placements ?? {})];
  for (const [placement, location] of roots) {
    const store = openChunkStore(location, { fsync: false, credentials: opts.chunkCredentials });
    const remote = store instanceof S3ChunkStore ? store : undefined;
    if (remote) await remote.init(); // unreachable or wrong: fsck can't run (not a verdict on the data)
    const remove = (hash: string): (() => Promise<unknown>) =>
      store instanceof ChunkStore ? () => fs.promises.rm(store.pathOf(hash), { force: true, recursive: true }) : () => store.remove(hash);
    const where = placement === keys.DEFAULT_PLACEMENT ? '' : ` in placement ${placement}`;
    let batch: ChunkFileInfo[] = [];
    const flush = async (): Promise<void> => {
      const files = batch;
      batch = [];
      const recs = await db.getMany(files.map((f) => keys.chunkKey(keys.chunkId(placement, f.hash))));
      await pool(
        files.map((f, i) => ({ f, raw: recs[i] })),
        opts.concurrency ?? 4,
        async ({ f, raw }) => {
          const id = keys.chunkId(placement, f.hash);
          const c = meta.counted.get(id);
          const live = c?.live ?? 0;
          if (c) c.seen = true;
          chunkFiles++;
          if (!raw && live === 0) {
            add('orphan-chunk-file', `chunk file ${f.hash}${where} (${f.size} bytes) has no reference count record and no references`, true);
            removals.push(remove(f.hash));
            return;
          }
          const size = recordedSize(raw) ?? c?.size ?? f.size;
          const onBytes = (n: number): number => (bytesHashed += n);
          const problem: ChunkVerdict = !remote
            ? await withRetries(() => verifyFile((store as ChunkStore).pathOf(f.hash), f.hash, size, onBytes))
            : opts.deep
              ? await withRetries(() => remote.verify(f.hash, size, onBytes))
              : f.size !== size
                ? { kind: 'corrupt', detail: `object holds ${f.size} bytes, expected ${size}` }
                : undefined;
          if (chunkFiles % 16 === 0) progress({ phase: 'chunk files', done: chunkFiles, bytes: bytesHashed });
          if (!problem) {
            const zeroedAt = live === 0 ? zeroSince(raw) : undefined;
            if (zeroedAt !== undefined && zeroedAt <= garbageCutoff) {
              garbage.chunks++;
              garbage.bytes += f.size;
            }
            return;
          }
          if (problem.kind === 'unreadable') {
            // Says nothing about the stored bytes: never removed, and the store is not clean.
            const f2 = add('unreadable-chunk', `chunk ${id}: could not be read after ${READ_ATTEMPTS} attempts, not verified: ${problem.detail}`, false);
            if (live > 0) bad.set(id, f2);
          } else if (live > 0) bad.set(id, add('corrupt-chunk', `chunk ${id}: ${problem.detail} (referenced ${live} times)`, false));
          else {
            add('corrupt-unreferenced-chunk', `chunk ${id}: ${problem.detail} (unreferenced; the file can go)`, true);
            removals.push(remove(f.hash));
          }
        },
      );
    };
    for await (const f of store.walk()) {
      batch.push(f);
      if (batch.length >= 256) await flush();
    }
    await flush();
    if (remote) continue; // no temp objects: a PUT is atomic

    const tmpDir = path.join(path.resolve(location), CHUNKS_DIR, 'tmp');
    for (const e of await fs.promises.readdir(tmpDir, { withFileTypes: true }).catch(() => [] as fs.Dirent[])) {
      // Gateways sharing the directory (PostgreSQL metadata) write under tmp/<process>/: its files count, not the directory.
      const names = e.isDirectory()
        ? (await fs.promises.readdir(path.join(tmpDir, e.name)).catch(() => [] as string[])).map((n) => path.join(e.name, n))
        : [e.name];
      for (const name of names) {
        add('stale-temp-file', `stale temp file ${path.join(CHUNKS_DIR, 'tmp', name)}${where}`, true);
        const file = path.join(tmpDir, name);
        removals.push(() => fs.promises.rm(file, { force: true, recursive: true }));
      }
    }
  }
  progress({ phase: 'chunk files', done: chunkFiles, bytes: bytesHashed });
  for (const [id, c] of meta.counted) {
    if (c.live > 0 && !c.seen) bad.set(id, add('missing-chunk', `chunk ${id}: file missing (referenced ${c.live} times)`, false));
  }

  if (bad.size > 0) await findAffected(db, bad, progress);

  const report: FsckReport = {
    dataDir,
    repair: !!opts.repair,
    clean: false,
    findings: [],
    counts,
    unrepairable: 0,
    stats: {
      buckets: meta.buckets,
      records: meta.holders,
      chunkRecords: meta.chunkRecords,
      referencedChunks: meta.referencedChunks,
      chunkFiles,
      bytesHashed,
      durationMs: 0,
    },
    garbage,
  };
  let repaired = false;
  if (opts.repair) {
    if (meta.repairBlockers.length > 0) {
      // Fixing refcounts without seeing every reference could free chunks something still uses.
      add('repair-refused', `repair refused: ${meta.repairBlockers.slice(0, 10).join('; ')}${meta.repairBlockers.length > 10 ? ' ...' : ''}`, false);
    } else {
      report.repaired = await applyRepair(db, meta.fixes, removals, progress);
      repaired = true;
    }
  }
  report.unrepairable = meta.unrepairable;
  report.findings = findings.map((f) => ({ ...f, repaired: repaired && f.repairable }));
  const total = Object.values(counts).reduce((s, n) => s + (n ?? 0), 0);
  report.clean = total === 0 || (repaired && report.unrepairable === 0);
  report.stats.durationMs = Date.now() - started;
  return report;
}

/** When a C/ record's count reached 0 (undefined unless it says refs 0 with a zeroedAt). */
function zeroSince(raw: Buffer | undefined): number | undefined {
  if (!raw) return undefined;
  try {
    const r = JSON.parse(raw.toString('utf8')) as { refs?: unknown; zeroedAt?: unknown };
    return r.refs === 0 && typeof r.zeroedAt === 'number' ? r.zeroedAt : undefined;
  } catch {
    return undefined;
  }
}

/** The size a C/ record states (undefined when it doesn't parse: scanMetadata reported it). */
function recordedSize(raw: Buffer | undefined): number | undefined {
  if (!raw) return undefined;
  try {
    const size = (JSON.parse(raw.toString('utf8')) as { size?: unknown }).size;
    return typeof size === 'number' ? size : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a chunk again while it is unreadable (a transient error must not end as a verdict), a bounded number of times. */
async function withRetries(verify: () => Promise<ChunkVerdict>): Promise<ChunkVerdict> {
  for (let attempt = 1; ; attempt++) {
    const v = await verify();
    if (v?.kind !== 'unreadable' || attempt >= READ_ATTEMPTS) return v;
    await new Promise((r) => setTimeout(r, READ_BACKOFF_MS[attempt - 1] ?? READ_BACKOFF_MS[READ_BACKOFF_MS.length - 1]));
  }
}

/**
 * Streams the file through SHA-256; returns what's wrong with it, or undefined. A read error
 * (EIO, EACCES, vanished) is unreadable, not corrupt: only bytes read in full can be corrupt.
 */
async function verifyFile(file: string, hash: string, size: number, onBytes: (n: number) => void): Promise<ChunkVerdict> {
  const h = createHash('sha256');
  let n = 0;
  try {
    for await (const piece of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      h.update(piece as Buffer);
      n += (piece as Buffer).length;
      onBytes((piece as Buffer).length);
    }
  } catch (e) {
    return { kind: 'unreadable', detail: `read failed (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  if (n !== size) return { kind: 'corrupt', detail: `file holds ${n} bytes, expected ${size}` };
  const got = h.digest('hex');
  return got === hash ? undefined : { kind: 'corrupt', detail: `content hashes to ${got}` };
}

/** Second pass over the records: which objects/parts use the bad chunks. */
async function findAffected(db: MetaDb, bad: Map<string, Finding | undefined>, progress: (p: FsckProgress) => void): Promise<void> {
  const idx = await loadStoreIndex(db);
  let done = 0;
  for await (const h of collectReferences(db, idx)) {
    if (++done % 10000 === 0) progress({ phase: 'affected objects', done });
    if (!h.body || h.dangling) continue;
    const hit = new Set<string>();
    for (const c of await loadChunks(db, h.body)) {
      const id = keys.chunkId(c.placement, c.hash);
      if (bad.has(id)) hit.add(id);
    }
    for (const hash of hit) {
      const f = bad.get(hash);
      if (!f) continue;
      f.affected ??= [];
      if (f.affected.length < MAX_AFFECTED) f.affected.push(`${h.kind} ${h.label}`);
    }
  }
}

async function applyRepair(
  db: MetaDb,
  fixes: BatchOp[],
  files: (() => Promise<unknown>)[],
  progress: (p: FsckProgress) => void,
): Promise<{ metadataOps: number; filesRemoved: number }> {
  // Metadata first: a file is only removed once nothing can reference it any more.
  for (let i = 0; i < fixes.length; i += REPAIR_BATCH) {
    await db.batch(fixes.slice(i, i + REPAIR_BATCH), true);
    progress({ phase: 'repair', done: Math.min(fixes.length, i + REPAIR_BATCH), total: fixes.length + files.length });
  }
  let removed = 0;
  for (const remove of files) {
    await remove();
    removed++;
  }
  return { metadataOps: fixes.length, filesRemoved: removed };
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}
