/**
 * CompleteMultipartUpload: metadata-only. The object's chunk list is the chosen parts' lists
 * concatenated; it is committed through objects.ts stageReplace as a PUT is (uploadRecords.ts
 * explains the reference accounting).
 */
import { createHash } from 'node:crypto';
import { S3Error, invalidArgument, invalidRequest, noSuchUpload } from '../errors';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { combineCrc, createChecksum, CHECKSUM_LENGTHS } from '../chunks/checksums';
import { evaluateWriteConditions } from '../objects/conditions';
import { recheckBucket, requireBucket } from '../buckets/bucketRecord';
import { readRecord, stageReplace } from '../objects/objects';
import { applyLock } from '../lock/lockRules';
import { loadChunks, toMeta, type ObjectRecord } from '../meta/records';
import { validateObjectKey } from '../objects/validation';
import {
  MAX_MULTIPART_OBJECT_SIZE,
  MIN_PART_NUMBER,
  MIN_PART_SIZE,
  defaultChecksumType,
  readParts,
  readUpload,
  stageDropPart,
  type PartRecord,
} from './uploadRecords';
import type { ChecksumAlgorithm, ChecksumType, ChunkRef, CompletedPart, CompleteMultipartUploadOptions, ObjectMeta } from '../types';

function invalidPart(uploadId: string, p: CompletedPart): S3Error {
  return new S3Error(
    'InvalidPart',
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
    { UploadId: uploadId, PartNumber: String(p.partNumber), ETag: p.etag },
  );
}

/** The ETag a completion with these parts produces: MD5 of the binary part MD5s, "-<count>" (undefined: not all are MD5s). */
function multipartEtag(partEtags: string[]): string | undefined {
  const h = createHash('md5');
  for (const e of partEtags) {
    if (!/^[0-9a-f]{32}$/i.test(e)) return undefined;
    h.update(Buffer.from(e, 'hex'));
  }
  return `${h.digest('hex')}-${partEtags.length}`;
}

function unquote(etag: string): string {
  let t = etag.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = t.slice(1, -1);
  return t;
}

/** The multipart checksum S3 defines: composite = checksum of the concatenated part checksums; full object = CRC combination. */
function multipartChecksum(alg: ChecksumAlgorithm, type: ChecksumType, parts: { checksum: Buffer; size: number }[]): Buffer {
  if (type === 'COMPOSITE') {
    const h = createChecksum(alg);
    for (const p of parts) h.update(p.checksum);
    return h.digest();
  }
  let acc = createChecksum(alg).digest(); // checksum of the empty string
  for (const p of parts) acc = combineCrc(alg, acc, p.checksum, p.size);
  return acc;
}

