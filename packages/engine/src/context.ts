/**
 * What the operation modules share: the database, the commit path, the chunk store, read leases
 * and the resolved options. Engine (engine.ts) builds one and passes it to every operation.
 */
import type { Committer } from './meta/commit';
import type { Placements } from './chunks/placement';
import type { MetaDb } from './meta/db';
import type { ReadLeases } from './meta/locks';
import type { BucketCache } from './meta/bucketCache';
import type { EngineApi } from './types';

export type ResolvedOptions = EngineApi['options'];

export interface Ctx {
  readonly db: MetaDb;
  readonly committer: Committer;
  /** Chunk stores, one per placement (placement.ts). */
  readonly placements: Placements;
  readonly leases: ReadLeases;
  readonly bucketCache: BucketCache;
  readonly options: ResolvedOptions;
}
