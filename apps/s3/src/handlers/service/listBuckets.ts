/** ListBuckets (GET /): the caller's buckets, with max-buckets / continuation-token / prefix paging. */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { invalidArgument } from '../../errors';
import { renderListAllMyBucketsResult } from '../../xml/listAllMyBucketsResult';
import { ownerNames } from '../multipart/multipartParams';

export const MAX_BUCKETS_LIMIT = 10000;

export const listBuckets: Handler = async (c) => {
  const userId = c.principal!.userId;
  const prefix = c.query.get('prefix') ?? undefined;
  const token = c.query.get('continuation-token') ?? undefined;
  const maxRaw = c.query.get('max-buckets');
  let maxBuckets: number | undefined;
  if (maxRaw !== null) {
    if (!/^\d+$/.test(maxRaw) || Number(maxRaw) < 1 || Number(maxRaw) > MAX_BUCKETS_LIMIT) {
      throw invalidArgument(`Argument max-buckets must be an integer between 1 and ${MAX_BUCKETS_LIMIT}`, 'max-buckets', maxRaw);
    }
    maxBuckets = Number(maxRaw);
  }
  if (token === '') throw invalidArgument('The continuation token provided is incorrect', 'continuation-token');
  const regionFilter = c.query.get('bucket-region') ?? undefined;
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
