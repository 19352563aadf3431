/** Request parameters shared by the listings (objects v1 / v2, versions, uploads), and the owner lookup for Contents. */
import type { EngineApi, ObjectMeta } from '@cairn/engine';
import type { S3Context } from '../../context';
import { invalidArgument } from '../../errors';
import { encoderFor } from '../../http/urlEncoding';
import { ownerNames } from '../multipart/multipartParams';
import type { ListEntry } from '../../xml/listBucketResult';

export const MAX_KEYS_LIMIT = 1000;

/** max-keys: default 1000, clamped to 1000; not a non-negative integer → InvalidArgument. */
export function parseMaxKeys(v: string | null): number {
  if (v === null || v === '') return MAX_KEYS_LIMIT;
  if (!/^\d+$/.test(v.trim())) {
    throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', v);
  }
  const n = Number(v.trim());
  if (!Number.isSafeInteger(n) || n > 2147483647) {
    throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', v);
  }
  return Math.min(n, MAX_KEYS_LIMIT);
}

export function parseEncodingType(v: string | null): 'url' | undefined {
  if (v === null || v === '') return undefined;
  if (v.toLowerCase() !== 'url') {
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', v);
  }
  return 'url';
}

/** '' means "no delimiter". */
export function parseDelimiter(v: string | null): string | undefined {
  return v === null || v === '' ? undefined : v;
}

export interface ListingQuery {
  prefix: string;
  delimiter: string | undefined;
  encodingType: 'url' | undefined;
  /** Applies encoding-type to a name in the response. */
  enc: (s: string) => string;
}

/** prefix, delimiter and encoding-type, read alike by every listing. */
export function parseListingQuery(c: S3Context): ListingQuery {
  const encodingType = parseEncodingType(c.query.get('encoding-type'));
  return { prefix: c.query.get('prefix') ?? '', delimiter: parseDelimiter(c.query.get('delimiter')), encodingType, enc: encoderFor(encodingType) };
}

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
