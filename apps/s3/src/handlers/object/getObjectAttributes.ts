/**
 * GetObjectAttributes (GET /bucket/key?attributes): what HeadObject and ListParts would tell,
 * in one document. `x-amz-object-attributes` names the wanted ones (ETag, Checksum, ObjectParts,
 * StorageClass, ObjectSize); `x-amz-max-parts` / `x-amz-part-number-marker` page the parts of a
 * multipart object; `versionId` picks a version. Last-Modified and x-amz-version-id come as
 * headers; a delete marker is the engine's 404 (or 405 by id) with x-amz-delete-marker.
 *
 * Permissions, as AWS documents them: s3:GetObjectAttributes AND s3:GetObject
 * (s3:GetObjectVersionAttributes and s3:GetObjectVersion with a versionId); the object ACL's READ
 * grants both. The dispatcher checks the first; this handler the second.
 */
import type { Handler } from '../../context';
import type { VersionParams } from '../../params/objectParams';
import { header, xmlResponse } from '../../context';
import { authorizeRequest } from '../../authz/authzRequest';
import { invalidArgument, invalidRequest } from '../../errors';
import { httpDate } from '../../http/dates';
import { rejectUnsupportedObjectReadHeaders } from '../../http/unsupportedHeaders';
import { versionIdHeader } from '../../http/versionHeaders';
import { renderGetObjectAttributesOutput, type ObjectAttributesDoc } from '../../xml/getObjectAttributesOutput';
import { displayChecksum } from '../multipart/multipartParams';

const ATTRIBUTES = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
type Attribute = (typeof ATTRIBUTES)[number];

const MAX_PARTS_LIMIT = 1000;

function requestedAttributes(value: string | undefined): Set<Attribute> {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) throw invalidRequest('The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty');
  const out = new Set<Attribute>();
  for (const n of names) {
    const known = ATTRIBUTES.find((a) => a.toLowerCase() === n.toLowerCase());
    if (!known) throw invalidArgument('Invalid attribute name specified.', 'x-amz-object-attributes', n);
    out.add(known);
  }
  return out;
}

/** x-amz-max-parts / x-amz-part-number-marker: a non-negative integer, else InvalidArgument. */
function intHeader(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 2147483647) {
    throw invalidArgument(`Argument ${name} must be an integer between 0 and 2147483647`, name, value);
  }
  return n;
}

export const getObjectAttributes: Handler<VersionParams> = async (c, p) => {
  rejectUnsupportedObjectReadHeaders(c.headers);
  const wanted = requestedAttributes(header(c, 'x-amz-object-attributes'));
  const maxParts = Math.min(intHeader(header(c, 'x-amz-max-parts'), 'x-amz-max-parts') ?? MAX_PARTS_LIMIT, MAX_PARTS_LIMIT);
  const marker = intHeader(header(c, 'x-amz-part-number-marker'), 'x-amz-part-number-marker') ?? 0;
  const { versionId } = p;
  await authorizeRequest(c.engine, c, { operation: 'GetObject', bucket: c.bucket!, key: c.key!, versionId });

  const { meta } = await c.engine.headObject(c.bucket!.name, c.key!, { versionId });
  const doc: ObjectAttributesDoc = {};
  if (wanted.has('ETag')) doc.etag = meta.etag;
  if (wanted.has('Checksum') && meta.checksum) {
    doc.checksum = { algorithm: meta.checksum.algorithm, value: displayChecksum(meta.checksum, meta.partSizes?.length), type: meta.checksum.type };
  }
  // Only multipart objects have parts; their list is given only when the object has a checksum (S3's rule).
  if (wanted.has('ObjectParts') && meta.partSizes) {
    const all = meta.partSizes.map((size, i) => ({ partNumber: i + 1, size, checksum: meta.partChecksums?.[i] }));
    const after = meta.checksum ? all.filter((p) => p.partNumber > marker) : [];
    const page = after.slice(0, maxParts);
    doc.objectParts = {
      partsCount: all.length,
      partNumberMarker: marker,
      nextPartNumberMarker: page.length ? page[page.length - 1].partNumber : undefined,
      maxParts,
      isTruncated: after.length > page.length,
      parts: page.map((p) => ({
        partNumber: p.partNumber,
        size: p.size,
        checksum: p.checksum && meta.checksum ? { algorithm: meta.checksum.algorithm, value: p.checksum } : undefined,
      })),
    };
  }
  if (wanted.has('StorageClass')) doc.storageClass = meta.storageClass ?? 'STANDARD';
  if (wanted.has('ObjectSize')) doc.objectSize = meta.size;
  return xmlResponse(renderGetObjectAttributesOutput(doc), 200, {
    'Last-Modified': httpDate(meta.lastModified),
    'x-amz-version-id': versionIdHeader(c.bucket, meta.versionId),
  });
};
