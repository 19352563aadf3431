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
 *
 * `gcPass` does a bounded slice of both steps (at most `limit` markers and `limit` files) and
 * returns a cursor where the next pass resumes, so a long-running server (or, later, a worker
 * holding a lease) can collect continuously without one pass walking the whole store.
 * `collectGarbage` is every slice in a row (a full collection).
 *
 * 3. `discardUnreferenced`: a failed upload's own chunk files go at once (no grace period): the
 *    caller names them, and each is removed only if no C/ record exists and nobody pins it.
 *
 * Shared metadata (several gateways on PostgreSQL, backend.ts): the chunk locks and pins above
 * are per process, so each decision is also made inside the database's GC fence (`fenced`),
 * skipping chunks another gateway pins, and the files are unlinked inside it (before the C/
 * drop commits): a gateway that pins afterwards finds the file gone and rewrites it. Read
 * leases of other gateways reach GC as a published horizon (the oldest in-flight read start):
 * a chunk zeroed after it (less a clock-skew margin) stays.
 *
 * Removals of a batch run a few at a time (removeChunks.ts: with an s3:// store each is a round
 * trip, and the shared path makes them inside the fence), each bounded by the store's request
 * timeout. A removal that fails keeps its chunk's record and marker (shared: only the removed
 * chunks are dropped in the commit; a later pass retries the rest) or, unshared, leaves an
 * orphan for step 2; the pass then fails with that error once the rest of its batch is done.
 */
import type { Ctx } from '../context';
import type { ChunkRecord } from '../meta/commit';
import * as keys from '../meta/keys';
import type { ChunkBackend, StoredChunk } from '../chunks/chunkBackend';
import type { GcResult } from '../types';
import type { GcFence } from '../meta/backend';
import { REMOVE_CONCURRENCY, firstError, mapLimited, removeChunks } from './removeChunks';

const BATCH = 256;
/** Clock skew tolerated between gateways when comparing zeroedAt with another gateway's read horizon. */
const HORIZON_SKEW_MS = 5_000;

/**
 * Runs fn inside the database's GC fence when the metadata is shared (reads through the fence);
 * else directly: nothing is pinned elsewhere and reads go to the db.
 */
function fenced<T>(ctx: Ctx, fn: (fence: GcFence) => Promise<T>): Promise<T> {
  const pins = ctx.db.pins;
  return pins ? pins.fenced(fn) : fn({ pinned: async () => new Set(), getMany: (k) => ctx.db.getMany(k) });
}

/** Where the next pass resumes: after this GC marker key, and after this file of the orphan walk. */
export interface GcCursor {
  marker?: Buffer;
  orphan?: { placement: string; after: string };
}

export interface GcPassResult extends GcResult {
  /** GC markers and chunk files looked at in this pass. */
  examined: number;
  /** True when the pass reached the end of both the markers and the orphan walk (a cycle is done). */
  complete: boolean;
  /** Pass it to the next pass. */
  cursor: GcCursor;
}

export async function collectGarbage(ctx: Ctx, graceMs: number): Promise<GcResult> {
  const result: GcResult = { chunksRemoved: 0, bytesRemoved: 0 };
  const cutoff = Date.now() - Math.max(0, graceMs);
  let cursor: GcCursor = {};
  for (;;) {
    const r = await gcPass(ctx, { graceMs, limit: Infinity, cursor, cutoff });
    result.chunksRemoved += r.chunksRemoved;
    result.bytesRemoved += r.bytesRemoved;
    cursor = r.cursor;
    if (r.complete) return result;
  }
}

/**
 * One bounded slice of garbage collection: at most `limit` GC markers, then (if the markers are
 * done) at most `limit` chunk files of the orphan walk, resuming at `cursor`.
 */
export async function gcPass(ctx: Ctx, opts: { graceMs: number; limit: number; cursor?: GcCursor; cutoff?: number }): Promise<GcPassResult> {
  const cutoff = opts.cutoff ?? Date.now() - Math.max(0, opts.graceMs);
  const limit = Math.max(1, opts.limit);
  const result: GcResult = { chunksRemoved: 0, bytesRemoved: 0 };
  const cursor: GcCursor = { ...opts.cursor };
  let examined = 0;
  if (cursor.orphan === undefined) {
    const m = await collectUnreferenced(ctx, cutoff, result, cursor.marker, limit);
    examined += m.examined;
    if (!m.done) return { ...result, examined, complete: false, cursor: { marker: m.last } };
  }
  // Markers done for this cycle: the orphan walk, resuming where the last pass stopped.
  const w = await sweepOrphans(ctx, cutoff, result, cursor.orphan, Math.max(1, limit - examined));
  examined += w.examined;
  if (w.next) return { ...result, examined, complete: false, cursor: { orphan: w.next } };
  return { ...result, examined, complete: true, cursor: {} };
}

