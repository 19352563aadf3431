/**
 * Garbage collection of chunk files.
 *
 * 1. Unreferenced chunks: C/<hash> with refs 0 and a Z/ marker older than the grace period.
 *    For each batch of candidates GC takes the chunks' locks, then the commit lock, and only
 *    then decides, so its view can't go stale before it acts:
 *    - refs are re-read under the commit lock (no commit can re-reference in between);
 *    - pinned chunks (an upload found/wrote them and hasn't committed yet) are skipped; uploads
 *      pin BEFORE taking the chunk lock, so "not pinned" under the lock means any later upload
 *      will wait for the lock and rewrite the file;
 *    - read leases: a GET that started after commit #S only needs chunks referenced at or after
 *      S, so a chunk whose refs hit 0 in commit #Z may go only when Z <= every live lease's S.
 *    C/ and Z/ entries are deleted in one batch, then the files are unlinked (still under the
 *    chunk locks). A crash in between leaves orphan files, swept by step 2.
 *    Markers name chunk ids (keys.ts): each chunk is removed from its own placement's store,
 *    under that store's locks and pins.
 * 2. Orphan files (every placement): a chunk file with no C/ record (an upload that failed or crashed before its
 *    commit), not pinned, with mtime older than the grace period. Cost: a walk of the chunk
 *    directories plus one C/ lookup per file, so it is proportional to the number of chunks.
 */
import type { Ctx } from './context';
import type { ChunkRecord } from './commit';
import * as keys from './keys';
import type { ChunkFileInfo, ChunkStore } from './chunkStore';
import type { GcResult } from './types';

const BATCH = 256;

export async function collectGarbage(ctx: Ctx, graceMs: number): Promise<GcResult> {
  const cutoff = Date.now() - Math.max(0, graceMs);
  const result: GcResult = { chunksRemoved: 0, bytesRemoved: 0 };
  await collectUnreferenced(ctx, cutoff, result);
  await sweepOrphans(ctx, cutoff, result);
  return result;
}

async function collectUnreferenced(ctx: Ctx, cutoff: number, result: GcResult): Promise<void> {
  const range = keys.gcMarkersBefore(cutoff + 1);
  let after: Buffer | undefined;
  for (;;) {
    const markers = await ctx.db.all({ ...(after ? { gt: after } : { gte: range.gte }), lt: range.lt, limit: BATCH, values: false });
    if (markers.length === 0) return;
    after = markers[markers.length - 1][0];
    const all = markers.map(([k]) => ({ key: k, ...keys.decodeGcMarkerKey(k) }));
    const byPlacement = new Map<string, typeof all>();
    for (const m of all) {
      const p = keys.parseChunkId(m.hash).placement;
      byPlacement.set(p, [...(byPlacement.get(p) ?? []), m]);
    }
    for (const [placement, found] of byPlacement) {
      const store = ctx.placements.store(placement);
      const hashOf = (id: string): string => keys.parseChunkId(id).hash;
      await store.locks.runMany(
        found.map((m) => hashOf(m.hash)),
        async () => {
          const dropped = await ctx.committer.run(async (tx) => {
            const raw = await ctx.db.getMany(found.map((m) => keys.chunkKey(m.hash)));
            const oldestLease = ctx.leases.oldest();
            const out: { id: string; size: number }[] = [];
            const seen = new Set<string>();
            found.forEach((m, i) => {
              const rec = raw[i] ? (JSON.parse(raw[i]!.toString('utf8')) as ChunkRecord) : undefined;
              if (!rec || rec.refs > 0 || rec.zeroedAt !== m.zeroedAt) {
                tx.del(m.key); // stale marker (a crash or an older bug): the C/ record is the truth
                return;
              }
              if (seen.has(m.hash) || store.pins.has(hashOf(m.hash))) return;
              if ((ctx.committer.zeroSeq.get(m.hash) ?? 0) > oldestLease) return;
              seen.add(m.hash);
              tx.dropChunk(m.hash, rec);
              out.push({ id: m.hash, size: rec.size });
            });
            return out;
          });
          for (const d of dropped) {
            await store.remove(hashOf(d.id));
            result.chunksRemoved++;
            result.bytesRemoved += d.size;
          }
        },
      );
    }
  }
}

async function sweepOrphans(ctx: Ctx, cutoff: number, result: GcResult): Promise<void> {
  for (const [placement, store] of ctx.placements.all()) await sweepStore(ctx, placement, store, cutoff, result);
}

async function sweepStore(ctx: Ctx, placement: string, store: ChunkStore, cutoff: number, result: GcResult): Promise<void> {
  const recordKey = (hash: string): Buffer => keys.chunkKey(keys.chunkId(placement, hash));
  let batch: ChunkFileInfo[] = [];
  const flush = async (): Promise<void> => {
    const files = batch;
    batch = [];
    const raw = await ctx.db.getMany(files.map((f) => recordKey(f.hash)));
    const candidates = files.filter((f, i) => !raw[i] && f.mtimeMs <= cutoff && !store.pins.has(f.hash));
    if (candidates.length === 0) return;
    await store.locks.runMany(
      candidates.map((f) => f.hash),
      async () => {
        // Re-check under the locks: a commit may have adopted the file meanwhile.
        const again = await ctx.db.getMany(candidates.map((f) => recordKey(f.hash)));
        for (let i = 0; i < candidates.length; i++) {
          const f = candidates[i];
          if (again[i] || store.pins.has(f.hash)) continue;
          if (await store.remove(f.hash)) {
            result.chunksRemoved++;
            result.bytesRemoved += f.size;
          }
        }
      },
    );
  };
  for await (const f of store.walk()) {
    batch.push(f);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length) await flush();
}
