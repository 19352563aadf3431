/**
 * Bucket lifecycle configuration: the rule shapes, S3's validation, which rule applies to which
 * object, and the due-date arithmetic. Pure (no I/O): the HTTP layer uses it for the
 * x-amz-expiration header, the lifecycle worker for its decisions.
 *
 * Validation (S3's PutBucketLifecycleConfiguration rules): 1..1000 rules; IDs unique and at most
 * 255 characters (one is generated when absent); Status Enabled | Disabled; a Filter holding at
 * most one of Prefix / Tag / ObjectSizeGreaterThan / ObjectSizeLessThan / And (an empty Filter
 * applies to every object) or the legacy top-level Prefix, never both; at least one action;
 * Expiration has exactly one of Days (> 0), Date (midnight UTC), ExpiredObjectDeleteMarker (not
 * with tag filters); NoncurrentVersionExpiration needs NoncurrentDays > 0, NewerNoncurrentVersions
 * 1..100; AbortIncompleteMultipartUpload needs DaysAfterInitiation > 0 and no tag filter;
 * transitions name a lifecycle storage class, Days >= 0 (>= 30 for STANDARD_IA / ONEZONE_IA),
 * at most one per class, and must come before an expiration of the same rule.
 */
import { S3Error, invalidArgument as argumentError, invalidRequest, malformedXml } from '../errors';
import type { LifecycleConfiguration, LifecycleFilter, LifecycleRule, StorageClass, Tag } from '../types';

// The rule shapes are public data types (types.ts); re-exported for the lifecycle modules.
export type { LifecycleAndFilter, LifecycleConfiguration, LifecycleFilter, LifecycleRule, LifecycleTransition, NoncurrentTransition } from '../types';

export const MAX_LIFECYCLE_RULES = 1000;
export const MAX_RULE_ID_LENGTH = 255;
export const MAX_NEWER_NONCURRENT_VERSIONS = 100;
/** Storage classes a Transition may target (S3's TransitionStorageClass). */
export const TRANSITION_STORAGE_CLASSES: readonly StorageClass[] = [
  'GLACIER',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
];
const MIN_IA_DAYS = 30;

// A named argument always reports its value (String(undefined) included).
const invalidArgument = (message: string, name?: string, value?: unknown): S3Error =>
  argumentError(message, name, name === undefined ? undefined : String(value));
const malformed = (message = 'The XML you provided was not well-formed or did not validate against our published schema'): S3Error => malformedXml(message);

const isInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);

function checkDate(date: string, what: string): void {
  const t = Date.parse(date);
  if (!Number.isFinite(t)) throw invalidArgument(`'Date' must be in ISO 8601 format in ${what} action`, 'Date', date);
  if (t % 86_400_000 !== 0) throw invalidArgument(`'Date' must be at midnight GMT in ${what} action`, 'Date', date);
}

function tagsOf(f: LifecycleFilter | undefined): Tag[] {
  if (!f) return [];
  if (f.tag) return [f.tag];
  return f.and?.tags ?? [];
}

function checkFilter(f: LifecycleFilter): void {
  const set = (['prefix', 'tag', 'objectSizeGreaterThan', 'objectSizeLessThan', 'and'] as const).filter((k) => f[k] !== undefined);
  if (set.length > 1) throw malformed();
  const sizes = (gt: number | undefined, lt: number | undefined) => {
    for (const [n, v] of [
      ['ObjectSizeGreaterThan', gt],
      ['ObjectSizeLessThan', lt],
    ] as const) {
      if (v !== undefined && (!isInt(v) || v < 0)) throw invalidArgument(`'${n}' must be a non-negative integer`, n, v);
    }
    if (lt !== undefined && lt === 0) throw invalidArgument("'ObjectSizeLessThan' must be greater than 0", 'ObjectSizeLessThan', lt);
    if (gt !== undefined && lt !== undefined && gt >= lt) {
      throw invalidArgument("'ObjectSizeGreaterThan' must be less than 'ObjectSizeLessThan'", 'ObjectSizeGreaterThan', gt);
    }
  };
  sizes(f.objectSizeGreaterThan, f.objectSizeLessThan);
  if (f.and) {
    sizes(f.and.objectSizeGreaterThan, f.and.objectSizeLessThan);
    const n =
      (f.and.prefix !== undefined ? 1 : 0) +
      f.and.tags.length +
      (f.and.objectSizeGreaterThan !== undefined ? 1 : 0) +
      (f.and.objectSizeLessThan !== undefined ? 1 : 0);
    if (n < 2) throw malformed('The And element must hold at least two predicates');
    const keys = new Set<string>();
    for (const t of f.and.tags) {
      if (keys.has(t.key)) throw invalidRequest('Duplicate Tag Keys are not allowed.');
      keys.add(t.key);
    }
  }
  for (const t of tagsOf(f)) {
    if (typeof t.key !== 'string' || t.key.length === 0 || t.key.length > 128) throw invalidRequest('The TagKey you have provided is invalid');
    if (typeof t.value !== 'string' || t.value.length > 256) throw invalidRequest('The TagValue you have provided is invalid');
  }
}

