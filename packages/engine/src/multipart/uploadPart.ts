/** UploadPart: a streamed part body, chunked into the upload's placement and committed as a P/ record. */
import { invalidRequest } from '../errors';
import type { Ctx } from '../context';
import { chunkBody } from '../chunks/chunker';
import { discardUnreferenced } from '../maintenance/gc';
import { requireBucket } from '../buckets/bucketRecord';
import { validateObjectKey } from '../objects/validation';
import { MAX_PART_SIZE, commitPart, requireUpload, validatePartNumber, type PartRecord, type UploadRecord } from './uploadRecords';
import type { BodyInput, ChecksumAlgorithm, PartInfo, UploadPartOptions } from '../types';

/** The algorithm a part is checksummed with: the upload's; a request naming another is refused. */
function partAlgorithm(u: UploadRecord, requested: ChecksumAlgorithm | undefined): ChecksumAlgorithm | undefined {
  if (requested && u.checksumAlgorithm && requested !== u.checksumAlgorithm) {
    throw invalidRequest(
      `Checksum Type mismatch occurred, expected checksum Type: ${u.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${requested.toLowerCase()}`,
    );
  }
  return u.checksumAlgorithm ?? requested;
}

export async function uploadPart(
  ctx: Ctx,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  body: BodyInput,
  opts: UploadPartOptions = {},
): Promise<PartInfo> {
  validateObjectKey(key);
  validatePartNumber(partNumber);
  const b = await requireBucket(ctx, bucket);
  const u = await requireUpload(ctx, b.id, key, uploadId);
  const algorithm = partAlgorithm(u, opts.checksumAlgorithm);

  // No inlineMax: a part is always chunks, so the object's chunk list is a plain concatenation.
  // Parts go straight to the placement of the upload's storage class.
  const placement = ctx.placements.forClass(u.storageClass);
  const store = ctx.placements.store(placement);
  const data = await chunkBody(body, {
    chunkSize: ctx.options.chunkSize,
    store,
    contentLength: opts.contentLength,
    maxSize: MAX_PART_SIZE,
    checksumAlgorithm: algorithm,
    discard: (hashes) => discardUnreferenced(ctx, placement, hashes),
    transferBody: opts.transferBody,
  });
  if (placement !== undefined) for (const c of data.chunks) c.placement = placement;
  let committed = false;
  try {
    if (opts.verify) await opts.verify(data.digests);
    const d = data.digests;
    const rec: PartRecord = { size: d.size, etag: d.md5.toString('hex'), lastModified: 0 };
    // A checksum of another algorithm than the upload's (upload without one) was only verified.
    if (d.checksum && u.checksumAlgorithm) rec.checksum = d.checksum.value.toString('base64');
    const part = await commitPart(ctx, bucket, b.id, key, uploadId, partNumber, rec, data.chunks);
    committed = true;
    return part;
  } finally {
    store.pins.unpinAll(data.pinned);
    if (!committed) await discardUnreferenced(ctx, placement, data.pinned);
  }
}
