/**
 * The lifecycle worker: one pass = for every bucket that has a lifecycle configuration, walk its
 * keys in pages (bounded memory), decide S3's lifecycle actions per version, and apply each one
 * conditionally (lifecycle/store.ts: an object overwritten since the page was read is left alone).
 *
 * Per-bucket cursor W/lifecycle\0<bucketId> = { generation, after }: saved after every page, so a
 * killed worker resumes where it was; stamped with the configuration's generation, so a changed
 * configuration restarts that bucket's scan. Actions are idempotent: rerunning a page after a
 * crash finds nothing left to do for what was already done.
 *
 * Schedule: with the default 24 h day, one pass a day at `hourUtc` (and one at start if the last
 * finished more than a day ago); with a shortened day (tests) a pass at least every day/2.
 */
import {
  dueAfterDays,
  expirationFor,
  ruleHasTagFilter,
  ruleMatches,
  type LifecycleRule,
  type LifecycleTransition,
  type NoncurrentTransition,
} from '../lifecycle/rules';
import type { LifecycleAction, LifecycleBucket, ScannedKey, ScannedVersion } from '../lifecycle/store';
import type { StorageClass } from '../types';
import type { PassContext, Worker } from './runtime';

export const LIFECYCLE_WORKER = 'lifecycle';
const PAGE = 1000;
const DEFAULT_DAY_MS = 86_400_000;

interface BucketCursor {
  generation: number;
  after?: string;
  lastCompleted?: number;
}

export interface LifecycleWorkerOptions {
  /** Length of a lifecycle day (default: ask the server, i.e. its lifecycleDaySeconds). */
  dayMs?: number;
  /** With the default day: the UTC hour of the daily pass (default 0). */
  hourUtc?: number;
  /** Records per scan page (default 1000). */
  pageSize?: number;
}

/** The actions S3's rules call for on one key now (versions newest first, as scanned). */
export function decideKeyActions(bucket: LifecycleBucket, k: ScannedKey, now: number, dayMs: number): LifecycleAction[] {
  const rules = bucket.rules.filter((r) => r.status === 'Enabled');
  const out: LifecycleAction[] = [];
  const [latest, ...noncurrent] = k.versions;
  if (!latest) return out;
  const subject = (v: ScannedVersion) => ({ key: k.key, size: v.size, tags: v.tags, lastModified: v.lastModified });
  const base = { bucket: bucket.name, key: k.key };

  if (!latest.deleteMarker) {
    const exp = expirationFor(rules, subject(latest), dayMs);
    if (exp && exp.due <= now) out.push({ kind: 'expireCurrent', ...base, versionId: latest.versionId, lastModified: latest.lastModified });
    else {
      const sc = dueTransition<LifecycleTransition>(
        rules,
        subject(latest),
        (t) => (t.days !== undefined ? dueAfterDays(latest.lastModified, t.days, dayMs) : Date.parse(t.date!)),
        now,
        (r) => r.transitions ?? [],
      );
      if (sc && sc !== latest.storageClass)
        out.push({ kind: 'transition', ...base, versionId: latest.versionId, lastModified: latest.lastModified, storageClass: sc });
    }
  } else if (noncurrent.length === 0) {
    // An expired object delete marker: the only version left is a marker.
    const rule = rules.find((r) => r.expiration?.expiredObjectDeleteMarker === true && !ruleHasTagFilter(r) && ruleMatches(r, { key: k.key, size: 0 }));
    if (rule) out.push({ kind: 'deleteVersion', ...base, versionId: latest.versionId, lastModified: latest.lastModified, onlyIfSoleMarker: true });
  }

  noncurrent.forEach((v, newer) => {
    const since = v.noncurrentSince ?? v.lastModified;
    const expire = rules.some((r) => {
      const e = r.noncurrentVersionExpiration;
      if (!e || !ruleMatches(r, subject(v))) return false;
      if (e.newerNoncurrentVersions !== undefined && newer < e.newerNoncurrentVersions) return false;
      return dueAfterDays(since, e.noncurrentDays, dayMs) <= now;
    });
    if (expire) {
      out.push({ kind: 'deleteVersion', ...base, versionId: v.versionId, lastModified: v.lastModified });
      return;
    }
    if (v.deleteMarker) return;
    const sc = dueTransition<NoncurrentTransition>(
      rules.map((r) => ({
        ...r,
        noncurrentVersionTransitions: (r.noncurrentVersionTransitions ?? []).filter(
          (t) => t.newerNoncurrentVersions === undefined || newer >= t.newerNoncurrentVersions,
        ),
      })),
      subject(v),
      (t) => dueAfterDays(since, t.noncurrentDays, dayMs),
      now,
      (r) => r.noncurrentVersionTransitions ?? [],
    );
    if (sc && sc !== v.storageClass) out.push({ kind: 'transition', ...base, versionId: v.versionId, lastModified: v.lastModified, storageClass: sc });
  });
  return out;
}

