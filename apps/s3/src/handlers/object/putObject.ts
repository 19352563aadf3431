/**
 * PutObject (PUT /bucket/key): the body streams from the socket through auth's decoder
 * (aws-chunked, payload hash) into the engine; nothing is buffered whole.
 *
 * Before reading: Content-Length is required unless the body is aws-chunked or sent with
 * `Transfer-Encoding: chunked` (411 MissingContentLength); more than 5 GiB is EntityTooLarge
 * (declared: before reading; undeclared: while streaming, by the engine); Content-MD5 and checksum headers
 * are validated. After reading and before commit (the engine's verify hook): Content-MD5
 * (BadDigest) and x-amz-checksum-* from a header or a trailer (BadDigest) are compared with
 * what the engine computed. A client that disconnects mid-body fails the stream: no commit.
 */
import type { Handler } from '../../context';
import { header } from '../../context';
import { s3Error, invalidArgument } from '../../errors';
import { checksumResponseHeaders, parseIntegrity, verifyIntegrity } from '../../http/integrity';
import { writeConditions } from '../../http/conditions';
import { requestContentHeaders, requestStorageClass, requestUserMetadata } from '../../http/objectHeaders';
import { rejectUnsupportedObjectWriteHeaders } from '../../http/unsupportedHeaders';
import { openRequestBody } from '../../http/requestBody';
import { ANONYMOUS_OWNER, objectWriteAcl } from '../../http/aclRequest';
import { requestTags } from '../../http/taggingHeader';
import { requireIntegrityForLock, requestObjectLock } from '../../http/objectLockHeaders';
import { versionIdHeader } from '../../http/versionHeaders';
import { expirationHeaders } from '../../http/expirationHeader';

/** S3's single-PUT limit. */
export const MAX_PUT_SIZE = 5 * 1024 * 1024 * 1024;

export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const sha = headers['x-amz-content-sha256'];
  const enc = headers['content-encoding'];
  return (
    (typeof sha === 'string' && sha.startsWith('STREAMING-')) ||
    (typeof enc === 'string' && enc.split(',').some((t) => t.trim().toLowerCase() === 'aws-chunked'))
  );
}

/**
 * `Transfer-Encoding: chunked` without a Content-Length (curl -T -, streaming clients). S3 answers
 * 411; Cairn (like Ceph RGW) accepts it on PutObject / UploadPart and streams the body through
 * exactly like a sized one, with the 5 GiB limit enforced while reading.
 */
export function isHttpChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const te = headers['transfer-encoding'];
  return typeof te === 'string' && te.split(',').some((t) => t.trim().toLowerCase() === 'chunked');
}

/** The payload length the client declared, checked against S3's limits before any byte is read. */
export function declaredLength(c: Parameters<Handler>[0]): number | undefined {
  const contentLength = header(c, 'content-length');
  const chunked = isAwsChunked(c.headers);
  if (contentLength === undefined && !chunked && !isHttpChunked(c.headers)) throw s3Error('MissingContentLength');
  let length = c.auth.decodedContentLength;
  if (length === undefined && !chunked && contentLength !== undefined) length = Number(contentLength);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw invalidArgument('Invalid Content-Length', 'Content-Length');
  }
  if (length !== undefined && length > MAX_PUT_SIZE) {
    throw s3Error('EntityTooLarge', undefined, { ProposedSize: String(length), MaxSizeAllowed: String(MAX_PUT_SIZE) });
  }
  return length;
}

export const putObject: Handler = async (c) => {
  rejectUnsupportedObjectWriteHeaders(c.headers);
  const contentLength = declaredLength(c);
  const integrity = parseIntegrity(c.headers);
  const userMetadata = requestUserMetadata(c.headers);
  const storageClass = requestStorageClass(c.headers);
  const conditions = writeConditions(c.headers);
  const contentHeaders = requestContentHeaders(c.headers);
  const tags = requestTags(c.headers);
  const lock = requestObjectLock(c.headers);
  // A version that will carry a retention (its own, or the bucket's default) needs an integrity header.
  requireIntegrityForLock(c.headers, lock ?? (c.bucket?.objectLock?.defaultRetention ? {} : undefined));

  const { owner, acl } = await objectWriteAcl(c.engine, c.headers, c.bucket!.name, c.principal?.userId ?? ANONYMOUS_OWNER);

  const body = openRequestBody(c);
  const meta = await c.engine.putObject(c.bucket!.name, c.key!, body, {
    owner,
    acl,
    ...contentHeaders,
    userMetadata,
    storageClass,
    contentLength,
    checksumAlgorithm: integrity.algorithm,
    conditions,
    tags,
    lock,
    verify: (digests) => verifyIntegrity(integrity, digests, () => c.auth.trailers()),
    // Socket pieces (or whole-piece views the auth decoder passes on): nobody else holds them.
    transferBody: true,
  });
  c.log.bytes = meta.size;
  return {
    status: 200,
    headers: {
      ETag: `"${meta.etag}"`,
      ...checksumResponseHeaders(meta.checksum),
      'x-amz-version-id': versionIdHeader(c.bucket, meta.versionId),
      ...(await expirationHeaders(c, c.bucket!.name, meta, tags ?? [])),
    },
  };
};
