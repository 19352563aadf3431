/**
 * ListObjects v1 (GET /bucket): prefix, delimiter, marker, max-keys, encoding-type=url (which
 * encodes Delimiter, Marker, NextMarker, Key and CommonPrefixes, but not the top-level Prefix).
 * NextMarker is returned only when a delimiter was given and the listing is truncated (S3's
 * rule; without a delimiter clients continue from the last key).
 */
import type { Handler } from '../../context';
import type { ListObjectsParams } from '../../params/listingParams';
import { xmlResponse } from '../../context';
import { renderListBucketResultV1 } from '../../xml/listBucketResult';
import { listEntries } from './listEntries';

export const listObjects: Handler<ListObjectsParams> = async (c, p) => {
  const { marker, maxKeys, prefix, delimiter, encodingType, enc } = p;

  const page = await c.engine.listObjects(c.bucket!.name, {
    prefix: prefix || undefined,
    delimiter,
    startAfter: marker || undefined,
    maxKeys,
  });
  c.log.keys = page.objects.length;
  return xmlResponse(
    renderListBucketResultV1({
      name: c.bucket!.name,
      // S3 returns v1's top-level Prefix as sent, even under encoding-type=url (botocore does not decode it).
      prefix,
      marker: enc(marker),
      nextMarker: page.isTruncated && delimiter !== undefined && page.nextStartAfter !== undefined ? enc(page.nextStartAfter) : undefined,
      maxKeys,
      delimiter: delimiter === undefined ? undefined : enc(delimiter),
      isTruncated: page.isTruncated,
      encodingType,
      contents: await listEntries(c.engine, page.objects, enc, true),
      commonPrefixes: page.commonPrefixes.map(enc),
    }),
  );
};
