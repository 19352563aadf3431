/**
 * What the operation modules share: the database, the commit path, the chunk store, read leases
 * and the resolved options. Engine (engine.ts) builds one and passes it to every operation.
 */
import { RequestCommitter, type CommitPath } from './meta/commit';
import type { RequestInfo } from './feed/requestInfo';
import type { Placements } from './chunks/placement';
import type { MetaDb } from './meta/db';
import type { ReadLeases } from './meta/locks';
import type { BucketCache } from './meta/bucketCache';
import type { AccessKeyCache } from './accounts/keyCache';
import type { EngineApi } from './types';

export type ResolvedOptions = EngineApi['options'];

export interface Ctx {
  readonly db: MetaDb;
  /** The commit path; in a request's context it carries who asked (`withRequestInfo`). */
  readonly committer: CommitPath;
  /** Chunk stores, one per placement (placement.ts). */
  readonly placements: Placements;
  readonly leases: ReadLeases;
  readonly bucketCache: BucketCache;
  /** Access key lookups for authentication (exact; off with shared metadata). */
  readonly accessKeys: AccessKeyCache;
  readonly options: ResolvedOptions;
}

/** `ctx` for the changes one requester makes: their feed events say who (feed/requestInfo.ts). */
export function withRequestInfo(ctx: Ctx, info: RequestInfo): Ctx {
  return { ...ctx, committer: new RequestCommitter(ctx.committer, info) };
}
