/**
 * CopyObject (PUT /bucket/key with x-amz-copy-source): metadata-only in the engine (the chunks
 * are shared, not copied).
 *
 * x-amz-copy-source is `/bucket/key` or `bucket/key`, URL-encoded, optionally followed by
 * `?versionId=...`; it is decoded exactly once. The caller must be allowed to read the source.
 * x-amz-metadata-directive COPY (default) | REPLACE; x-amz-copy-source-if-* conditions.
 * Copying an object onto itself without changing anything is InvalidRequest, as in S3.
 */
import type { Handler } from '../../context';
import { header, xmlResponse } from '../../context';
import { authorizeRequest } from '../../authz/authzRequest';
import { ANONYMOUS_OWNER, objectWriteAcl } from '../../http/aclRequest';
import { invalidArgument, invalidRequest } from '../../errors';
import { readConditions, writeConditions } from '../../http/conditions';
import { parseIntegrity } from '../../http/integrity';
import { requestContentHeaders, requestStorageClass, requestUserMetadata } from '../../http/objectHeaders';
import { rejectUnsupportedObjectWriteHeaders } from '../../http/unsupportedHeaders';
import { renderCopyObjectResult } from '../../xml/copyObjectResult';
import { requestTaggingDirective, requestTags } from '../../http/taggingHeader';
import { requestObjectLock } from '../../http/objectLockHeaders';
import { versionIdHeader } from '../../http/versionHeaders';
import { expirationHeaders } from '../../http/expirationHeader';

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

export function parseCopySource(value: string): CopySource {
  const invalid = () => invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', value);
  let raw = value.trim();
  let versionId: string | undefined;
  const q = raw.indexOf('?');
  if (q !== -1) {
    const params = new URLSearchParams(raw.slice(q + 1));
    const v = params.get('versionId');
    if (v === null || v === '') throw invalid();
    versionId = v;
    raw = raw.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw invalid();
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalid();
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), versionId };
}

export const copyObject: Handler = async (c) => {
  rejectUnsupportedObjectWriteHeaders(c.headers);
  const src = parseCopySource(header(c, 'x-amz-copy-source')!);
  const directiveRaw = header(c, 'x-amz-metadata-directive');
  if (directiveRaw !== undefined && directiveRaw !== 'COPY' && directiveRaw !== 'REPLACE') {
    throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directiveRaw);
  }
  const directive = directiveRaw ?? 'COPY';
  const storageClass = requestStorageClass(c.headers);
  const integrity = parseIntegrity(c.headers);
  const websiteRedirect = header(c, 'x-amz-website-redirect-location');
  const taggingDirective = requestTaggingDirective(c.headers);
  const tags = taggingDirective === 'REPLACE' ? (requestTags(c.headers) ?? []) : undefined;

  if (
    src.bucket === c.bucket!.name &&
    src.key === c.key &&
    src.versionId === undefined &&
    directive === 'COPY' &&
    storageClass === undefined &&
    websiteRedirect === undefined &&
    integrity.algorithm === undefined
  ) {
    throw invalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }

  // The caller must be allowed to read the source as well as write the destination.
  const srcBucket = src.bucket === c.bucket!.name ? c.bucket! : await c.engine.getBucket(src.bucket);
  await authorizeRequest(c.engine, c, { operation: 'GetObject', bucket: srcBucket, key: src.key, versionId: src.versionId });
  const { owner, acl } = await objectWriteAcl(c.engine, c.headers, c.bucket!.name, c.principal?.userId ?? ANONYMOUS_OWNER);

  const meta = await c.engine.copyObject(src.bucket, src.key, c.bucket!.name, c.key!, {
    owner,
    acl,
    srcVersionId: src.versionId,
    metadataDirective: directive,
    contentHeaders: directive === 'REPLACE' ? requestContentHeaders(c.headers) : undefined,
    userMetadata: directive === 'REPLACE' ? requestUserMetadata(c.headers) : undefined,
    storageClass,
    sourceConditions: readConditions(c.headers, 'x-amz-copy-source-'),
    conditions: writeConditions(c.headers),
    checksumAlgorithm: integrity.algorithm,
    taggingDirective,
    tags,
    lock: requestObjectLock(c.headers),
    websiteRedirectLocation: websiteRedirect,
  });
  c.log.copySource = `${src.bucket}/${src.key}`;
  return xmlResponse(
    renderCopyObjectResult({
      etag: meta.etag,
      lastModified: meta.lastModified,
      checksum: meta.checksum ? { algorithm: meta.checksum.algorithm, value: meta.checksum.value, type: meta.checksum.type } : undefined,
    }),
    200,
    {
      'x-amz-version-id': versionIdHeader(c.bucket, meta.versionId),
      'x-amz-copy-source-version-id': versionIdHeader(srcBucket, meta.sourceVersionId ?? src.versionId),
      ...(await expirationHeaders(c, c.bucket!.name, meta)),
    },
  );
};
