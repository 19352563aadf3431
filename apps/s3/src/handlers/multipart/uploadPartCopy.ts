/**
 * UploadPartCopy (PUT /bucket/key?partNumber=N&uploadId=U with x-amz-copy-source): a part made
 * of (a byte range of) an existing object, sharing its chunks (engine: only the chunks a range
 * boundary cuts are rewritten). x-amz-copy-source-range is `bytes=first-last`, both required;
 * x-amz-copy-source-if-* conditions apply to the source. The caller must be allowed to read it.
 */
import type { Handler } from '../../context';
import type { UploadPartParams } from '../../params/objectParams';
import { header, xmlResponse } from '../../context';
import { authorizeRequest } from '../../authz/authzRequest';
import { invalidArgument } from '../../errors';
import { readConditions } from '../../http/conditions';
import { versionIdHeader } from '../../http/versionHeaders';
import { renderCopyPartResult } from '../../xml/copyPartResult';
import { parseCopySource } from '../object/copyObject';

export function parseCopySourceRange(v: string | undefined): { start: number; end: number } | undefined {
  if (v === undefined) return undefined;
  // Only the syntax is checked here; the engine refuses ranges outside the source (or reversed) with the source's size.
  const m = /^bytes=(\d+)-(\d+)$/.exec(v.trim());
  const start = m ? Number(m[1]) : NaN;
  const end = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(start) || !Number.isSafeInteger(end)) {
    throw invalidArgument(
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      'x-amz-copy-source-range',
      v,
    );
  }
  return { start, end };
}

export const uploadPartCopy: Handler<UploadPartParams> = async (c, p) => {
  const { uploadId, partNumber } = p;
  const src = parseCopySource(header(c, 'x-amz-copy-source')!);
  const range = parseCopySourceRange(header(c, 'x-amz-copy-source-range'));
  const srcBucket = src.bucket === c.bucket!.name ? c.bucket! : await c.engine.getBucket(src.bucket);
  await authorizeRequest(c.engine, c, { operation: 'GetObject', bucket: srcBucket, key: src.key, versionId: src.versionId });

  const part = await c.engine.uploadPartCopy(src.bucket, src.key, c.bucket!.name, c.key!, uploadId, partNumber, {
    srcVersionId: src.versionId,
    range,
    sourceConditions: readConditions(c.headers, 'x-amz-copy-source-'),
  });
  c.log.copySource = `${src.bucket}/${src.key}`;
  c.log.bytes = part.size;
  return xmlResponse(renderCopyPartResult({ etag: part.etag, lastModified: part.lastModified, checksum: part.checksum }), 200, {
    // The engine leaves out the "null" version id; S3 (and CopyObject) name it once the source bucket has versioning configured.
    'x-amz-copy-source-version-id': versionIdHeader(srcBucket, part.copySourceVersionId ?? 'null'),
  });
};
