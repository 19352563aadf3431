/**
 * Conditional requests (RFC 7232 as S3 applies it). Pure functions over an object's ETag and
 * Last-Modified; they throw the S3Error S3 would answer with.
 */
import { S3Error, noSuchKey } from '../errors';
import type { ReadConditions, WriteConditions } from '../types';

export interface ConditionTarget {
  etag: string;
  lastModified: Date;
}

function normalizeTag(tag: string): string {
  let t = tag.trim();
  if (t.startsWith('W/')) t = t.slice(2);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = t.slice(1, -1);
  return t;
}

/** True when `header` (a comma-separated list of ETags, quoted or not, W/ tolerated, or "*") matches `etag`. */
export function etagMatches(header: string, etag: string): boolean {
  const want = normalizeTag(etag);
  return header.split(',').some((t) => {
    const n = normalizeTag(t);
    return n === '*' || (n !== '' && n === want);
  });
}

/** Seconds since epoch: HTTP dates have 1 s resolution, so compare at that granularity. */
const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
const validDate = (d: Date | undefined): d is Date => d instanceof Date && !Number.isNaN(d.getTime());

/**
 * GET/HEAD preconditions, in S3's precedence order:
 * If-Match (false → 412; true overrides If-Unmodified-Since) → If-Unmodified-Since (false → 412)
 * → If-None-Match (match → 304; no match overrides If-Modified-Since) → If-Modified-Since
 * (not modified → 304). A 304 carries ETag and Last-Modified headers. An If-Modified-Since
 * date in the future is ignored (RFC 2616 §14.25; S3 behaves so).
 */
export function evaluateReadConditions(meta: ConditionTarget, cond: ReadConditions | undefined, now: number = Date.now()): void {
  if (!cond) return;
  const lm = seconds(meta.lastModified);
  if (cond.ifMatch !== undefined) {
    if (!etagMatches(cond.ifMatch, meta.etag)) throw preconditionFailed('If-Match');
  } else if (validDate(cond.ifUnmodifiedSince) && lm > seconds(cond.ifUnmodifiedSince)) {
    throw preconditionFailed('If-Unmodified-Since');
  }
  if (cond.ifNoneMatch !== undefined) {
    if (etagMatches(cond.ifNoneMatch, meta.etag)) throw notModified(meta);
  } else if (validDate(cond.ifModifiedSince) && cond.ifModifiedSince.getTime() <= now && lm <= seconds(cond.ifModifiedSince)) {
    throw notModified(meta);
  }
}

/**
 * x-amz-copy-source-if-*: same precedence as reads (if-match true + unmodified-since false →
 * copy proceeds; none-match false + modified-since true → 412), but every failure is a 412.
 */
export function evaluateCopySourceConditions(meta: ConditionTarget, cond: ReadConditions | undefined, now: number = Date.now()): void {
  try {
    evaluateReadConditions(meta, cond, now);
  } catch (e) {
    if (e instanceof S3Error && e.code === 'NotModified') throw preconditionFailed('x-amz-copy-source-If-None-Match/If-Modified-Since');
    throw e;
  }
}

/**
 * Conditional writes (PUT / CompleteMultipartUpload / Copy destination), evaluated under the
 * commit lock against the current object (undefined when the key doesn't exist).
 */
export function evaluateWriteConditions(current: ConditionTarget | undefined, cond: WriteConditions | undefined, key: string): void {
  if (!cond) return;
  if (cond.ifNoneMatch !== undefined && current && etagMatches(cond.ifNoneMatch, current.etag)) {
    throw preconditionFailed('If-None-Match');
  }
  if (cond.ifMatch !== undefined) {
    if (!current) throw noSuchKey(key);
    if (!etagMatches(cond.ifMatch, current.etag)) throw preconditionFailed('If-Match');
  }
}

function preconditionFailed(condition: string): S3Error {
  return new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
}

function notModified(meta: ConditionTarget): S3Error {
  return new S3Error('NotModified', 'Not Modified', {}, { etag: meta.etag, lastModified: meta.lastModified });
}
