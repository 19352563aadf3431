/**
 * Whole-store consistency check (the core of the future fsck tool, and the tests' oracle):
 * recounts chunk references from every object record and compares them with C/ refcounts,
 * Z/ markers, usage counters, D/ segments and (optionally) the chunk files on disk.
 * Read-only; run it on a quiet store (it holds the commit lock only while it reads).
 */
import type { Ctx } from './context';
import type { BucketStats, ChunkRecord, ChunkStats } from './commit';
import type { BucketRecord } from './buckets';
import * as keys from './keys';
import { decodeRecord, loadChunks, loadInlineBody, type ChunkListFields } from './records';
import type { UsageReport } from './types';

export interface ConsistencyReport {
  ok: boolean;
  problems: string[];
  objects: number;
  chunks: number;
  referencedChunks: number;
}

export async function verifyConsistency(ctx: Ctx, opts: { checkFiles?: boolean } = {}): Promise<ConsistencyReport> {
  return ctx.committer.run(async () => {
    const problems: string[] = [];
    const counted = new Map<string, number>();
    const usedData = new Set<string>();
    const usedInline = new Set<string>();
    let objects = 0;

    const buckets = await ctx.db.all(keys.bucketsRange());
    const bucketIds = new Set<string>();
    for (const [k, v] of buckets) {
      const name = keys.decodeBucketKey(k);
      const b = JSON.parse(v.toString('utf8')) as BucketRecord;
      bucketIds.add(b.id);
      const stats = { objects: 0, bytes: 0, inlineBytes: 0 };
      // Every version holds references: the latest (O/) and the noncurrent ones (V/); markers hold none.
      for (const range of [keys.objectsRange(b.id), keys.bucketVersionsRange(b.id)]) {
      const cur = ctx.db.cursor(range);
      try {
        for (let e = await cur.next(); e; e = await cur.next()) {
          const rec = decodeRecord(e[1]);
          if (rec.deleteMarker) continue;
          objects++;
          stats.objects++;
          stats.bytes += rec.size;
          if (rec.dataId) usedData.add(rec.dataId);
          const chunks = await loadChunks(ctx.db, rec);
          let total = chunks.reduce((s, c) => s + c.size, 0);
          if (rec.inline) {
            usedInline.add(rec.inline);
            stats.inlineBytes += rec.size;
            total += (await loadInlineBody(ctx.db, rec))?.length ?? -1;
          }
          if (total !== rec.size) problems.push(`object ${name}/${e[0].toString('utf8')}: body holds ${total} bytes, size is ${rec.size}`);
          for (const c of chunks) counted.set(c.hash, (counted.get(c.hash) ?? 0) + 1);
        }
      } finally {
        await cur.close();
      }
      }
      const stored = await ctx.db.getJson<BucketStats>(keys.bucketStatsKey(b.id));
      if (!stored || stored.objects !== stats.objects || stored.bytes !== stats.bytes || (stored.inlineBytes ?? 0) !== stats.inlineBytes) {
        problems.push(`bucket ${name}: usage counters ${JSON.stringify(stored)} != actual ${JSON.stringify(stats)}`);
      }
    }

    // Multipart parts (multipart.ts) hold one reference per chunk of theirs, like objects.
    const uploads = new Set<string>();
    for (const [k] of await ctx.db.all({ ...keys.allUploadsRange(), values: false })) uploads.add(k.subarray(k.lastIndexOf(0) + 1).toString('utf8'));
    const parts = ctx.db.cursor(keys.allPartsRange());
    try {
      for (let e = await parts.next(); e; e = await parts.next()) {
        const { uploadId, partNumber } = keys.decodePartKey(e[0]);
        const rec = JSON.parse(e[1].toString('utf8')) as ChunkListFields & { size: number };
        if (!uploads.has(uploadId)) problems.push(`part ${partNumber} of upload ${uploadId}: the upload does not exist`);
        if (rec.dataId) usedData.add(rec.dataId);
        const chunks = await loadChunks(ctx.db, rec);
        if (chunks.reduce((s, c) => s + c.size, 0) !== rec.size) problems.push(`part ${partNumber} of upload ${uploadId}: chunks don't add up to its size`);
        for (const c of chunks) counted.set(c.hash, (counted.get(c.hash) ?? 0) + 1);
      }
    } finally {
      await parts.close();
    }

    const chunkRecs = await ctx.db.all(keys.chunksRange());
    const chunkStats = { chunks: 0, bytes: 0 };
    const zeroed = new Map<string, number>();
    for (const [k, v] of chunkRecs) {
      const hash = keys.decodeChunkKey(k);
      const rec = JSON.parse(v.toString('utf8')) as ChunkRecord;
      chunkStats.chunks++;
      chunkStats.bytes += rec.size;
      const want = counted.get(hash) ?? 0;
      if (rec.refs !== want) problems.push(`chunk ${hash}: refs ${rec.refs}, referenced ${want} times`);
      if (rec.refs === 0) {
        if (rec.zeroedAt === undefined) problems.push(`chunk ${hash}: refs 0 without zeroedAt`);
        else zeroed.set(hash, rec.zeroedAt);
      } else if (rec.zeroedAt !== undefined) problems.push(`chunk ${hash}: refs ${rec.refs} but zeroedAt set`);
      if (opts.checkFiles && rec.refs > 0 && !(await ctx.chunks.exists(hash))) problems.push(`chunk ${hash}: file missing`);
      counted.delete(hash);
    }
    for (const [hash, n] of counted) problems.push(`chunk ${hash}: referenced ${n} times but has no C/ record`);

    for (const [k] of await ctx.db.all({ ...keys.allGcMarkersRange(), values: false })) {
      const m = keys.decodeGcMarkerKey(k);
      if (zeroed.get(m.hash) !== m.zeroedAt) problems.push(`stale GC marker for ${m.hash} at ${m.zeroedAt}`);
      zeroed.delete(m.hash);
    }
    for (const hash of zeroed.keys()) problems.push(`chunk ${hash}: refs 0 but no GC marker`);

    const storedChunks = (await ctx.db.getJson<ChunkStats>(keys.settingKey(keys.CHUNK_STATS_SETTING))) ?? { chunks: 0, bytes: 0 };
    if (storedChunks.chunks !== chunkStats.chunks || storedChunks.bytes !== chunkStats.bytes) {
      problems.push(`chunk counters ${JSON.stringify(storedChunks)} != actual ${JSON.stringify(chunkStats)}`);
    }

    for (const [k] of await ctx.db.all({ ...keys.allDataSegmentsRange(), values: false })) {
      const dataId = keys.decodeDataSegmentId(k);
      if (!usedData.has(dataId)) problems.push(`orphan chunk-list segment of data ${dataId}`);
    }

    for (const [k] of await ctx.db.all({ ...keys.allInlineDataRange(), values: false })) {
      const id = keys.decodeInlineDataKey(k);
      if (!usedInline.has(id)) problems.push(`orphan inline body ${id}`);
    }

    for (const [k] of await ctx.db.all({ ...keys.allBucketStatsRange(), values: false })) {
      const id = keys.decodeBucketStatsKey(k);
      if (!bucketIds.has(id)) problems.push(`usage counters for unknown bucket id ${id}`);
    }

    return { ok: problems.length === 0, problems, objects, chunks: chunkStats.chunks, referencedChunks: chunkRecs.length - zeroedCount(chunkRecs) };
  });
}

function zeroedCount(recs: [Buffer, Buffer][]): number {
  return recs.filter(([, v]) => (JSON.parse(v.toString('utf8')) as ChunkRecord).refs === 0).length;
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
