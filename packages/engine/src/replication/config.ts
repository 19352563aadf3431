/**
 * A bucket's replication configuration (PutBucketReplication), stored in its bucket record
 * B/<name> like the lifecycle configuration (lifecycle/config.ts): deciding whether a new
 * version is PENDING replication then costs no I/O (the bucket record is cached).
 *
 * Cairn's zones (the server's `--zone` / `--peer`): a rule's Destination `arn:aws:s3:::BUCKET`
 * means "BUCKET in every peer zone". Validation follows S3 (codes and messages), as far as the
 * configuration alone tells; that the destination exists and is versioned in each peer is
 * checked by the server, which knows the peers.
 */
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { S3Error } from '../errors';
import { requireBucket, type BucketRecord } from '../buckets/bucketRecord';
import type { ReplicationConfiguration, ReplicationRule } from '../types';
export type { ReplicationConfiguration, ReplicationRule, ReplicationFilter } from '../types';

export interface ReplicationFields {
  replication?: ReplicationConfiguration;
}

const MAX_RULES = 1000;
const BUCKET_ARN = /^arn:aws:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/;

const invalid = (msg: string) => new S3Error('InvalidRequest', msg);
const invalidArg = (msg: string) => new S3Error('InvalidArgument', msg);

/** `arn:aws:s3:::name` → name (InvalidArgument otherwise, as S3). */
export function destinationBucketOf(arn: string): string {
  const m = BUCKET_ARN.exec(arn ?? '');
  if (!m) throw invalidArg('Invalid bucket ARN.');
  return m[1];
}

const hasTagFilter = (r: ReplicationRule): boolean => !!(r.filter?.tag || (r.filter?.and && r.filter.and.tags.length));

/** S3's checks on a whole configuration; returns a normalised copy. */
export function validateReplicationConfiguration(cfg: ReplicationConfiguration): ReplicationConfiguration {
  if (!cfg || typeof cfg.role !== 'string' || !cfg.role)
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  if (!Array.isArray(cfg.rules) || cfg.rules.length === 0)
    throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  if (cfg.rules.length > MAX_RULES) throw invalid(`Number of rules in the replication configuration cannot exceed ${MAX_RULES}`);
  const ids = new Set<string>();
  const v2 = cfg.rules.some((r) => r.filter !== undefined);
  const rules = cfg.rules.map((r, i) => {
    const rule: ReplicationRule = { ...r, id: r.id || `rule-${i + 1}` };
    if (rule.id.length > 255) throw invalidArg('ID length should not exceed allowed limit of 255');
    if (ids.has(rule.id)) throw invalidArg('Rule Id must be unique');
    ids.add(rule.id);
    if (rule.status !== 'Enabled' && rule.status !== 'Disabled')
      throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    if (v2 !== (rule.filter !== undefined)) throw invalid('Mixing V1 (Prefix) and V2 (Filter) replication rules is not allowed');
    if (rule.filter !== undefined && rule.prefix !== undefined)
      throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    if (v2) {
      const f = rule.filter!;
      const parts = [f.prefix !== undefined, f.tag !== undefined, f.and !== undefined].filter(Boolean).length;
      if (parts > 1) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
      if (rule.priority === undefined || !Number.isInteger(rule.priority) || rule.priority < 0)
        throw invalid('Priority must be specified for this version of Cross Region Replication configuration schema.');
      if (rule.deleteMarkerReplication === undefined)
        throw invalid('DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.');
      if (rule.deleteMarkerReplication === 'Enabled' && hasTagFilter(rule))
        throw invalid('Delete marker replication is not supported if any Tag filter is specified. Please refer to S3 Developer Guide for more information.');
      const tagKeys = new Set<string>();
      for (const t of f.and?.tags ?? []) {
        if (tagKeys.has(t.key)) throw invalidArg('Duplicate Tag Keys are not allowed.');
        tagKeys.add(t.key);
      }
    } else if (rule.deleteMarkerReplication !== undefined) {
      throw invalid('DeleteMarkerReplication cannot be specified for this version of Cross Region Replication configuration schema.');
    }
    rule.destinationBucket = destinationBucketOf(rule.destinationBucket);
    return rule;
  });
  if (v2) {
    const seen = new Map<string, Set<number>>();
    for (const r of rules) {
      const s = seen.get(r.destinationBucket) ?? new Set<number>();
      if (s.has(r.priority!)) throw invalid('Found overlapping priorities within the same destination. Please specify a unique priority for each rule.');
      s.add(r.priority!);
      seen.set(r.destinationBucket, s);
    }
  }
  return { role: cfg.role, rules };
}

/** What a rule's filter sees of a version. */
export interface ReplicationSubject {
  key: string;
  tags?: [string, string][];
  deleteMarker?: boolean;
}

function ruleMatches(r: ReplicationRule, s: ReplicationSubject): boolean {
  if (r.status !== 'Enabled') return false;
  const tags = new Map(s.tags ?? []);
  const f = r.filter;
  if (!f) return s.key.startsWith(r.prefix ?? '');
  if (f.prefix !== undefined && !s.key.startsWith(f.prefix)) return false;
  if (f.tag && tags.get(f.tag.key) !== f.tag.value) return false;
  if (f.and) {
    if (f.and.prefix !== undefined && !s.key.startsWith(f.and.prefix)) return false;
    if (!f.and.tags.every((t) => tags.get(t.key) === t.value)) return false;
  }
  return true;
}

/**
 * The rule that replicates this version (the highest priority among the matching enabled
 * ones, as S3), or undefined. A delete marker replicates only under a rule whose
 * DeleteMarkerReplication is Enabled (V1 rules always replicate them).
 */
export function replicationRuleFor(cfg: ReplicationConfiguration | undefined, s: ReplicationSubject): ReplicationRule | undefined {
  if (!cfg) return undefined;
  let best: ReplicationRule | undefined;
  for (const r of cfg.rules) {
    if (!ruleMatches(r, s)) continue;
    if (!best || (r.priority ?? 0) > (best.priority ?? 0)) best = r;
  }
  if (best && s.deleteMarker && best.filter && best.deleteMarkerReplication !== 'Enabled') return undefined;
  return best;
}

/** undefined deletes the configuration. */
export async function putBucketReplication(ctx: Ctx, name: string, cfg: ReplicationConfiguration | undefined): Promise<void> {
  const valid = cfg === undefined ? undefined : validateReplicationConfiguration(cfg);
  await ctx.committer.run(async (tx) => {
    const next: BucketRecord & ReplicationFields = { ...(await requireBucket(ctx, name)) };
    if (valid && next.versioning !== 'Enabled') throw invalid("Versioning must be 'Enabled' on the bucket to apply a replication configuration");
    if (!valid && !next.replication) return;
    if (valid) next.replication = valid;
    else delete next.replication;
    tx.put(keys.bucketKey(name), next);
    tx.afterCommit(() => ctx.bucketCache.changed(name, next));
  });
}

export async function getBucketReplication(ctx: Ctx, name: string): Promise<ReplicationConfiguration | undefined> {
  const rec = (await requireBucket(ctx, name)) as BucketRecord & ReplicationFields;
  return rec.replication && (JSON.parse(JSON.stringify(rec.replication)) as ReplicationConfiguration);
}
