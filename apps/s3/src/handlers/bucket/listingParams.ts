/** Request parameters shared by ListObjects v1 and v2, and the owner lookup for Contents. */
import type { EngineApi, ObjectMeta } from '@cairn/engine';
import { s3Error } from '../../errors';
import type { ListEntry } from '../../xml/listBucketResult';

export const MAX_KEYS_LIMIT = 1000;

/** max-keys: default 1000, clamped to 1000; not a non-negative integer → InvalidArgument. */
export function parseMaxKeys(v: string | null): number {
  if (v === null || v === '') return MAX_KEYS_LIMIT;
  if (!/^\d+$/.test(v.trim())) {
    throw s3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: v });
  }
  const n = Number(v.trim());
  if (!Number.isSafeInteger(n) || n > 2147483647) {
    throw s3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: v });
  }
  return Math.min(n, MAX_KEYS_LIMIT);
}

export function parseEncodingType(v: string | null): 'url' | undefined {
  if (v === null || v === '') return undefined;
  if (v.toLowerCase() !== 'url') {
    throw s3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: v });
  }
  return 'url';
}

/** '' means "no delimiter". */
export function parseDelimiter(v: string | null): string | undefined {
  return v === null || v === '' ? undefined : v;
}

/** Contents entries; owners resolved once per distinct user when `withOwner`. */
export async function listEntries(
  engine: EngineApi,
  objects: ObjectMeta[],
  encode: (s: string) => string,
  withOwner: boolean,
): Promise<ListEntry[]> {
  const names = new Map<string, string>();
  if (withOwner) {
    for (const id of new Set(objects.map((o) => o.owner))) {
      const u = await engine.getUser(id).catch(() => undefined);
      names.set(id, u?.displayName ?? id);
    }
  }
  return objects.map((o) => ({
    key: encode(o.key),
    lastModified: o.lastModified,
    etag: o.etag,
    size: o.size,
    storageClass: o.storageClass ?? 'STANDARD',
    owner: withOwner ? { id: o.owner, displayName: names.get(o.owner) ?? o.owner } : undefined,
    checksumAlgorithm: o.checksum?.algorithm,
    checksumType: o.checksum?.type,
  }));
}