export async function completeMultipartUpload(
  ctx: Ctx,
  bucket: string,
  key: string,
  uploadId: string,
  list: CompletedPart[],
  opts: CompleteMultipartUploadOptions = {},
): Promise<ObjectMeta> {
  validateObjectKey(key);
  if (!Array.isArray(list) || list.length === 0) {
    throw invalidRequest('You must specify at least one part');
  }
  for (const p of list) {
    if (!Number.isInteger(p.partNumber) || p.partNumber < MIN_PART_NUMBER) {
      throw invalidArgument('PartNumber must be >= 1', 'PartNumber', String(p.partNumber));
    }
  }
  const outOfOrder = (): S3Error =>
    new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', { UploadId: uploadId });
  for (let i = 1; i < list.length; i++) if (!(list[i].partNumber > list[i - 1].partNumber)) throw outOfOrder();
  const b = await requireBucket(ctx, bucket);

  return ctx.committer.run(async (tx) => {
    await recheckBucket(ctx, bucket, b.id);
    const u = await readUpload(ctx, b.id, key, uploadId);
    if (!u) {
      // A retried Complete whose first answer was lost: S3 answers it again while the object it made is current.
      const cur = await readRecord(ctx, b.id, key);
      const again = multipartEtag(list.map((p) => unquote(p.etag)));
      if (cur && !(cur as { deleteMarker?: boolean }).deleteMarker && again !== undefined && cur.etag === again.toLowerCase()) return toMeta(bucket, key, cur);
      throw noSuchUpload(uploadId);
    }
    const stored = await readParts(ctx, uploadId);
    const alg = u.checksumAlgorithm;
    // With a checksum algorithm S3 wants the parts numbered 1..n without gaps.
    if (alg)
      list.forEach((p, i) => {
        if (p.partNumber !== i + 1) throw outOfOrder();
      });

    // Every named part is checked before any size (S3 reports a missing part as InvalidPart even
    // when an earlier one is also too small).
    const chosen: { n: number; p: PartRecord }[] = [];
    list.forEach((want) => {
      const p = stored.get(want.partNumber);
      if (!p || unquote(want.etag) !== p.etag) throw invalidPart(uploadId, want);
      // Each part's checksum must be named when the upload has an algorithm (without one there is nothing to hold them to).
      if (alg && want.checksum === undefined) {
        throw invalidRequest(
          `The upload was created using a ${alg.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${want.partNumber} in the request.`,
        );
      }
      if (alg && want.checksum !== undefined && (!p.checksum || want.checksum.trim() !== p.checksum)) throw invalidPart(uploadId, want);
      chosen.push({ n: want.partNumber, p });
    });
    chosen.forEach(({ n, p }, i) => {
      if (i < chosen.length - 1 && p.size < MIN_PART_SIZE) {
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
          ProposedSize: String(p.size),
          MinSizeAllowed: String(MIN_PART_SIZE),
          PartNumber: String(n),
          ETag: p.etag,
        });
      }
    });
    const size = chosen.reduce((s, c) => s + c.p.size, 0);
    if (size > MAX_MULTIPART_OBJECT_SIZE) {
      throw new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        ProposedSize: String(size),
        MaxSizeAllowed: String(MAX_MULTIPART_OBJECT_SIZE),
      });
    }
    if (opts.expectedSize !== undefined && opts.expectedSize !== size) {
      throw invalidRequest("The provided 'x-amz-mp-object-size' header does not match what was computed");
    }

    const old = await readRecord(ctx, b.id, key);
    const live = old && !(old as { deleteMarker?: boolean }).deleteMarker ? old : undefined;
    evaluateWriteConditions(live && { etag: live.etag, lastModified: new Date(live.lastModified) }, opts.conditions, key);

    // ETag: MD5 of the concatenated binary part MD5s, "-<count>".
    const etagHash = createHash('md5');
    for (const c of chosen) etagHash.update(Buffer.from(c.p.etag, 'hex'));
    const rec: ObjectRecord = {
      size,
      etag: `${etagHash.digest('hex')}-${chosen.length}`,
      // S3 dates a multipart object by the upload's initiation, not its completion.
      lastModified: u.initiated,
      owner: u.owner,
      versionId: 'null',
      partSizes: chosen.map((c) => c.p.size),
    };
    if (u.storageClass) rec.storageClass = u.storageClass;
    if (u.userMetadata) rec.userMetadata = { ...u.userMetadata };
    if (u.headers) rec.headers = { ...u.headers };
    if (u.acl) rec.acl = u.acl;
    if (u.tags?.length) rec.tags = u.tags.map(([k, v]) => [k, v]);
    if (u.lock) {
      applyLock(
        undefined,
        rec,
        {
          ...(u.lock.mode && u.lock.until !== undefined ? { retention: { mode: u.lock.mode, retainUntil: new Date(u.lock.until) } } : {}),
          ...(u.lock.legalHold !== undefined ? { legalHold: u.lock.legalHold } : {}),
        },
        tx.now,
      );
    }

    const type = alg ? (u.checksumType ?? defaultChecksumType(alg)) : undefined;
    if (opts.expectedChecksum && opts.expectedChecksum.algorithm !== alg) {
      throw invalidRequest(
        `Checksum Type mismatch occurred, expected checksum Type: ${alg?.toLowerCase() ?? 'null'}, actual checksum Type: ${opts.expectedChecksum.algorithm.toLowerCase()}`,
      );
    }
    if (opts.checksumType !== undefined && opts.checksumType !== type) {
      throw new S3Error(
        'BadDigest',
        type
          ? `The upload was created using the ${type} checksum mode. The complete request must use the same checksum mode.`
          : 'The upload was created without a checksum algorithm, so the complete request cannot name a checksum mode.',
      );
    }
    if (alg && type) {
      const partSums = chosen.map((c) => ({ checksum: Buffer.from(c.p.checksum ?? '', 'base64'), size: c.p.size }));
      if (partSums.some((s) => s.checksum.length !== CHECKSUM_LENGTHS[alg])) {
        throw invalidRequest(`A part of this upload has no ${alg} checksum.`);
      }
      rec.checksum = { algorithm: alg, value: multipartChecksum(alg, type, partSums).toString('base64'), type };
      // Each part's checksum: a partNumber read of a composite object reports it (S3 does), and
      // GetObjectAttributes lists it for either type.
      rec.partChecksums = chosen.map((c) => c.p.checksum!);
    }
    if (opts.expectedChecksum) {
      const want = opts.expectedChecksum.value.trim().replace(/-\d+$/, '');
      if (!rec.checksum || rec.checksum.algorithm !== opts.expectedChecksum.algorithm || rec.checksum.value !== want) {
        throw new S3Error('BadDigest', `The ${opts.expectedChecksum.algorithm} you specified did not match the calculated checksum.`);
      }
    }

    // The object's chunk list: the chosen parts' lists, concatenated (no byte is copied).
    const chunks: ChunkRef[] = [];
    for (const c of chosen)
      for (const ch of await loadChunks(ctx.db, c.p))
        chunks.push(ch.placement === undefined ? { hash: ch.hash, size: ch.size } : { hash: ch.hash, size: ch.size, placement: ch.placement });
    // Every part (chosen or not) gives back its references; the object takes its own below.
    for (const [n, p] of stored) await stageDropPart(ctx, tx, uploadId, n, p);
    tx.del(keys.uploadKey(b.id, key, uploadId));
    await stageReplace(ctx, tx, b.id, key, old, rec, { chunks }, 'ObjectCreated:CompleteMultipartUpload');
    return toMeta(bucket, key, rec);
  });
}
