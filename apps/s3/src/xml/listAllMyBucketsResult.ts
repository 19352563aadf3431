/** `<ListAllMyBucketsResult>`: ListBuckets response. */
import { buildXml } from './codec';

export interface ListAllMyBucketsDoc {
  owner: { id: string; displayName: string };
  buckets: { name: string; creationDate: Date; region?: string }[];
  continuationToken?: string;
  prefix?: string;
}

export function renderListAllMyBucketsResult(d: ListAllMyBucketsDoc): string {
  return buildXml(
    'ListAllMyBucketsResult',
    {
      Owner: { ID: d.owner.id, DisplayName: d.owner.displayName },
      Buckets: { Bucket: d.buckets.map((b) => ({ Name: b.name, CreationDate: b.creationDate, BucketRegion: b.region })) },
      ContinuationToken: d.continuationToken,
      Prefix: d.prefix,
    },
    { xmlns: true },
  );
}
