/**
 * Whole-store metadata consistency: the core of `cairn fsck` (fsck.ts) and the tests' oracle
 * (Engine.verifyRefcounts).
 *
 * `collectReferences` is THE enumeration of every record that holds a body (chunk references, a
 * D/ chunk list or an X/ inline body). C/ reference counts must equal how often each chunk
 * appears across everything it yields. A new record kind that holds chunks MUST be added there
 * (and its prefix to UNDERSTOOD_KINDS), or fsck would see its chunks as over-counted.
 *
 * `scanMetadata` recounts everything and returns findings plus the batch ops that would repair
 * them (fsck applies them with --repair). It reads through cursors; what it keeps in memory is
 * one counter per referenced chunk, the ids of D/ lists and X/ bodies in use and one entry per
 * bucket / upload.
 */
import type { Ctx } from '../context';
import type { BucketStats, ChunkRecord, ChunkStats } from '../meta/commit';
import type { BucketRecord } from '../meta/bucketCache';
import { type BatchOp, type IterateOptions, type MetaDb, json, EMPTY } from '../meta/db';
import * as keys from '../meta/keys';
import { decodeRecord, loadChunks, type ChunkListFields, type ObjectRecord } from '../meta/records';
import type { BucketUsage, UsageReport } from '../types';

/** A record holding (or owning) a body. */
export interface BodyHolder {
  /** 'object' (O/), 'version' (V/), 'upload' (M/), 'part' (P/) ... */
  kind: string;
  /** Its metadata key (repair deletes dangling holders by it). */
  dbKey: Buffer;
  /** For reports: "bucket/key", "bucket/key version v", "upload u part 3". */
  label: string;
  /** Its body: size and where the chunk list lives. Absent: no body (delete marker, upload). */
  body?: ChunkListFields & { size: number };
  /** What it adds to the T/<bucketId> usage counters. */
  usage?: { bucketId: string; objects: number; bytes: number; inlineBytes: number };
  /** Set when what it belongs to (bucket, upload) is gone: repair deletes it with its body. */
  dangling?: string;
  /** Set when it is broken in a way repair can't fix (reported, left alone). */
  broken?: string;
  /** Its value doesn't parse: whatever it references is unknown, so refcount repair is unsafe. */
  unreadable?: true;
}

