/**
 * `x-amz-expiration: expiry-date="<HTTP date>", rule-id="<id>"` on PUT, HEAD, GET, copy and
 * Complete, as S3 sends it: when an enabled Expiration (Days or Date) rule of the bucket applies
 * to the (current) object, the earliest such due date and its rule. The rules come from the
 * bucket cache; tags are read only when a tag-filtered rule could decide it.
 */
import { expirationFor, ruleHasTagFilter, type ObjectMeta, type Tag } from '@cairn/engine';
import type { S3Context } from '../context';

export async function expirationHeaders(c: S3Context, bucket: string, meta: ObjectMeta, tags?: Tag[]): Promise<Record<string, string>> {
  // A version addressed explicitly may be noncurrent: current-version rules don't describe it.
  if (c.query.has('versionId')) return {};
  const cfg = await c.engine.getBucketLifecycle(bucket).catch(() => undefined);
  const rules = cfg?.rules.filter((r) => r.status === 'Enabled' && r.expiration && (r.expiration.days !== undefined || r.expiration.date !== undefined));
  if (!rules?.length) return {};
  let tagList = tags;
  if (tagList === undefined && meta.tagCount && rules.some(ruleHasTagFilter)) {
    tagList = (await c.engine.getObjectTagging(bucket, meta.key, { versionId: meta.versionId }).catch(() => ({ tags: [] as Tag[] }))).tags;
  }
  const dayMs = c.engine.options.lifecycleDaySeconds * 1000;
  const e = expirationFor(
    rules,
    { key: meta.key, size: meta.size, lastModified: meta.lastModified.getTime(), tags: Object.fromEntries((tagList ?? []).map((t) => [t.key, t.value])) },
    dayMs,
  );
  return e ? { 'x-amz-expiration': `expiry-date="${new Date(e.due).toUTCString()}", rule-id="${e.ruleId}"` } : {};
}
