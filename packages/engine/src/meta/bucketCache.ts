/**
 * The bucket record B/<name> and the in-memory cache every operation reads it through. Below the
 * operation modules (it needs only the database), so the context (context.ts) can hold one.
 */
import type { MetaDb } from './db';
import * as keys from './keys';
import type { ObjectLockConfiguration, VersioningStatus } from '../types';

export interface BucketRecord {
  id: string;
  owner: string;
  createdAt: number;
  region: string;
  versioning?: VersioningStatus;
  objectLock?: ObjectLockConfiguration;
  /** Bucket tags (tags.ts). */
  tags?: [string, string][];
}

/**
 * In-memory cache of bucket records (every object operation needs one). Only commits of this
 * process change B/, and they update the cache from an afterCommit hook (under the commit lock),
 * so it is exact for anything checked under that lock. A read-through load that raced with a
 * change is not cached (epoch check). ANY code writing B/ must call `changed` the same way.
 */
export class BucketCache {
  private readonly records = new Map<string, BucketRecord>();
  private readonly ids = new Map<string, BucketRecord>();
  /** bucket id → name (change-feed events name the bucket). */
  private readonly names = new Map<string, string>();
  private epoch = 0;

  /**
   * `shared`: other gateways change B/ too (PostgreSQL metadata), so records are never served
   * from memory: every load reads the database (under the commit lock that is exact). Only
   * id → name stays cached (ids are never reused and a bucket's name never changes).
   */
  constructor(private readonly shared = false) {}

  nameOf(id: string): string | undefined {
    return this.names.get(id);
  }

  /** A cached record by bucket id (every operation loads its bucket before committing). */
  byId(id: string): BucketRecord | undefined {
    return this.shared ? undefined : this.ids.get(id);
  }

  async load(db: MetaDb, name: string): Promise<BucketRecord | undefined> {
    const hit = this.shared ? undefined : this.records.get(name);
    if (hit) return hit;
    const epoch = this.epoch;
    const rec = await db.getJson<BucketRecord>(keys.bucketKey(name));
    if (rec && epoch === this.epoch) {
      this.records.set(name, rec);
      this.ids.set(rec.id, rec);
      this.names.set(rec.id, name);
    }
    return rec;
  }

  changed(name: string, rec: BucketRecord | undefined): void {
    this.epoch++;
    const prev = this.records.get(name);
    if (prev) this.ids.delete(prev.id);
    if (rec) {
      this.records.set(name, rec);
      this.ids.set(rec.id, rec);
      this.names.set(rec.id, name);
    } else this.records.delete(name);
  }
}
