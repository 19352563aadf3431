/** `<Tagging>`: Put/GetObjectTagging and Put/GetBucketTagging bodies. */
import type { Tag } from '@cairn/engine';
import { s3Error } from '../errors';
import { buildXml, child, children, childText, parseXml } from './codec';

export async function parseTagging(body: Buffer): Promise<Tag[]> {
  const root = await parseXml(body, 'Tagging');
  const set = child(root, 'TagSet');
  if (!set) throw s3Error('MalformedXML');
  return children(set, 'Tag').map((t) => {
    const key = childText(t, 'Key');
    const value = childText(t, 'Value');
    if (key === undefined || value === undefined) throw s3Error('MalformedXML');
    return { key, value };
  });
}

export function renderTagging(tags: Tag[]): string {
  return buildXml('Tagging', { TagSet: { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } }, { xmlns: true });
}
