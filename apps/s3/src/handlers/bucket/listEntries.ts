/** Contents entries of the object listings (v1 and v2), and the owner lookup they need. */
import type { EngineApi, ObjectMeta } from '@cairn/engine';
import { ownerNames } from '../multipart/multipartParams';
import type { ListEntry } from '../../xml/listBucketResult';

/** Contents entries; owners resolved once per distinct user when `withOwner`. */
export async function listEntries(engine: EngineApi, objects: ObjectMeta[], encode: (s: string) => string, withOwner: boolean): Promise<ListEntry[]> {
  const owners = withOwner
    ? await ownerNames(
        engine,
        objects.map((o) => o.owner),
      )
    : undefined;
  return objects.map((o) => ({
    key: encode(o.key),
    lastModified: o.lastModified,
    etag: o.etag,
    size: o.size,
    storageClass: o.storageClass ?? 'STANDARD',
    owner: owners?.get(o.owner),
    checksumAlgorithm: o.checksum?.algorithm,
    checksumType: o.checksum?.type,
  }));
}
