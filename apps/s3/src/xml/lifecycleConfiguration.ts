/**
 * `<LifecycleConfiguration>`: PutBucketLifecycleConfiguration body and
 * GetBucketLifecycleConfiguration response. The codec checks the document's shape (unknown or
 * repeated elements, non-numeric numbers, a bad Status: MalformedXML); the rules' semantics are
 * validated by the engine (lifecycle/rules.ts) with S3's InvalidArgument / InvalidRequest.
 */
import type { LifecycleConfiguration, LifecycleFilter, LifecycleRule, StorageClass, Tag } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, child, children, childText, parseXml, type XmlElement, type XmlObject } from './codec';

const RULE_ELEMENTS = new Set([
  'ID',
  'Status',
  'Prefix',
  'Filter',
  'Expiration',
  'Transition',
  'NoncurrentVersionExpiration',
  'NoncurrentVersionTransition',
  'AbortIncompleteMultipartUpload',
]);

function only(el: XmlElement, allowed: string[]): void {
  for (const k of Object.keys(el)) {
    if (k === '_' || k === '$') continue;
    const local = k.includes(':') ? k.slice(k.indexOf(':') + 1) : k;
    if (!allowed.includes(local)) throw s3Error('MalformedXML');
  }
}

function int(el: XmlElement | undefined, name: string): number | undefined {
  const t = childText(el, name);
  if (t === undefined) return undefined;
  const v = t.trim();
  if (!/^-?\d{1,15}$/.test(v)) throw s3Error('MalformedXML');
  return Number(v);
}

function tag(el: XmlElement): Tag {
  only(el, ['Key', 'Value']);
  const key = childText(el, 'Key');
  const value = childText(el, 'Value') ?? '';
  if (key === undefined) throw s3Error('MalformedXML');
  return { key, value };
}