function parseJson<T>(v: Buffer): T | undefined {
  try {
    return JSON.parse(v.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

const unreadable = (kind: string, dbKey: Buffer, label: string): BodyHolder => ({ kind, dbKey, label, broken: 'the record does not parse', unreadable: true });

/** Record kinds (key prefixes) this module understands; anything else makes repair refuse. */
export const UNDERSTOOD_KINDS: ReadonlySet<string> = new Set<string>(keys.RECORD_KINDS);

export interface StoreIndex {
  /** bucket id → name */
  buckets: Map<string, string>;
}

export async function loadStoreIndex(db: MetaDb): Promise<StoreIndex> {
  const buckets = new Map<string, string>();
  for (const [k, v] of await db.all(keys.bucketsRange())) {
    buckets.set((JSON.parse(v.toString('utf8')) as BucketRecord).id, keys.decodeBucketKey(k));
  }
  return { buckets };
}

const bucketLabel = (idx: StoreIndex, bucketId: string): string => idx.buckets.get(bucketId) ?? `<bucket id ${bucketId}>`;

async function* scan(db: MetaDb, range: IterateOptions): AsyncGenerator<[Buffer, Buffer]> {
  const cur = db.cursor(range);
  try {
    for (let e = await cur.next(); e; e = await cur.next()) yield e;
  } finally {
    await cur.close();
  }
}

/** An object version record (O/ or V/) as a holder: delete markers have no body and no usage. */
function versionHolder(idx: StoreIndex, kind: string, dbKey: Buffer, bucketId: string, label: string, rec: ObjectRecord): BodyHolder {
  const h: BodyHolder = { kind, dbKey, label };
  if (!rec.deleteMarker) {
    h.body = rec;
    h.usage = { bucketId, objects: 1, bytes: rec.size, inlineBytes: rec.inline ? rec.size : 0 };
  }
  if (!idx.buckets.has(bucketId)) h.dangling = `bucket id ${bucketId} does not exist`;
  return h;
}

/**
 * Every record that holds or owns a body, one at a time. Extend HERE for new record kinds.
 */
export async function* collectReferences(db: MetaDb, idx: StoreIndex): AsyncGenerator<BodyHolder> {
  // Current versions (objects and delete markers).
  for await (const [k, v] of scan(db, keys.allObjectsRange())) {
    const { bucketId, key } = keys.decodeAnyObjectKey(k);
    const label = `${bucketLabel(idx, bucketId)}/${key}`;
    const rec = parseJson<ObjectRecord>(v);
    yield rec ? versionHolder(idx, 'object', k, bucketId, label, rec) : unreadable('object', k, label);
  }
  // Noncurrent versions (versions.ts). Every key with a V/ entry has an O/ record.
  let lastKey: Buffer | undefined;
  let lastHasCurrent = false;
  for await (const [k, v] of scan(db, keys.allVersionsRange())) {
    const { bucketId, key } = keys.decodeAnyVersionKey(k);
    const rec = parseJson<ObjectRecord>(v);
    if (!rec) {
      yield unreadable('version', k, `${bucketLabel(idx, bucketId)}/${key}`);
      continue;
    }
    const h = versionHolder(idx, 'version', k, bucketId, `${bucketLabel(idx, bucketId)}/${key} version ${rec.versionId}`, rec);
    const ok = keys.objectKey(bucketId, key);
    if (!lastKey || !lastKey.equals(ok)) {
      lastKey = ok;
      lastHasCurrent = (await db.get(ok)) !== undefined;
    }
    if (!h.dangling && !lastHasCurrent) h.broken = 'noncurrent version of a key without a current version (O/ record)';
    yield h;
  }
  // Multipart uploads (multipart/uploadRecords.ts): M/ records own their P/ parts; each part holds its chunks.
  const uploads = new Set<string>();
  for await (const [k] of scan(db, { ...keys.allUploadsRange(), values: false })) {
    const { bucketId, key, last: uploadId } = keys.decodeAnyVersionKey(k);
    uploads.add(uploadId);
    const h: BodyHolder = { kind: 'upload', dbKey: k, label: `${bucketLabel(idx, bucketId)}/${key} upload ${uploadId}` };
    if (!idx.buckets.has(bucketId)) h.dangling = `bucket id ${bucketId} does not exist`;
    yield h;
  }
  for await (const [k, v] of scan(db, keys.allPartsRange())) {
    const { uploadId, partNumber } = keys.decodePartKey(k);
    const label = `upload ${uploadId} part ${partNumber}`;
    const rec = parseJson<ChunkListFields & { size: number }>(v);
    if (!rec) {
      yield unreadable('part', k, label);
      continue;
    }
    const h: BodyHolder = { kind: 'part', dbKey: k, label, body: rec };
    if (!uploads.has(uploadId)) h.dangling = `upload ${uploadId} does not exist`;
    yield h;
  }
}

export type FindingKind =
  | 'unknown-record-kind'
  | 'repair-refused'
  | 'dangling-record'
  | 'broken-record'
  | 'body-size'
  | 'missing-inline-body'
  | 'orphan-chunk-list'
  | 'orphan-inline-body'
  | 'orphan-null-version-pointer'
  | 'usage-counters'
  | 'orphan-usage-counters'
  | 'owner-index'
  | 'refcount'
  | 'missing-chunk-record'
  | 'zeroed-at'
  | 'gc-marker-missing'
  | 'gc-marker-stale'
  | 'chunk-counters'
  // file checks (fsck.ts)
  | 'missing-chunk'
  | 'corrupt-chunk'
  | 'corrupt-unreferenced-chunk'
  | 'unreadable-chunk'
  | 'orphan-chunk-file'
  | 'stale-temp-file';

export interface Finding {
  kind: FindingKind;
  message: string;
  /** False: repair can't fix it (data is lost or it needs a human). */
  repairable: boolean;
  /** Objects/parts whose bytes are affected (missing or corrupt chunks). */
  affected?: string[];
}

/** Per referenced chunk: references from live holders, from all holders, its size. */
export interface ChunkCount {
  live: number;
  all: number;
  size: number;
  /** fsck: a file for it was found. */
  seen?: boolean;
}

export interface MetadataScan {
  findings: Finding[];
  /** Finding counts by kind (findings themselves may be capped by the caller). */
  counts: Partial<Record<FindingKind, number>>;
  /** Batch ops that make the metadata consistent (in order; apply only after a full scan). */
  fixes: BatchOp[];
  /** By chunk id (keys.ts): chunks referenced by live (non-dangling) holders, plus any referenced only by dangling ones. */
  counted: Map<string, ChunkCount>;
  holders: number;
  buckets: number;
  chunkRecords: number;
  referencedChunks: number;
  /** Kinds seen in the db that this module doesn't understand. */
  unknownKinds: string[];
  /** Why repairing refcounts would be unsafe (unknown kinds, unreadable records); empty: safe. */
  repairBlockers: string[];
  /** Findings repair can't fix (exact, even when the list is capped). */
  unrepairable: number;
}

export interface ScanOptions {
  /** Keep at most this many findings of each kind (counts stay exact). Default: unlimited. */
  maxFindingsPerKind?: number;
  /** Time used for refcounts that repair sets to zero (their GC grace period starts then). */
  now?: number;
  onProgress?: (p: { phase: string; done: number }) => void;
}

/**
 * Recounts the whole store and returns findings plus the fixes. One pass per phase below, in
 * this order: later phases use what earlier ones counted (holders → referenced chunks and used
 * bodies; chunk records → expected GC markers).
 */
export async function scanMetadata(db: MetaDb, opts: ScanOptions = {}): Promise<MetadataScan> {
  const s = newScanState(opts);
  await checkRecordKinds(db, s);
  const idx = await loadStoreIndex(db);
  s.out.buckets = idx.buckets.size;
  await checkOwnerIndex(db, s);
  const used = await countHolders(db, idx, s);
  await checkUsageCounters(db, idx, used.usage, s);
  await checkUnownedBodies(db, used, s);
  await checkNullVersionPointers(db, idx, s);
  const chunks = await checkChunkRecords(db, s);
  checkMissingChunkRecords(s, chunks);
  await checkGcMarkers(db, s, chunks);
  await checkChunkCounters(db, s, chunks);
  return s.out;
}

/** What the phases share: the result being built, how they report a finding and queue a fix. */
interface ScanState {
  out: MetadataScan;
  opts: ScanOptions;
  report(kind: FindingKind, message: string, repairable: boolean): void;
  fix(op: BatchOp): void;
}

function newScanState(opts: ScanOptions): ScanState {
  const cap = opts.maxFindingsPerKind ?? Infinity;
  const out: MetadataScan = {
    findings: [],
    counts: {},
    fixes: [],
    counted: new Map(),
    holders: 0,
    buckets: 0,
    chunkRecords: 0,
    referencedChunks: 0,
    unknownKinds: [],
    repairBlockers: [],
    unrepairable: 0,
  };
  return {
    out,
    opts,
    report(kind, message, repairable) {
      const n = (out.counts[kind] = (out.counts[kind] ?? 0) + 1);
      if (!repairable) out.unrepairable++;
      if (n <= cap) out.findings.push({ kind, message, repairable });
    },
    fix: (op) => void out.fixes.push(op),
  };
}

/**
 * Record kinds (one seek per kind present). A kind this module doesn't know might hold chunk
 * references, so refcount repair would be unsafe: it becomes a repair blocker.
 */
async function checkRecordKinds(db: MetaDb, s: ScanState): Promise<void> {
  const kinds = db.cursor({ values: false });
  try {
    for (let e = await kinds.next(); e; e = await kinds.next()) {
      const kind = keys.recordKindOf(e[0]);
      if (!UNDERSTOOD_KINDS.has(kind)) {
        s.out.unknownKinds.push(kind);
        s.out.repairBlockers.push(`unknown record kind ${JSON.stringify(kind)}`);
        s.report(
          'unknown-record-kind',
          `records of unknown kind ${JSON.stringify(kind)}: fsck can't tell whether they reference chunks, so it won't repair`,
          false,
        );
      }
      kinds.seek(keys.afterRecordKind(kind));
    }
  } finally {
    await kinds.close();
  }
}

/** The owner index (I/) must list exactly the buckets (B/) with their owners: ListBuckets reads it. */
async function checkOwnerIndex(db: MetaDb, s: ScanState): Promise<void> {
  const indexed = new Set<string>();
  for await (const [k] of scan(db, { ...keys.allOwnerIndexRange(), values: false })) {
    const { owner, name } = keys.decodeAnyOwnerIndexKey(k);
    const rec = await db.getJson<BucketRecord>(keys.bucketKey(name));
    if (!rec || rec.owner !== owner) {
      s.report('owner-index', `owner index entry ${owner}/${name} points to ${rec ? `a bucket owned by ${rec.owner}` : 'no bucket'}`, true);
      s.fix({ type: 'del', key: k });
    } else indexed.add(name);
  }
  for (const [k, v] of await db.all(keys.bucketsRange())) {
    const name = keys.decodeBucketKey(k);
    const rec = JSON.parse(v.toString('utf8')) as BucketRecord;
    if (!indexed.has(name)) {
      s.report('owner-index', `bucket ${name} is missing from its owner's (${rec.owner}) bucket list`, true);
      s.fix({ type: 'put', key: keys.ownerIndexKey(rec.owner, name), value: EMPTY });
    }
  }
}

/** What counting the holders found in use: per-bucket usage, D/ chunk lists and X/ inline bodies. */
interface UsedByHolders {
  usage: Map<string, Required<BucketStats>>;
  data: Set<string>;
  inline: Set<string>;
}

/**
 * Every body holder (collectReferences): counts its chunk references into `out.counted`, adds
 * it to its bucket's usage, checks its body adds up to its size, and queues dangling holders
 * (bucket or upload gone) for deletion with their bodies.
 */
async function countHolders(db: MetaDb, idx: StoreIndex, s: ScanState): Promise<UsedByHolders> {
  const { out } = s;
  const used: UsedByHolders = { usage: new Map(), data: new Set(), inline: new Set() };
  for (const id of idx.buckets.keys()) used.usage.set(id, { objects: 0, bytes: 0, inlineBytes: 0 });
  for await (const h of collectReferences(db, idx)) {
    out.holders++;
    if (out.holders % 10000 === 0) s.opts.onProgress?.({ phase: 'records', done: out.holders });
    const body = h.body;
    if (body?.dataId) used.data.add(body.dataId);
    if (body?.inline) used.inline.add(body.inline);
    if (h.broken) s.report('broken-record', `${h.kind} ${h.label}: ${h.broken}`, false);
    if (h.unreadable) out.repairBlockers.push(`unreadable ${h.kind} record ${h.label}`);
    if (h.dangling) {
      s.report('dangling-record', `${h.kind} ${h.label}: ${h.dangling}`, true);
      s.fix({ type: 'del', key: h.dbKey });
      if (body?.inline) s.fix({ type: 'del', key: keys.inlineDataKey(body.inline) });
      if (body?.dataId) for (const [k] of await db.all({ ...keys.dataRange(body.dataId), values: false })) s.fix({ type: 'del', key: k });
    } else if (h.usage) {
      const u = used.usage.get(h.usage.bucketId)!;
      u.objects += h.usage.objects;
      u.bytes += h.usage.bytes;
      u.inlineBytes += h.usage.inlineBytes;
    }
    if (body) await countBody(db, s, h, body);
  }
  return used;
}

/** One holder's body: its chunks into the recount, and its size against what it holds. */
async function countBody(db: MetaDb, s: ScanState, h: BodyHolder, body: NonNullable<BodyHolder['body']>): Promise<void> {
  const chunks = await loadChunks(db, body);
  let total = 0;
  for (const c of chunks) {
    total += c.size;
    const id = keys.chunkId(c.placement, c.hash);
    const e = s.out.counted.get(id);
    if (e) {
      e.all++;
      if (!h.dangling) e.live++;
    } else s.out.counted.set(id, { all: 1, live: h.dangling ? 0 : 1, size: c.size });
  }
  if (body.inline) {
    const data = await db.get(keys.inlineDataKey(body.inline));
    if (!data) s.report('missing-inline-body', `${h.kind} ${h.label}: inline body ${body.inline} is missing`, !!h.dangling);
    total += data?.length ?? 0;
  }
  if (total !== body.size && !(body.inline && total === 0)) {
    s.report('body-size', `${h.kind} ${h.label}: its chunk list holds ${total} bytes, its size is ${body.size}`, !!h.dangling);
  }
}

/** T/ usage counters (kept by the commit path) against the recount; counters of missing buckets go. */
async function checkUsageCounters(db: MetaDb, idx: StoreIndex, usage: Map<string, Required<BucketStats>>, s: ScanState): Promise<void> {
  const missing = new Map(usage);
  for await (const [k, v] of scan(db, keys.allBucketStatsRange())) {
    const id = keys.decodeBucketStatsKey(k);
    const want = missing.get(id);
    if (!want) {
      s.report('orphan-usage-counters', `usage counters for bucket id ${id}, which does not exist`, true);
      s.fix({ type: 'del', key: k });
      continue;
    }
    missing.delete(id);
    const got = JSON.parse(v.toString('utf8')) as BucketStats;
    if (got.objects !== want.objects || got.bytes !== want.bytes || (got.inlineBytes ?? 0) !== want.inlineBytes) {
      s.report('usage-counters', `bucket ${bucketLabel(idx, id)}: usage counters ${JSON.stringify(got)}, actual ${JSON.stringify(want)}`, true);
      s.fix({ type: 'put', key: k, value: json(want) });
    }
  }
  for (const [id, want] of missing) {
    s.report('usage-counters', `bucket ${bucketLabel(idx, id)}: no usage counters, actual ${JSON.stringify(want)}`, true);
    s.fix({ type: 'put', key: keys.bucketStatsKey(id), value: json(want) });
  }
}

/** D/ chunk lists and X/ inline bodies no holder uses (a crash between writes can't leave them; a bug can). */
async function checkUnownedBodies(db: MetaDb, used: UsedByHolders, s: ScanState): Promise<void> {
  const orphanData = new Set<string>();
  for await (const [k] of scan(db, { ...keys.allDataSegmentsRange(), values: false })) {
    const id = keys.decodeDataSegmentId(k);
    if (used.data.has(id)) continue;
    if (!orphanData.has(id)) s.report('orphan-chunk-list', `chunk list ${id} belongs to no record`, true);
    orphanData.add(id);
    s.fix({ type: 'del', key: k });
  }
  for await (const [k] of scan(db, { ...keys.allInlineDataRange(), values: false })) {
    const id = keys.decodeInlineDataKey(k);
    if (used.inline.has(id)) continue;
    s.report('orphan-inline-body', `inline body ${id} belongs to no record`, true);
    s.fix({ type: 'del', key: k });
  }
}

/** Null-version pointers (versions.ts): N/<bucket>\0<key> → vtoken of a V/ record with versionId null. */
async function checkNullVersionPointers(db: MetaDb, idx: StoreIndex, s: ScanState): Promise<void> {
  for await (const [k, v] of scan(db, keys.allNullVersionsRange())) {
    const { bucketId, key } = keys.decodeNullVersionKey(k);
    const target = await db.get(keys.versionKey(bucketId, key, v.toString('utf8')));
    if (!target || decodeRecord(target).versionId !== 'null') {
      s.report(
        'orphan-null-version-pointer',
        `${bucketLabel(idx, bucketId)}/${key}: null-version pointer to ${target ? 'a non-null version' : 'no version'}`,
        true,
      );
      s.fix({ type: 'del', key: k });
    }
  }
}

/** What the chunk-record phase leaves for the GC-marker and chunk-counter phases. */
interface ChunkRecordsSeen {
  /** hash → the zeroedAt its Z/ marker must have (every unreferenced chunk after the fixes). */
  markers: Map<string, number>;
  /** Markers the fixes themselves create (not reported as missing: the refcount finding covers them). */
  freshMarkers: Set<string>;
  /** Chunk counters as the C/ records stand, and as they will after the fixes. */
  stats: ChunkStats;
  fixed: ChunkStats;
}

/**
 * C/ reference counts against the recount. Repair sets each to its live references; a chunk
 * that drops to zero gets zeroedAt = now (its GC grace period starts at the repair).
 */
async function checkChunkRecords(db: MetaDb, s: ScanState): Promise<ChunkRecordsSeen> {
  const { out } = s;
  const now = s.opts.now ?? Date.now();
  const seen: ChunkRecordsSeen = { markers: new Map(), freshMarkers: new Set(), stats: { chunks: 0, bytes: 0 }, fixed: { chunks: 0, bytes: 0 } };
  for await (const [k, v] of scan(db, keys.chunksRange())) {
    const hash = keys.decodeChunkKey(k);
    const rec = parseJson<ChunkRecord>(v);
    out.chunkRecords++;
    if (!rec || typeof rec.refs !== 'number' || typeof rec.size !== 'number') {
      s.report('broken-record', `chunk record ${hash} does not parse`, false);
      out.repairBlockers.push(`unreadable chunk record ${hash}`);
      if (out.counted.has(hash)) out.counted.get(hash)!.seen = true;
      continue;
    }
    if (out.chunkRecords % 10000 === 0) s.opts.onProgress?.({ phase: 'chunk records', done: out.chunkRecords });
    seen.stats.chunks++;
    seen.stats.bytes += rec.size;
    seen.fixed.chunks++;
    seen.fixed.bytes += rec.size;
    const c = out.counted.get(hash);
    const all = c?.all ?? 0;
    const live = c?.live ?? 0;
    if (rec.refs > 0) out.referencedChunks++;
    if (rec.refs !== all) s.report('refcount', `chunk ${hash}: reference count ${rec.refs}, referenced ${all} times`, true);
    if (rec.refs === 0 && rec.zeroedAt === undefined) s.report('zeroed-at', `chunk ${hash}: no references but no zeroedAt (GC would never see it)`, true);
    if (rec.refs > 0 && rec.zeroedAt !== undefined) s.report('zeroed-at', `chunk ${hash}: ${rec.refs} references but zeroedAt is set`, true);
    if (c) c.seen = true;
    let next: ChunkRecord = rec;
    if (live > 0) {
      if (rec.refs !== live || rec.zeroedAt !== undefined) next = { refs: live, size: rec.size };
    } else if (rec.refs !== 0 || rec.zeroedAt === undefined) {
      next = { refs: 0, size: rec.size, zeroedAt: rec.refs === 0 && rec.zeroedAt !== undefined ? rec.zeroedAt : now };
      seen.freshMarkers.add(hash);
    }
    if (next !== rec) s.fix({ type: 'put', key: k, value: json(next) });
    if (next.refs === 0) seen.markers.set(hash, next.zeroedAt!);
  }
  return seen;
}

/** Referenced chunks without a C/ record: repair recreates the record for live references. */
function checkMissingChunkRecords(s: ScanState, seen: ChunkRecordsSeen): void {
  for (const [hash, c] of s.out.counted) {
    if (c.seen) {
      delete c.seen;
      continue;
    }
    s.report('missing-chunk-record', `chunk ${hash}: referenced ${c.all} times but has no reference count record`, true);
    if (c.live > 0) {
      s.fix({ type: 'put', key: keys.chunkKey(hash), value: json({ refs: c.live, size: c.size }) });
      seen.fixed.chunks++;
      seen.fixed.bytes += c.size;
    }
  }
}

/** Z/ GC markers: exactly one per unreferenced chunk, at its zeroedAt (GC only visits marked chunks). */
async function checkGcMarkers(db: MetaDb, s: ScanState, seen: ChunkRecordsSeen): Promise<void> {
  const expected = new Map(seen.markers);
  for await (const [k] of scan(db, { ...keys.allGcMarkersRange(), values: false })) {
    const m = keys.decodeGcMarkerKey(k);
    if (expected.get(m.hash) === m.zeroedAt) {
      expected.delete(m.hash);
      continue;
    }
    s.report('gc-marker-stale', `GC marker for chunk ${m.hash} at ${m.zeroedAt} matches no unreferenced chunk record`, true);
    s.fix({ type: 'del', key: k });
  }
  for (const [hash, zeroedAt] of expected) {
    if (!seen.freshMarkers.has(hash)) s.report('gc-marker-missing', `chunk ${hash}: no references and no GC marker (GC would never remove it)`, true);
    s.fix({ type: 'put', key: keys.gcMarkerKey(zeroedAt, hash), value: EMPTY });
  }
}

/** The store-wide chunk counters (S/ setting, what `usage` reports) against the C/ records. */
async function checkChunkCounters(db: MetaDb, s: ScanState, seen: ChunkRecordsSeen): Promise<void> {
  const storedKey = keys.settingKey(keys.CHUNK_STATS_SETTING);
  const stored = (await db.getJson<ChunkStats>(storedKey)) ?? { chunks: 0, bytes: 0 };
  if (stored.chunks !== seen.stats.chunks || stored.bytes !== seen.stats.bytes) {
    s.report('chunk-counters', `chunk counters ${JSON.stringify(stored)}, actual ${JSON.stringify(seen.stats)}`, true);
  }
  if (stored.chunks !== seen.fixed.chunks || stored.bytes !== seen.fixed.bytes) s.fix({ type: 'put', key: storedKey, value: json(seen.fixed) });
}

export interface ConsistencyReport {
  ok: boolean;
  problems: string[];
  objects: number;
  chunks: number;
  referencedChunks: number;
}

/**
 * The metadata checks of fsck on a live engine (under the commit lock, so run it on a quiet
 * store), plus with checkFiles: every referenced chunk has a file. Orphan files are not
 * problems here (GC's business).
 */
export async function verifyConsistency(ctx: Ctx, opts: { checkFiles?: boolean } = {}): Promise<ConsistencyReport> {
  return ctx.committer.run(async () => {
    const s = await scanMetadata(ctx.db);
    const problems = s.findings.map((f) => f.message);
    if (opts.checkFiles) {
      for (const [id, c] of s.counted) {
        const { placement, hash } = keys.parseChunkId(id);
        if (c.live > 0 && !(await ctx.placements.store(placement).exists(hash))) problems.push(`chunk ${id}: file missing`);
      }
    }
    return { ok: problems.length === 0, problems, objects: s.holders, chunks: s.chunkRecords, referencedChunks: s.referencedChunks };
  });
}

/** Per-bucket counters (objects = current + noncurrent versions, logical bytes), by bucket name: O(buckets). */
export async function bucketUsage(ctx: Ctx): Promise<BucketUsage[]> {
  const buckets = await ctx.db.all(keys.bucketsRange());
  const records = buckets.map(([k, v]) => ({ name: keys.decodeBucketKey(k), rec: JSON.parse(v.toString('utf8')) as BucketRecord }));
  const stats = await ctx.db.getMany(records.map((r) => keys.bucketStatsKey(r.rec.id)));
  return records.map((r, i) => {
    const s = stats[i] ? (JSON.parse(stats[i]!.toString('utf8')) as BucketStats) : { objects: 0, bytes: 0 };
    return { name: r.name, owner: r.rec.owner, objects: s.objects, logicalBytes: s.bytes };
  });
}

/** Usage from the counters the commits maintain: O(buckets), no object scan. */
export async function usage(ctx: Ctx): Promise<UsageReport> {
  const buckets = await ctx.db.all(keys.bucketsRange());
  let objects = 0;
  let logicalBytes = 0;
  let inlineBytes = 0;
  const ids = buckets.map(([, v]) => (JSON.parse(v.toString('utf8')) as BucketRecord).id);
  const stats = await ctx.db.getMany(ids.map(keys.bucketStatsKey));
  for (const raw of stats) {
    if (!raw) continue;
    const s = JSON.parse(raw.toString('utf8')) as BucketStats;
    objects += s.objects;
    logicalBytes += s.bytes;
    inlineBytes += s.inlineBytes ?? 0;
  }
  const c = (await ctx.db.getJson<ChunkStats>(keys.settingKey(keys.CHUNK_STATS_SETTING))) ?? { chunks: 0, bytes: 0 };
  // Physical = distinct chunk bytes + small bodies stored inline in metadata.
  return { buckets: buckets.length, objects, logicalBytes, physicalBytes: c.bytes + inlineBytes, chunks: c.chunks };
}
