/**
 * What GetObject and HeadObject share: versionId, Range, partNumber and conditional headers in;
 * status and headers out (206 + Content-Range for ranges, checksums only for full-object reads
 * under x-amz-checksum-mode: ENABLED, response-* overrides for signed requests).
 */
import type { ByteRangeSpec, GetObjectOptions, ObjectMeta } from '@cairn/engine';
import { parseRange } from '@cairn/engine';
import type { S3Context } from '../../context';
import { header } from '../../context';
import { s3Error, invalidRequest } from '../../errors';
import { readConditions } from '../../http/conditions';
import { checksumHeaderName } from '../../http/integrity';
import { applyResponseOverrides, objectResponseHeaders } from '../../http/objectHeaders';
import { rejectUnsupportedObjectReadHeaders } from '../../http/unsupportedHeaders';
import { versionIdHeader } from '../../http/versionHeaders';
import type { ObjectReadParams } from '../../params/objectParams';
import { objectLockResponseHeaders } from '../../http/objectLockHeaders';

export interface ReadRequest {
  options: GetObjectOptions;
  partNumber?: number;
  checksumMode: boolean;
  /** response-* overrides (header → value); applying them to an anonymous request is InvalidRequest. */
  responseOverrides: Record<string, string>;
}

/** The operation's query parameters (params/objectParams.ts) with the request's Range, checksum mode and conditional headers. */
export function parseReadRequest(c: S3Context, p: ObjectReadParams): ReadRequest {
  rejectUnsupportedObjectReadHeaders(c.headers);
  const { versionId, partNumber } = p;
  const rangeHeader = header(c, 'range');
  let range: ByteRangeSpec | undefined;
  if (rangeHeader !== undefined) {
    if (partNumber !== undefined) throw invalidRequest('Cannot specify both Range header and partNumber query parameter');
    range = parseRange(rangeHeader);
  }
  const checksumMode = (header(c, 'x-amz-checksum-mode') ?? '').toUpperCase() === 'ENABLED';
  return { options: { versionId, range, conditions: readConditions(c.headers) }, partNumber, checksumMode, responseOverrides: p.responseOverrides };
}

/**
 * A partNumber read becomes a byte range over that part (a non-multipart object has one part).
 * Needs the object's part sizes, hence the extra metadata read.
 */
export async function resolvePartRange(c: S3Context, r: ReadRequest): Promise<{ partsCount: number } | undefined> {
  if (r.partNumber === undefined) return undefined;
  const { meta } = await c.engine.headObject(c.bucket!.name, c.key!, { versionId: r.options.versionId, conditions: r.options.conditions });
  const sizes = meta.partSizes ?? [meta.size];
  if (r.partNumber > sizes.length) {
    throw s3Error('InvalidPartNumber', 'The requested partnumber is not satisfiable', {
      PartNumberRequested: String(r.partNumber),
      ActualPartCount: String(sizes.length),
    });
  }
  let start = 0;
  for (let i = 0; i < r.partNumber - 1; i++) start += sizes[i];
  const len = sizes[r.partNumber - 1];
  if (len > 0) r.options.range = { kind: 'range', start, end: start + len - 1 };
  // Pin the read to the version we measured.
  r.options.conditions = { ...r.options.conditions, ifMatch: meta.etag };
  return { partsCount: sizes.length };
}

/**
 * Checksum headers of a partNumber read: a composite multipart object has each part's checksum;
 * an object of one part (single PUT, or a one-part full-object upload) has the object's. A part
 * of a multi-part FULL_OBJECT upload has none (S3 keeps only the whole object's).
 */
function partChecksumHeaders(meta: ObjectMeta, partNumber: number): Record<string, string> {
  const cs = meta.checksum;
  if (!cs) return {};
  const parts = meta.partSizes?.length ?? 1;
  if (cs.type === 'COMPOSITE' && meta.partChecksums?.[partNumber - 1]) {
    return { [checksumHeaderName(cs.algorithm)]: meta.partChecksums[partNumber - 1], 'x-amz-checksum-type': 'COMPOSITE' };
  }
  if (cs.type === 'FULL_OBJECT' && parts === 1) return { [checksumHeaderName(cs.algorithm)]: cs.value, 'x-amz-checksum-type': 'FULL_OBJECT' };
  return {};
}

export function readResponseHeaders(
  c: S3Context,
  meta: ObjectMeta,
  range: { start: number; end: number } | undefined,
  r: ReadRequest,
  part: { partsCount: number } | undefined,
): { status: number; headers: Record<string, string> } {
  const headers = objectResponseHeaders(meta, {
    range,
    includeChecksum: r.checksumMode && !range && part === undefined,
    partsCount: part && meta.partSizes ? part.partsCount : undefined,
  });
  if (r.checksumMode && part !== undefined && r.partNumber !== undefined) Object.assign(headers, partChecksumHeaders(meta, r.partNumber));
  const vid = versionIdHeader(c.bucket, meta.versionId);
  if (vid !== undefined) headers['x-amz-version-id'] = vid;
  if (meta.tagCount) headers['x-amz-tagging-count'] = String(meta.tagCount);
  Object.assign(headers, objectLockResponseHeaders(meta));
  applyResponseOverrides(headers, r.responseOverrides, c.principal !== null);
  return { status: range ? 206 : 200, headers };
}