function parseFilter(f: XmlElement): LifecycleFilter {
  only(f, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan', 'And']);
  const out: LifecycleFilter = {};
  const prefix = childText(f, 'Prefix');
  if (prefix !== undefined) out.prefix = prefix;
  const t = child(f, 'Tag');
  if (t) out.tag = tag(t);
  const gt = int(f, 'ObjectSizeGreaterThan');
  if (gt !== undefined) out.objectSizeGreaterThan = gt;
  const lt = int(f, 'ObjectSizeLessThan');
  if (lt !== undefined) out.objectSizeLessThan = lt;
  const and = child(f, 'And');
  if (and) {
    only(and, ['Prefix', 'Tag', 'ObjectSizeGreaterThan', 'ObjectSizeLessThan']);
    out.and = { tags: children(and, 'Tag').map(tag) };
    const p = childText(and, 'Prefix');
    if (p !== undefined) out.and.prefix = p;
    const agt = int(and, 'ObjectSizeGreaterThan');
    if (agt !== undefined) out.and.objectSizeGreaterThan = agt;
    const alt = int(and, 'ObjectSizeLessThan');
    if (alt !== undefined) out.and.objectSizeLessThan = alt;
  }
  return out;
}

function date(el: XmlElement | undefined): string | undefined {
  const t = childText(el, 'Date');
  if (t === undefined) return undefined;
  const ms = Date.parse(t.trim());
  if (!Number.isFinite(ms)) throw s3Error('MalformedXML');
  return new Date(ms).toISOString();
}

function storageClass(el: XmlElement): StorageClass {
  const sc = childText(el, 'StorageClass');
  if (sc === undefined) throw s3Error('MalformedXML');
  return sc.trim() as StorageClass;
}

function parseRule(r: XmlElement): LifecycleRule {
  for (const k of Object.keys(r))
    if (k !== '_' && k !== '$' && !RULE_ELEMENTS.has(k.includes(':') ? k.slice(k.indexOf(':') + 1) : k)) throw s3Error('MalformedXML');
  const status = childText(r, 'Status');
  if (status === undefined) throw s3Error('MalformedXML');
  const rule: LifecycleRule = { id: childText(r, 'ID') ?? '', status: status as LifecycleRule['status'] };
  const prefix = childText(r, 'Prefix');
  if (prefix !== undefined) rule.prefix = prefix;
  const filter = child(r, 'Filter');
  if (filter) rule.filter = parseFilter(filter);
  const e = child(r, 'Expiration');
  if (e) {
    only(e, ['Days', 'Date', 'ExpiredObjectDeleteMarker']);
    rule.expiration = {};
    const days = int(e, 'Days');
    if (days !== undefined) rule.expiration.days = days;
    const d = date(e);
    if (d !== undefined) rule.expiration.date = d;
    const m = childText(e, 'ExpiredObjectDeleteMarker');
    if (m !== undefined) {
      if (m.trim() !== 'true' && m.trim() !== 'false') throw s3Error('MalformedXML');
      rule.expiration.expiredObjectDeleteMarker = m.trim() === 'true';
    }
  }
  const transitions = children(r, 'Transition');
  if (transitions.length) {
    rule.transitions = transitions.map((t) => {
      only(t, ['Days', 'Date', 'StorageClass']);
      const out: { days?: number; date?: string; storageClass: StorageClass } = { storageClass: storageClass(t) };
      const days = int(t, 'Days');
      if (days !== undefined) out.days = days;
      const d = date(t);
      if (d !== undefined) out.date = d;
      return out;
    });
  }
  const nve = child(r, 'NoncurrentVersionExpiration');
  if (nve) {
    only(nve, ['NoncurrentDays', 'NewerNoncurrentVersions']);
    const days = int(nve, 'NoncurrentDays');
    if (days === undefined) throw s3Error('MalformedXML');
    rule.noncurrentVersionExpiration = { noncurrentDays: days };
    const newer = int(nve, 'NewerNoncurrentVersions');
    if (newer !== undefined) rule.noncurrentVersionExpiration.newerNoncurrentVersions = newer;
  }
  const nvts = children(r, 'NoncurrentVersionTransition');
  if (nvts.length) {
    rule.noncurrentVersionTransitions = nvts.map((t) => {
      only(t, ['NoncurrentDays', 'NewerNoncurrentVersions', 'StorageClass']);
      const days = int(t, 'NoncurrentDays');
      if (days === undefined) throw s3Error('MalformedXML');
      const out: { noncurrentDays: number; newerNoncurrentVersions?: number; storageClass: StorageClass } = {
        noncurrentDays: days,
        storageClass: storageClass(t),
      };
      const newer = int(t, 'NewerNoncurrentVersions');
      if (newer !== undefined) out.newerNoncurrentVersions = newer;
      return out;
    });
  }
  const abort = child(r, 'AbortIncompleteMultipartUpload');
  if (abort) {
    only(abort, ['DaysAfterInitiation']);
    const days = int(abort, 'DaysAfterInitiation');
    if (days === undefined) throw s3Error('MalformedXML');
    rule.abortIncompleteMultipartUpload = { daysAfterInitiation: days };
  }
  return rule;
}

export async function parseLifecycleConfiguration(body: Buffer): Promise<LifecycleConfiguration> {
  const root = await parseXml(body, 'LifecycleConfiguration');
  only(root, ['Rule']);
  const rules = children(root, 'Rule');
  if (rules.length === 0) throw s3Error('MalformedXML');
  return { rules: rules.map(parseRule) };
}

const tagXml = (t: Tag): XmlObject => ({ Key: t.key, Value: t.value });

function filterXml(f: LifecycleFilter): XmlObject {
  if (f.and) {
    return {
      And: {
        Prefix: f.and.prefix,
        Tag: f.and.tags.map(tagXml),
        ObjectSizeGreaterThan: f.and.objectSizeGreaterThan,
        ObjectSizeLessThan: f.and.objectSizeLessThan,
      },
    };
  }
  return { Prefix: f.prefix, Tag: f.tag && tagXml(f.tag), ObjectSizeGreaterThan: f.objectSizeGreaterThan, ObjectSizeLessThan: f.objectSizeLessThan };
}

export function renderLifecycleConfiguration(cfg: LifecycleConfiguration): string {
  const body: XmlObject = {
    Rule: cfg.rules.map((r) => ({
      Expiration: r.expiration && { Date: r.expiration.date, Days: r.expiration.days, ExpiredObjectDeleteMarker: r.expiration.expiredObjectDeleteMarker },
      ID: r.id,
      Filter: r.filter && filterXml(r.filter),
      Prefix: r.prefix,
      Status: r.status,
      Transition: r.transitions?.map((t) => ({ Date: t.date, Days: t.days, StorageClass: t.storageClass })),
      NoncurrentVersionTransition: r.noncurrentVersionTransitions?.map((t) => ({
        NoncurrentDays: t.noncurrentDays,
        StorageClass: t.storageClass,
        NewerNoncurrentVersions: t.newerNoncurrentVersions,
      })),
      NoncurrentVersionExpiration: r.noncurrentVersionExpiration && {
        NoncurrentDays: r.noncurrentVersionExpiration.noncurrentDays,
        NewerNoncurrentVersions: r.noncurrentVersionExpiration.newerNoncurrentVersions,
      },
      AbortIncompleteMultipartUpload: r.abortIncompleteMultipartUpload && { DaysAfterInitiation: r.abortIncompleteMultipartUpload.daysAfterInitiation },
    })),
  };
  return buildXml('LifecycleConfiguration', body, { xmlns: true });
}
