/**
 * ListObjectsV2 (GET /bucket?list-type=2): prefix, delimiter, continuation-token, start-after,
 * fetch-owner, max-keys, encoding-type=url; KeyCount.
 *
 * The continuation token is opaque to clients: base64 of a version tag and the engine's
 * nextStartAfter (the last key or common prefix returned). A token that does not decode is
 * InvalidArgument. When a token is given it wins over start-after (which is still echoed).
 */
import type { Handler } from '../../context';
import { xmlResponse } from '../../context';
import { invalidArgument } from '../../errors';
import { renderListBucketResultV2 } from '../../xml/listBucketResult';
import { listEntries, parseListingQuery, parseMaxKeys } from './listingParams';

const TOKEN_TAG = 'cairn1:';

export function encodeContinuationToken(startAfter: string): string {
  return Buffer.from(TOKEN_TAG + startAfter, 'utf8').toString('base64');
}

export function decodeContinuationToken(token: string): string {
  const bad = () => invalidArgument('The continuation token provided is incorrect', 'continuation-token');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw bad();
  const text = Buffer.from(token, 'base64').toString('utf8');
  if (!text.startsWith(TOKEN_TAG)) throw bad();
  return text.slice(TOKEN_TAG.length);
}

export const listObjectsV2: Handler = async (c) => {
  const maxKeys = parseMaxKeys(c.query.get('max-keys'));
  const { prefix, delimiter, encodingType, enc } = parseListingQuery(c);
  const token = c.query.get('continuation-token');
  const startAfterParam = c.query.get('start-after');
  const fetchOwner = (c.query.get('fetch-owner') ?? '').toLowerCase() === 'true';

  let startAfter: string | undefined;
  if (token !== null) {
    if (token === '') throw invalidArgument('The continuation token provided is incorrect', 'continuation-token');
    startAfter = decodeContinuationToken(token.replace(/ /g, '+')); // a '+' sent unencoded arrives as a space
  } else if (startAfterParam) {
    startAfter = startAfterParam;
  }

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
      continuationToken: token ?? undefined,
      nextContinuationToken: page.isTruncated && page.nextStartAfter !== undefined ? encodeContinuationToken(page.nextStartAfter) : undefined,
      startAfter: startAfterParam ? enc(startAfterParam) : undefined,
      contents: await listEntries(c.engine, page.objects, enc, fetchOwner),
      commonPrefixes: page.commonPrefixes.map(enc),
    }),
  );
};