/** Throws S3's error for the first problem; fills in missing rule IDs. Returns a normalised copy. */
export function validateLifecycleConfiguration(cfg: LifecycleConfiguration, newId: () => string = randomRuleId): LifecycleConfiguration {
  if (!cfg || !Array.isArray(cfg.rules) || cfg.rules.length === 0) throw malformed();
  if (cfg.rules.length > MAX_LIFECYCLE_RULES) throw invalidRequest(`Configuration exceeds the maximum number of rules (${MAX_LIFECYCLE_RULES})`);
  const ids = new Set<string>();
  const rules = cfg.rules.map((r0) => {
    const r: LifecycleRule = JSON.parse(JSON.stringify(r0)) as LifecycleRule;
    if (r.id === undefined || r.id === '') r.id = newId();
    if (typeof r.id !== 'string' || r.id.length > MAX_RULE_ID_LENGTH) throw invalidArgument('ID length should not exceed allowed limit of 255', 'ID', r.id);
    if (ids.has(r.id)) throw invalidArgument('Rule ID must be unique. Found same ID for more than one rule', 'ID', r.id);
    ids.add(r.id);
    if (r.status !== 'Enabled' && r.status !== 'Disabled') throw malformed();
    if (r.prefix !== undefined && r.filter !== undefined) throw malformed();
    if (r.filter) checkFilter(r.filter);
    const hasTags = tagsOf(r.filter).length > 0;
    if (
      !r.expiration &&
      !r.transitions?.length &&
      !r.noncurrentVersionExpiration &&
      !r.noncurrentVersionTransitions?.length &&
      !r.abortIncompleteMultipartUpload
    ) {
      throw invalidRequest('At least one action needs to be specified in a rule');
    }
    const e = r.expiration;
    if (e) {
      const n = (e.days !== undefined ? 1 : 0) + (e.date !== undefined ? 1 : 0) + (e.expiredObjectDeleteMarker !== undefined ? 1 : 0);
      if (n !== 1) throw malformed();
      if (e.days !== undefined && (!isInt(e.days) || e.days <= 0))
        throw invalidArgument("'Days' for Expiration action must be a positive integer", 'Days', e.days);
      if (e.date !== undefined) checkDate(e.date, 'Expiration');
      if (e.expiredObjectDeleteMarker !== undefined && hasTags) throw invalidRequest('ExpiredObjectDeleteMarker cannot be specified with object tag filters');
    }
    const nve = r.noncurrentVersionExpiration;
    if (nve) {
      if (!isInt(nve.noncurrentDays) || nve.noncurrentDays <= 0)
        throw invalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer", 'NoncurrentDays', nve.noncurrentDays);
      checkNewer(nve.newerNoncurrentVersions);
    }
    const abort = r.abortIncompleteMultipartUpload;
    if (abort) {
      if (!isInt(abort.daysAfterInitiation) || abort.daysAfterInitiation <= 0) {
        throw invalidArgument(
          "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer",
          'DaysAfterInitiation',
          abort.daysAfterInitiation,
        );
      }
      if (hasTags) throw invalidRequest('AbortIncompleteMultipartUpload cannot be specified with Tags.');
    }
    const seen = new Set<string>();
    let byDays: boolean | undefined;
    for (const t of r.transitions ?? []) {
      if (!TRANSITION_STORAGE_CLASSES.includes(t.storageClass)) throw malformed(`The storage class you specified is not valid: ${String(t.storageClass)}`);
      if (seen.has(t.storageClass)) throw invalidRequest(`'StorageClass' must be different for 'Transition' actions in same 'Rule' with ID '${r.id}'`);
      seen.add(t.storageClass);
      if ((t.days === undefined) === (t.date === undefined)) throw malformed();
      if (byDays !== undefined && byDays !== (t.days !== undefined))
        throw invalidRequest(`Found mixed 'Date' and 'Days' based Transition actions in lifecycle rule with ID '${r.id}'`);
      byDays = t.days !== undefined;
      if (t.days !== undefined) {
        if (!isInt(t.days) || t.days < 0) throw invalidArgument("'Days' for Transition action must be a nonnegative integer", 'Days', t.days);
        if ((t.storageClass === 'STANDARD_IA' || t.storageClass === 'ONEZONE_IA') && t.days < MIN_IA_DAYS) {
          throw invalidArgument(`'Days' in Transition action must be greater than or equal to 30 for storageClass '${t.storageClass}'`, 'Days', t.days);
        }
        if (e?.days !== undefined && e.days <= t.days)
          throw invalidRequest(`'Days' in the Expiration action for rule '${r.id}' must be greater than 'Days' in the Transition action`);
      }
      if (t.date !== undefined) {
        checkDate(t.date, 'Transition');
        if (e?.date !== undefined && Date.parse(e.date) <= Date.parse(t.date))
          throw invalidRequest(`'Date' in the Expiration action for rule '${r.id}' must be later than 'Date' in the Transition action`);
      }
    }
    const nseen = new Set<string>();
    for (const t of r.noncurrentVersionTransitions ?? []) {
      if (!TRANSITION_STORAGE_CLASSES.includes(t.storageClass)) throw malformed(`The storage class you specified is not valid: ${String(t.storageClass)}`);
      if (nseen.has(t.storageClass))
        throw invalidRequest(`'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same 'Rule' with ID '${r.id}'`);
      nseen.add(t.storageClass);
      if (!isInt(t.noncurrentDays) || t.noncurrentDays < 0)
        throw invalidArgument("'NoncurrentDays' for NoncurrentVersionTransition action must be a nonnegative integer", 'NoncurrentDays', t.noncurrentDays);
      if ((t.storageClass === 'STANDARD_IA' || t.storageClass === 'ONEZONE_IA') && t.noncurrentDays < MIN_IA_DAYS) {
        throw invalidArgument(
          `'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 for storageClass '${t.storageClass}'`,
          'NoncurrentDays',
          t.noncurrentDays,
        );
      }
      checkNewer(t.newerNoncurrentVersions);
      if (nve && nve.noncurrentDays <= t.noncurrentDays)
        throw invalidRequest(
          `'NoncurrentDays' in the NoncurrentVersionExpiration action for rule '${r.id}' must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action`,
        );
    }
    return r;
  });
  return { rules };
}

