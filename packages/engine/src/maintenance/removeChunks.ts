/**
 * Removal of a batch of chunks with a few requests in flight. For an s3:// store every removal
 * is a network round trip, and GC makes them while holding the chunks' locks and, with shared
 * metadata, the GC fence and the commit lock (gc.ts): one at a time, a batch of 256 held those
 * for 256 round trips. A small bound keeps the store (and its rate limits) from being flooded.
 */
import type { ChunkBackend } from '../chunks/chunkBackend';

/** Removals (and size look-ups) in flight per batch. */
export const REMOVE_CONCURRENCY = 8;

/** One removal's outcome: removed (true) / was not there (false), or the error it failed with. */
export type RemoveOutcome = { removed: boolean; error?: undefined } | { removed?: undefined; error: unknown };

/** fn over items with at most `limit` in flight; results in input order. Never rejects for fn's errors. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<({ value: R } | { error: unknown })[]> {
  const out: ({ value: R } | { error: unknown })[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = { value: await fn(items[i]) };
      } catch (error) {
        out[i] = { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

/**
 * Removes every hash (the caller holds their locks and decided they are garbage), at most
 * `limit` at once. Every removal is attempted even when some fail: the caller keeps the records
 * of the failed ones (a later pass retries) and drops only those of the removed ones.
 */
export async function removeChunks(store: ChunkBackend, hashes: readonly string[], limit = REMOVE_CONCURRENCY): Promise<RemoveOutcome[]> {
  const done = await mapLimited(hashes, limit, (h) => store.remove(h));
  return done.map((r) => ('error' in r ? { error: r.error } : { removed: r.value }));
}

/** The first failure among outcomes, to rethrow once the successful part is committed. */
export function firstError(outcomes: readonly RemoveOutcome[]): unknown {
  return outcomes.find((o) => o.error !== undefined)?.error;
}
