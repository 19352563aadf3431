/**
 * `<ReplicationConfiguration>`: PutBucketReplication body and GetBucketReplication response.
 * The codec checks the document's shape (unknown or missing elements, bad numbers: MalformedXML);
 * the rules' semantics are the engine's (replication/config.ts) with S3's codes. Elements Cairn
 * does not act on (SourceSelectionCriteria, ExistingObjectReplication, Destination's
 * Account / AccessControlTranslation / EncryptionConfiguration / Metrics /
 * ReplicationTime) are accepted and not stored.
 */
import type { ReplicationConfiguration, ReplicationFilter, ReplicationRule } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, child, children, childText, parseXml, type XmlElement, type XmlObject } from './codec';

const localName = (k: string) => (k.includes(':') ? k.slice(k.indexOf(':') + 1) : k);

function only(el: XmlElement, allowed: string[]): void {
  for (const k of Object.keys(el)) {
    if (k === '_' || k === '$') continue;
    if (!allowed.includes(localName(k))) throw s3Error('MalformedXML');
  }
}

function tag(el: XmlElement): { key: string; value: string } {
  only(el, ['Key', 'Value']);
  const key = childText(el, 'Key');
  if (key === undefined) throw s3Error('MalformedXML');
  return { key, value: childText(el, 'Value') ?? '' };
}

function parseFilter(f: XmlElement): ReplicationFilter {
  only(f, ['Prefix', 'Tag', 'And']);
  const out: ReplicationFilter = {};
  const prefix = childText(f, 'Prefix');
  if (prefix !== undefined) out.prefix = prefix;
  const t = child(f, 'Tag');
  if (t) out.tag = tag(t);
  const and = child(f, 'And');
  if (and) {
    only(and, ['Prefix', 'Tag']);
    out.and = { tags: children(and, 'Tag').map(tag) };
    const p = childText(and, 'Prefix');
    if (p !== undefined) out.and.prefix = p;
  }
  return out;
}

function status(el: XmlElement | undefined): 'Enabled' | 'Disabled' {
  const s = childText(el, 'Status');
  if (s !== 'Enabled' && s !== 'Disabled') throw s3Error('MalformedXML');
  return s;
}

function parseRule(r: XmlElement): ReplicationRule {
  only(r, ['ID', 'Priority', 'Status', 'Prefix', 'Filter', 'DeleteMarkerReplication', 'Destination', 'SourceSelectionCriteria', 'ExistingObjectReplication']);
  const dest = child(r, 'Destination');
  if (!dest) throw s3Error('MalformedXML');
  only(dest, ['Bucket', 'StorageClass', 'Account', 'AccessControlTranslation', 'EncryptionConfiguration', 'Metrics', 'ReplicationTime']);
  const bucket = childText(dest, 'Bucket');
  if (bucket === undefined) throw s3Error('MalformedXML');
  const rule: ReplicationRule = { id: childText(r, 'ID') ?? '', status: status(r), destinationBucket: bucket.trim() };
  const sc = childText(dest, 'StorageClass');
  if (sc !== undefined) rule.storageClass = sc.trim();
  const pr = childText(r, 'Priority');
  if (pr !== undefined) {
    if (!/^\d{1,9}$/.test(pr.trim())) throw s3Error('MalformedXML');
    rule.priority = Number(pr.trim());
  }
  const prefix = childText(r, 'Prefix');
  if (prefix !== undefined) rule.prefix = prefix;
  const f = child(r, 'Filter');
  if (f) rule.filter = parseFilter(f);
  else if (Object.keys(r).some((k) => localName(k) === 'Filter')) rule.filter = {}; // <Filter/>: every key
  const dm = child(r, 'DeleteMarkerReplication');
  if (dm) {
    only(dm, ['Status']);
    rule.deleteMarkerReplication = status(dm);
  }
  return rule;
}

export async function parseReplicationConfiguration(body: Buffer): Promise<ReplicationConfiguration> {
  const root = await parseXml(body, 'ReplicationConfiguration');
  only(root, ['Role', 'Rule']);
  const rules = children(root, 'Rule').map(parseRule);
  return { role: childText(root, 'Role') ?? '', rules };
}

const tagXml = (t: { key: string; value: string }): XmlObject => ({ Key: t.key, Value: t.value });

function filterXml(f: ReplicationFilter): XmlObject {
  if (f.and) return { And: { Prefix: f.and.prefix, Tag: f.and.tags.map(tagXml) } };
  if (f.tag) return { Tag: tagXml(f.tag) };
  return { Prefix: f.prefix ?? '' };
}

export function renderReplicationConfiguration(cfg: ReplicationConfiguration): string {
  const body: XmlObject = {
    Role: cfg.role,
    Rule: cfg.rules.map((r) => ({
      ID: r.id,
      Priority: r.priority,
      Prefix: r.filter ? undefined : (r.prefix ?? ''),
      Filter: r.filter && filterXml(r.filter),
      Status: r.status,
      Destination: { Bucket: `arn:aws:s3:::${r.destinationBucket}`, StorageClass: r.storageClass },
      DeleteMarkerReplication: r.deleteMarkerReplication && { Status: r.deleteMarkerReplication },
    })),
  };
  return buildXml('ReplicationConfiguration', body, { xmlns: true });
}