async function collectUnreferenced(
  ctx: Ctx,
  cutoff: number,
  result: GcResult,
  start: Buffer | undefined,
  limit: number,
): Promise<{ examined: number; done: boolean; last?: Buffer }> {
  const range = keys.gcMarkersBefore(cutoff + 1);
  let after = start;
  let examined = 0;
  for (;;) {
    const want = Math.min(BATCH, limit - examined);
    if (want <= 0) return { examined, done: false, last: after };
    const markers = await ctx.db.all({ ...(after ? { gt: after } : { gte: range.gte }), lt: range.lt, limit: want, values: false });
    if (markers.length === 0) return { examined, done: true };
    examined += markers.length;
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
          const shared = ctx.db.pins;
          let failure: unknown;
          const dropped = await ctx.committer.run(async (tx) => {
            // Read under the commit lock (refs can't change), before the fence (which is kept short).
            const raw = await ctx.db.getMany(found.map((m) => keys.chunkKey(m.hash)));
            const horizon = shared ? Math.min(ctx.leases.oldestStartMs(), await shared.readHorizon()) - HORIZON_SKEW_MS : Infinity;
            return fenced(ctx, async (fence) => {
              const oldestLease = ctx.leases.oldest();
              const elsewhere = await fence.pinned(found.map((m) => m.hash));
              const out: { id: string; size: number; rec: ChunkRecord }[] = [];
              const seen = new Set<string>();
              found.forEach((m, i) => {
                const rec = raw[i] ? (JSON.parse(raw[i]!.toString('utf8')) as ChunkRecord) : undefined;
                if (!rec || rec.refs > 0 || rec.zeroedAt !== m.zeroedAt) {
                  tx.del(m.key); // stale marker (a crash or an older bug): the C/ record is the truth
                  return;
                }
                if (seen.has(m.hash) || store.pins.has(hashOf(m.hash)) || elsewhere.has(m.hash)) return;
                if ((ctx.committer.zeroSeq.get(m.hash) ?? 0) > oldestLease) return;
                if (rec.zeroedAt !== undefined && rec.zeroedAt > horizon) return;
                seen.add(m.hash);
                out.push({ id: m.hash, size: rec.size, rec });
              });
              // Shared: unlink inside the fence, before the drop commits (see the header); a
              // chunk whose removal failed keeps its record and marker for a later pass.
              const gone = shared
                ? await removeChunks(
                    store,
                    out.map((d) => hashOf(d.id)),
                  )
                : undefined;
              failure = gone && firstError(gone);
              const drop = gone ? out.filter((_, i) => gone[i].error === undefined) : out;
              for (const d of drop) tx.dropChunk(d.id, d.rec);
              return drop;
            });
          });
          // Unshared: the records are gone; a failed removal leaves an orphan file for step 2.
          const gone = shared
            ? undefined
            : await removeChunks(
                store,
                dropped.map((d) => hashOf(d.id)),
              );
          failure ??= gone && firstError(gone);
          dropped.forEach((d, i) => {
            if (gone?.[i].error !== undefined) return;
            result.chunksRemoved++;
            result.bytesRemoved += d.size;
          });
          if (failure !== undefined) throw failure;
        },
      );
    }
    if (markers.length < want) return { examined, done: true };
  }
}

async function sweepOrphans(
  ctx: Ctx,
  cutoff: number,
  result: GcResult,
  start: { placement: string; after: string } | undefined,
  limit: number,
): Promise<{ examined: number; next?: { placement: string; after: string } }> {
  const stores = ctx.placements.all();
  let i = start
    ? Math.max(
        0,
        stores.findIndex(([p]) => p === start.placement),
      )
    : 0;
  let after = start && stores[i]?.[0] === start.placement ? start.after : undefined;
  let examined = 0;
  for (; i < stores.length; i++, after = undefined) {
    const [placement, store] = stores[i];
    const r = await sweepStore(ctx, placement, store, cutoff, result, after, limit - examined);
    examined += r.examined;
    if (r.last !== undefined) return { examined, next: { placement, after: r.last } };
  }
  return { examined };
}

