/**
 * ListObjectsV2 (GET /bucket?list-type=2): prefix, delimiter, continuation-token, start-after,
 * fetch-owner, max-keys, encoding-type=url; KeyCount. The token (params/continuationToken.ts)
 * wins over start-after (which is still echoed).
 */
import type { Handler } from '../../context';
import type { ListObjectsV2Params } from '../../params/listingParams';
import { encodeContinuationToken } from '../../params/continuationToken';
import { xmlResponse } from '../../context';
import { renderListBucketResultV2 } from '../../xml/listBucketResult';
import { listEntries } from './listEntries';

export const listObjectsV2: Handler<ListObjectsV2Params> = async (c, p) => {
  const { maxKeys, prefix, delimiter, encodingType, enc, startAfter, startAfterParam, fetchOwner } = p;
  const page = await c.engine.listObjects(c.bucket!.name, { prefix: prefix || undefined, delimiter, startAfter, maxKeys });
  c.log.keys = page.objects.length;
  return xmlResponse(
    renderListBucketResultV2({
      name: c.bucket!.name,
      prefix: enc(prefix),
      delimiter: delimiter === undefined ? undefined : enc(delimiter),
      maxKeys,
      keyCount: page.objects.length + page.commonPrefixes.length,
      isTruncated: page.isTruncated,
      encodingType,
      continuationToken: p.continuationToken,
      nextContinuationToken: page.isTruncated && page.nextStartAfter !== undefined ? encodeContinuationToken(page.nextStartAfter) : undefined,
      startAfter: startAfterParam ? enc(startAfterParam) : undefined,
      contents: await listEntries(c.engine, page.objects, enc, fetchOwner),
      commonPrefixes: page.commonPrefixes.map(enc),
    }),
  );
};
