/** ListBuckets (GET /): the caller's buckets, with max-buckets / continuation-token / prefix paging. */
import type { Handler } from '../../context';
import type { ListBucketsParams } from '../../params/listingParams';
import { xmlResponse } from '../../context';
import { renderListAllMyBucketsResult } from '../../xml/listAllMyBucketsResult';
import { ownerNames } from '../multipart/multipartParams';

export const listBuckets: Handler<ListBucketsParams> = async (c, p) => {
  const userId = c.principal!.userId;
  const { prefix, continuationToken: token, maxBuckets, bucketRegion: regionFilter } = p;
  const [names, page] = await Promise.all([ownerNames(c.engine, [userId]), c.engine.listBuckets(userId, { prefix, maxBuckets, continuationToken: token })]);
  const buckets = regionFilter ? page.buckets.filter((b) => b.region === regionFilter) : page.buckets;
  c.log.buckets = buckets.length;
  return xmlResponse(
    renderListAllMyBucketsResult({
      owner: names.get(userId)!,
      buckets: buckets.map((b) => ({ name: b.name, creationDate: b.createdAt, region: b.region })),
      continuationToken: page.continuationToken,
      prefix,
    }),
  );
};