/** Sweeps one store's files after `after` (hash order), at most `limit`; `last` is set when it stopped early. */
async function sweepStore(
  ctx: Ctx,
  placement: string,
  store: ChunkBackend,
  cutoff: number,
  result: GcResult,
  after: string | undefined,
  limit: number,
): Promise<{ examined: number; last?: string }> {
  const recordKey = (hash: string): Buffer => keys.chunkKey(keys.chunkId(placement, hash));
  let batch: StoredChunk[] = [];
  let examined = 0;
  let lastHash: string | undefined;
  const flush = async (): Promise<void> => {
    const files = batch;
    batch = [];
    const raw = await ctx.db.getMany(files.map((f) => recordKey(f.hash)));
    const candidates = files.filter((f, i) => !raw[i] && f.mtimeMs <= cutoff && !store.pins.has(f.hash));
    if (candidates.length === 0) return;
    await store.locks.runMany(
      candidates.map((f) => f.hash),
      async () => {
        // Re-check under the locks, pins first: an upload that pinned the file and then committed
        // (record written, pin released) is seen by the record read that follows.
        const failure = await fenced(ctx, async (fence) => {
          const elsewhere = await fence.pinned(candidates.map((f) => keys.chunkId(placement, f.hash)));
          const free = candidates.filter((f) => !store.pins.has(f.hash) && !elsewhere.has(keys.chunkId(placement, f.hash)));
          const again = await fence.getMany(free.map((f) => recordKey(f.hash)));
          const orphans = free.filter((_, i) => !again[i]);
          const gone = await removeChunks(
            store,
            orphans.map((f) => f.hash),
          );
          orphans.forEach((f, i) => {
            if (!gone[i].removed) return; // absent already, or failed (still an orphan: the next walk retries)
            result.chunksRemoved++;
            result.bytesRemoved += f.size;
          });
          return firstError(gone);
        });
        if (failure !== undefined) throw failure;
      },
    );
  };
  for await (const f of store.walk(after)) {
    if (examined >= limit) {
      if (batch.length) await flush();
      return { examined, last: lastHash };
    }
    batch.push(f);
    examined++;
    lastHash = f.hash;
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length) await flush();
  return { examined };
}

/**
 * After a failed write (body error, disk full, refused verify or commit): removes the chunk files
 * it left behind right away instead of after GC's grace period, so a failed upload leaves no
 * bytes on disk. `hashes` are the chunks the write pinned (and has unpinned); each goes only if
 * no C/ record exists (nothing references it, nor is it awaiting GC) and no other write pins it.
 * Pins are checked before the record read, under the chunk's lock, as in the orphan sweep.
 * Best effort: a failure here leaves orphans for GC.
 */
export async function discardUnreferenced(ctx: Ctx, placement: string | undefined, hashes: readonly string[]): Promise<GcResult> {
  const result: GcResult = { chunksRemoved: 0, bytesRemoved: 0 };
  const uniq = [...new Set(hashes)];
  if (uniq.length === 0) return result;
  try {
    const store = ctx.placements.store(placement);
    await store.locks.runMany(uniq, () =>
      fenced(ctx, async (fence) => {
        const elsewhere = await fence.pinned(uniq.map((h) => keys.chunkId(placement, h)));
        const free = uniq.filter((h) => !store.pins.has(h) && !elsewhere.has(keys.chunkId(placement, h)));
        const raw = await fence.getMany(free.map((h) => keys.chunkKey(keys.chunkId(placement, h))));
        const unrecorded = free.filter((_, i) => !raw[i]);
        const sizes = await mapLimited(unrecorded, REMOVE_CONCURRENCY, (h) => store.size(h));
        const present = unrecorded.flatMap((h, i) => {
          const s = sizes[i];
          return 'value' in s && s.value !== undefined ? [{ h, size: s.value }] : [];
        });
        const gone = await removeChunks(
          store,
          present.map((p) => p.h),
        );
        present.forEach((p, i) => {
          if (!gone[i].removed) return;
          result.chunksRemoved++;
          result.bytesRemoved += p.size;
        });
      }),
    );
  } catch {
    // GC's orphan sweep gets whatever is left.
  }
  return result;
}
