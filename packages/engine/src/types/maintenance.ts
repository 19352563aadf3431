/** GC and usage reports (maintenance/). Plain data: no HTTP, no XML. */

export interface GcResult {
  chunksRemoved: number;
  bytesRemoved: number;
}

/** One bucket's counters (bucketUsage()): versions of every kind count as objects. */
export interface BucketUsage {
  name: string;
  owner: string;
  objects: number;
  logicalBytes: number;
}

/** One finished gc() run, as reported to Engine.onGcRun listeners (metrics). */
export interface GcRunReport {
  result?: GcResult;
  error?: unknown;
  durationMs: number;
}

export interface UsageReport {
  buckets: number;
  objects: number;
  /** Sum of object sizes as clients see them. */
  logicalBytes: number;
  /** Bytes of chunk files on disk (each distinct chunk once): logical / physical = dedup ratio. */
  physicalBytes: number;
  chunks: number;
}