/** Of the matching rules' transitions already due, the one due last (the coldest step reached). */
function dueTransition<T extends { storageClass: StorageClass }>(
  rules: LifecycleRule[],
  o: { key: string; size: number; tags?: [string, string][] },
  due: (t: T) => number,
  now: number,
  list: (r: LifecycleRule) => T[],
): StorageClass | undefined {
  let best: { at: number; sc: StorageClass } | undefined;
  for (const r of rules) {
    if (!ruleMatches(r, o)) continue;
    for (const t of list(r)) {
      const at = due(t);
      if (at <= now && (!best || at > best.at)) best = { at, sc: t.storageClass };
    }
  }
  return best?.sc;
}

export class LifecycleWorker implements Worker {
  readonly name = LIFECYCLE_WORKER;
  private dayMs: number | undefined;

  constructor(private readonly opts: LifecycleWorkerOptions = {}) {
    this.dayMs = opts.dayMs;
  }

  nextDelayMs(lastRunEnd: number): number {
    const day = this.dayMs ?? DEFAULT_DAY_MS;
    if (day < DEFAULT_DAY_MS) return Math.max(100, Math.floor(day / 2));
    const hour = this.opts.hourUtc ?? 0;
    const d = new Date(lastRunEnd);
    let next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour);
    if (next <= lastRunEnd) next += DEFAULT_DAY_MS;
    return next - lastRunEnd;
  }

  async runPass(ctx: PassContext): Promise<void> {
    const api = ctx.api;
    this.dayMs ??= (await api.workerInfo()).lifecycleDayMs;
    const dayMs = this.dayMs;
    for (const bucket of await api.listLifecycleBuckets()) {
      if (ctx.shouldStop()) return;
      await this.scanBucket(ctx, bucket, dayMs);
    }
  }

  private async scanBucket(ctx: PassContext, bucket: LifecycleBucket, dayMs: number): Promise<void> {
    const api = ctx.api;
    const saved = (await api.getWorkerState(LIFECYCLE_WORKER, bucket.id)) as BucketCursor | undefined;
    let after = saved && saved.generation === bucket.generation ? saved.after : undefined;
    for (;;) {
      if (ctx.shouldStop()) return;
      const page = await api.lifecycleScan(bucket.name, after, this.opts.pageSize ?? PAGE);
      const now = Date.now();
      let scanned = 0;
      let acted = 0;
      let errors = 0;
      let lastError: string | undefined;
      for (const k of page.keys) {
        scanned += k.versions.length;
        for (const a of decideKeyActions(bucket, k, now, dayMs)) {
          try {
            if ((await api.lifecycleApply(a)).applied) acted++;
          } catch (e) {
            errors++;
            lastError = `${bucket.name}/${k.key}: ${(e as Error)?.message ?? String(e)}`;
          }
        }
      }
      after = page.next;
      await ctx.progress({ scanned, acted, errors, lastError, cursor: { bucket: bucket.name, after } });
      if (after === undefined) break;
      // Resume point for a restarted worker (everything up to `after` is done).
      await api.putWorkerState(LIFECYCLE_WORKER, bucket.id, { generation: bucket.generation, after } satisfies BucketCursor);
    }
    await this.abortUploads(ctx, bucket, dayMs);
    await api.putWorkerState(LIFECYCLE_WORKER, bucket.id, { generation: bucket.generation, lastCompleted: Date.now() } satisfies BucketCursor);
  }

  private async abortUploads(ctx: PassContext, bucket: LifecycleBucket, dayMs: number): Promise<void> {
    const rules = bucket.rules.filter((r) => r.status === 'Enabled' && r.abortIncompleteMultipartUpload && !ruleHasTagFilter(r));
    if (!rules.length) return;
    let after: { key: string; uploadId: string } | undefined;
    do {
      if (ctx.shouldStop()) return;
      const page = await ctx.api.lifecycleUploads(bucket.name, after, this.opts.pageSize ?? PAGE);
      const now = Date.now();
      let acted = 0;
      for (const u of page.uploads) {
        // Uploads have no size or tags yet: only the prefix part of a filter applies.
        const due = rules.some(
          (r) => uploadMatches(r, u.key) && dueAfterDays(u.initiated, r.abortIncompleteMultipartUpload!.daysAfterInitiation, dayMs) <= now,
        );
        if (due && (await ctx.api.lifecycleApply({ kind: 'abortUpload', bucket: bucket.name, key: u.key, uploadId: u.uploadId })).applied) acted++;
      }
      await ctx.progress({ scanned: page.uploads.length, acted });
      after = page.next;
    } while (after);
  }
}

function uploadMatches(r: LifecycleRule, key: string): boolean {
  const prefix = r.prefix ?? r.filter?.prefix ?? r.filter?.and?.prefix ?? '';
  return key.startsWith(prefix);
}