function checkNewer(n: number | undefined): void {
  if (n === undefined) return;
  if (!isInt(n) || n < 1 || n > MAX_NEWER_NONCURRENT_VERSIONS) {
    throw invalidArgument(`'NewerNoncurrentVersions' must be an integer between 1 and ${MAX_NEWER_NONCURRENT_VERSIONS}`, 'NewerNoncurrentVersions', n);
  }
}

function randomRuleId(): string {
  // S3 generates an opaque id for rules sent without one.
  let s = '';
  for (let i = 0; i < 48; i++) s += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 62)];
  return s;
}

// ---- matching -----------------------------------------------------------------------------

/** What a rule's filter looks at. */
export interface LifecycleSubject {
  key: string;
  size: number;
  /** Object tags (absent for uploads and delete markers). */
  tags?: Record<string, string> | [string, string][];
}

function tagMap(t: LifecycleSubject['tags']): Record<string, string> {
  if (!t) return {};
  return Array.isArray(t) ? Object.fromEntries(t) : t;
}

export function ruleMatches(rule: LifecycleRule, o: LifecycleSubject): boolean {
  if (rule.status !== 'Enabled') return false;
  if (rule.prefix !== undefined) return o.key.startsWith(rule.prefix);
  const f = rule.filter;
  if (!f) return true;
  const tags = tagMap(o.tags);
  const sizeOk = (gt?: number, lt?: number) => (gt === undefined || o.size > gt) && (lt === undefined || o.size < lt);
  if (f.prefix !== undefined && !o.key.startsWith(f.prefix)) return false;
  if (f.tag && tags[f.tag.key] !== f.tag.value) return false;
  if (!sizeOk(f.objectSizeGreaterThan, f.objectSizeLessThan)) return false;
  if (f.and) {
    if (f.and.prefix !== undefined && !o.key.startsWith(f.and.prefix)) return false;
    for (const t of f.and.tags) if (tags[t.key] !== t.value) return false;
    if (!sizeOk(f.and.objectSizeGreaterThan, f.and.objectSizeLessThan)) return false;
  }
  return true;
}

/** A rule filters on tags (then it can't apply to uploads or delete markers). */
export const ruleHasTagFilter = (rule: LifecycleRule): boolean => tagsOf(rule.filter).length > 0;

// ---- due dates ----------------------------------------------------------------------------

export const DAY_MS = 86_400_000;

/**
 * When an action of "N days after `from`" is due: from + N days, rounded UP to the next
 * midnight UTC (S3's rule; a time already at midnight stays). With a shortened lifecycle day
 * (`dayMs`, tests: --lifecycle-day-seconds) "midnight" is every multiple of dayMs since the Unix
 * epoch, which for 86 400 000 ms is exactly midnight UTC.
 */
export function dueAfterDays(fromMs: number, days: number, dayMs = DAY_MS): number {
  return Math.ceil((fromMs + days * dayMs) / dayMs) * dayMs;
}

/** The current-version expiration that applies to an object: earliest due date, and its rule. */
export function expirationFor(
  rules: readonly LifecycleRule[],
  o: LifecycleSubject & { lastModified: number },
  dayMs = DAY_MS,
): { due: number; ruleId: string } | undefined {
  let best: { due: number; ruleId: string } | undefined;
  for (const r of rules) {
    const e = r.expiration;
    if (!e || (e.days === undefined && e.date === undefined) || !ruleMatches(r, o)) continue;
    const due = e.days !== undefined ? dueAfterDays(o.lastModified, e.days, dayMs) : Date.parse(e.date!);
    if (!best || due < best.due) best = { due, ruleId: r.id };
  }
  return best;
}
