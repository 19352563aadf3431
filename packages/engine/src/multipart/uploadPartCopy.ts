/** UploadPartCopy: a part made of (a range of) an existing object, committed as a P/ record. */
import { createHash } from 'node:crypto';
import { S3Error, internalError, invalidArgument, invalidRequest } from '../errors';
import type { Ctx } from '../context';
import { discardUnreferenced } from '../maintenance/gc';
import { createChecksum, type Hasher } from '../chunks/checksums';
import { evaluateCopySourceConditions } from '../objects/conditions';
import { requireBucket } from '../buckets/bucketRecord';
import { requireVersion } from '../objects/objects';
import { loadChunks, loadInlineBody, type ObjectRecord, type PositionedChunk } from '../meta/records';
import { validateObjectKey } from '../objects/validation';
import { MAX_PART_SIZE, commitPart, requireUpload, validatePartNumber, type PartRecord } from './uploadRecords';
import type { ChunkRef, PartInfo, UploadPartCopyOptions } from '../types';

/**
 * UploadPartCopy: the part references the source chunks that lie wholly inside the range; only
 * the (at most two) chunks cut by a range boundary are read, sliced and written as new chunks.
 * The part's ETag is the MD5 of its bytes as in S3, so unless the copy is a whole single-part
 * object (whose ETag already is that MD5) the range is read once to hash it; never written.
 */
export async function uploadPartCopy(
  ctx: Ctx,
  srcBucket: string,
  srcKey: string,
  bucket: string,
  key: string,
  uploadId: string,
  partNumber: number,
  opts: UploadPartCopyOptions = {},
): Promise<PartInfo> {
  validateObjectKey(srcKey);
  validateObjectKey(key);
  validatePartNumber(partNumber);
  const sb = await requireBucket(ctx, srcBucket);
  const b = await requireBucket(ctx, bucket);
  const u = await requireUpload(ctx, b.id, key, uploadId);
  const algorithm = u.checksumAlgorithm;

  // Lease before reading the source record: GC then keeps every chunk it references until we
  // have committed our own references (see gc.ts), even if the source is deleted meanwhile.
  const release = ctx.leases.acquire(ctx.committer.seq);
  const pinned: string[] = [];
  let committed = false;
  // The part lives in the upload's placement: edge slices are written there, and whole source
  // chunks from another placement are copied there (same hash).
  const placement = ctx.placements.forClass(u.storageClass);
  const store = ctx.placements.store(placement);
  const inPlacement = (hash: string, size: number): ChunkRef => (placement === undefined ? { hash, size } : { hash, size, placement });
  try {
    const snapshot = ctx.db.snapshot();
    let src: ObjectRecord;
    let chunks: PositionedChunk[];
    let inline: Buffer | undefined;
    let range: { start: number; end: number } | undefined;
    try {
      // The latest version, or the one x-amz-copy-source names (?versionId=), as CopyObject reads it.
      src = await requireVersion(ctx, sb.id, srcKey, opts.srcVersionId, snapshot).catch((e: unknown) => {
        if (e instanceof S3Error && e.code === 'MethodNotAllowed') {
          throw invalidRequest('The source of a copy request may not specifically refer to a delete marker by version id.');
        }
        throw e;
      });
      evaluateCopySourceConditions({ etag: src.etag, lastModified: new Date(src.lastModified) }, opts.sourceConditions);
      if (opts.range) {
        const { start, end } = opts.range;
        if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
          throw invalidArgument(`Range specified is not valid for source object of size: ${src.size}`, 'x-amz-copy-source-range', `bytes=${start}-${end}`);
        }
        // A well-formed range reaching past the source is InvalidRange, as S3 answers.
        if (end >= src.size) {
          throw new S3Error('InvalidRange', `Range specified is not valid for source object of size: ${src.size}`, {
            RangeRequested: `bytes=${start}-${end}`,
            ActualObjectSize: String(src.size),
          });
        }
        range = { start, end };
      } else if (src.size > 0) range = { start: 0, end: src.size - 1 };
      const size = range ? range.end - range.start + 1 : 0;
      if (size > MAX_PART_SIZE) {
        throw invalidRequest(`The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_PART_SIZE}`);
      }
      inline = await loadInlineBody(ctx.db, src, snapshot);
      if (src.inline && !inline) throw internalError(`inline body of ${srcKey} is missing`);
      chunks = range && !src.inline ? await loadChunks(ctx.db, src, range, snapshot) : [];
    } finally {
      await snapshot?.close();
    }

    const wholeSource = !range || (range.start === 0 && range.end === src.size - 1);
    const md5Known = wholeSource && !src.etag.includes('-') && !src.inline;
    const checksumKnown = !algorithm || (wholeSource && src.checksum?.algorithm === algorithm && src.checksum.type === 'FULL_OBJECT');
    const md5 = createHash('md5');
    const checksum: Hasher | undefined = algorithm ? createChecksum(algorithm) : undefined;
    const mustRead = !md5Known || !checksumKnown;
    const out: ChunkRef[] = [];

    const writeSlice = async (data: Buffer): Promise<void> => {
      const hash = createHash('sha256').update(data).digest('hex');
      store.pins.pin(hash);
      pinned.push(hash);
      await store.put(hash, data);
      out.push(inPlacement(hash, data.length));
    };

    if (inline && range) {
      const slice = inline.subarray(range.start, range.end + 1);
      md5.update(slice);
      checksum?.update(slice);
      await writeSlice(Buffer.from(slice));
    } else if (range) {
      const load = (i: number): Promise<Buffer> | undefined => {
        if (i >= chunks.length) return undefined;
        const p = ctx.placements.store(chunks[i].placement).read(chunks[i].hash, chunks[i].size);
        p.catch(() => undefined);
        return p;
      };
      let next: Promise<Buffer> | undefined;
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i];
        const from = Math.max(range.start - c.offset, 0);
        const to = Math.min(range.end - c.offset + 1, c.size);
        const whole = from === 0 && to === c.size;
        const elsewhere = c.placement !== placement;
        if (!whole || mustRead || elsewhere) {
          const data = await (next ?? load(i)!);
          next = mustRead ? load(i + 1) : undefined;
          const slice = data.subarray(from, to);
          md5.update(slice);
          checksum?.update(slice);
          if (!whole || elsewhere) {
            await writeSlice(whole ? data : Buffer.from(slice));
            continue;
          }
        }
        out.push(inPlacement(c.hash, c.size));
      }
    }

    const size = range ? range.end - range.start + 1 : 0;
    // Only possible if the source's chunk list was read inconsistently (a db without snapshots).
    if (out.reduce((n, c) => n + c.size, 0) !== size) throw internalError(`the chunk list of ${srcKey} changed while it was being copied`);
    const rec: PartRecord = { size, etag: md5Known ? src.etag : md5.digest('hex'), lastModified: 0 };
    if (algorithm) rec.checksum = !mustRead && src.checksum ? src.checksum.value : checksum!.digest().toString('base64');
    const part = await commitPart(ctx, bucket, b.id, key, uploadId, partNumber, rec, out);
    committed = true;
    if (src.versionId !== 'null') part.copySourceVersionId = src.versionId;
    return part;
  } finally {
    store.pins.unpinAll(pinned);
    if (!committed) await discardUnreferenced(ctx, placement, pinned);
    release();
  }
}
