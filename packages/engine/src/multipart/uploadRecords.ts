/**
 * Multipart uploads: the records and the helpers every multipart operation shares (createUpload,
 * uploadPart, uploadPartCopy, listParts, completeUpload, abortUpload, listUploads; bucket deletion
 * and lifecycle drop uploads through stageDropUpload / stageDropAllUploads). Key spaces (keys.ts):
 * M/<bucketId>\0<key>\0<uploadId> holds the upload record, P/<uploadId>\0<partNo> one record per part.
 *
 * A part is stored like an object body: chunks in the chunk store, its chunk list in the part
 * record (or D/ segments), and ONE reference per chunk held by the part record. So:
 * - re-uploading a part number swaps the record and moves the references in one batch;
 * - abort drops every part record and its references in one batch;
 * - complete is metadata-only: the object's chunk list is the concatenation of the chosen parts'
 *   lists; the object takes its references and the parts give theirs back in the same batch
 *   (refcounts of the chosen chunks don't even change), through the same commit function
 *   putObject uses (objects.ts stageReplace), so whatever applies to a PUT applies here too.
 */
import { pooledRandom } from '../meta/randomPool';
import { invalidArgument, noSuchUpload } from '../errors';
import type { Txn } from '../meta/commit';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import type { Acl } from '../acl';
import { recheckBucket } from '../buckets/bucketRecord';
import { loadChunks, stageChunkList, stageDropChunkList } from '../meta/records';
import type { ChecksumAlgorithm, ChecksumType, ChunkRef, ContentHeaders, MultipartUploadInfo, PartInfo, StorageClass, ObjectLockMode } from '../types';

export const MIN_PART_NUMBER = 1;
export const MAX_PART_NUMBER = 10000;
/** S3's limits: a part is at most 5 GiB; every part but the last at least 5 MiB; objects at most 5 TiB. */
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MIN_PART_SIZE = 5 * 1024 ** 2;
export const MAX_MULTIPART_OBJECT_SIZE = 5 * 1024 ** 4;
export const MAX_PARTS_PER_LIST = 1000;

/** Value of M/<bucketId>\0<key>\0<uploadId>. */
export interface UploadRecord {
  initiated: number;
  owner: string;
  storageClass?: StorageClass;
  userMetadata?: Record<string, string>;
  headers?: ContentHeaders;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: ChecksumType;
  /** The object's ACL (x-amz-acl / x-amz-grant-* on create), applied at Complete. */
  acl?: Acl;
  /** Object tags (x-amz-tagging on create), applied at Complete. */
  tags?: [string, string][];
  /** x-amz-object-lock-* on create, applied at Complete (retainUntil as epoch ms). */
  lock?: { mode?: ObjectLockMode; until?: number; legalHold?: boolean };
}

/** Value of P/<uploadId>\0<partNo>. Chunk list fields as in ObjectRecord (records.ts). */
export interface PartRecord {
  size: number;
  /** Hex MD5 of the part. */
  etag: string;
  lastModified: number;
  /** base64, computed with the upload's checksum algorithm. */
  checksum?: string;
  chunks?: string;
  dataId?: string;
  chunkCount?: number;
  /** Placement of its chunks (records.ts ChunkListFields). */
  placement?: string;
}

// ---- ids ------------------------------------------------------------------------------------

let lastMs = 0;
let seq = 0;

/**
 * 12 hex digits of epoch ms + 4 of a per-process sequence + 16 random: URL-safe, unique, and
 * sorting byte-wise by initiation time (what ListMultipartUploads orders a key's uploads by).
 */
export function newUploadId(now = Date.now()): string {
  if (now <= lastMs) {
    seq++;
    if (seq > 0xffff) {
      lastMs++;
      seq = 0;
    }
  } else {
    lastMs = now;
    seq = 0;
  }
  return lastMs.toString(16).padStart(12, '0') + seq.toString(16).padStart(4, '0') + pooledRandom(8, 'hex');
}

export const UPLOAD_ID_RE = /^[0-9a-f]{32}$/;

export function validatePartNumber(n: number): void {
  if (!Number.isInteger(n) || n < MIN_PART_NUMBER || n > MAX_PART_NUMBER) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', String(n));
  }
}

// ---- helpers --------------------------------------------------------------------------------

export function decode<T>(raw: Buffer): T {
  return JSON.parse(raw.toString('utf8')) as T;
}

export async function readUpload(ctx: Ctx, bucketId: string, key: string, uploadId: string): Promise<UploadRecord | undefined> {
  if (!UPLOAD_ID_RE.test(uploadId)) return undefined;
  return ctx.db.getJson<UploadRecord>(keys.uploadKey(bucketId, key, uploadId));
}

export async function requireUpload(ctx: Ctx, bucketId: string, key: string, uploadId: string): Promise<UploadRecord> {
  const u = await readUpload(ctx, bucketId, key, uploadId);
  if (!u) throw noSuchUpload(uploadId);
  return u;
}

export function toUploadInfo(bucket: string, key: string, uploadId: string, u: UploadRecord): MultipartUploadInfo {
  const info: MultipartUploadInfo = { bucket, key, uploadId, initiated: new Date(u.initiated), owner: u.owner, storageClass: u.storageClass ?? 'STANDARD' };
  if (u.checksumAlgorithm) {
    info.checksumAlgorithm = u.checksumAlgorithm;
    info.checksumType = u.checksumType ?? defaultChecksumType(u.checksumAlgorithm);
  }
  return info;
}

export function toPartInfo(partNumber: number, p: PartRecord, alg: ChecksumAlgorithm | undefined): PartInfo {
  const info: PartInfo = { partNumber, etag: p.etag, size: p.size, lastModified: new Date(p.lastModified) };
  if (p.checksum && alg) info.checksum = { algorithm: alg, value: p.checksum };
  return info;
}

/** S3: CRC64NVME is full-object only, SHA1/SHA256 composite only, CRC32/CRC32C either (default composite). */
export function defaultChecksumType(alg: ChecksumAlgorithm): ChecksumType {
  return alg === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
}

/** The part's record plus its chunk list, staged as a new P/ record holding one ref per chunk. */
function stagePart(tx: Txn, uploadId: string, partNumber: number, rec: PartRecord, chunks: readonly ChunkRef[]): void {
  stageChunkList(tx, rec, chunks);
  tx.ref(chunks, 1);
  tx.put(keys.partKey(uploadId, partNumber), rec);
}

/** Releases a part: its references, its D/ segments and its record. */
export async function stageDropPart(ctx: Ctx, tx: Txn, uploadId: string, partNumber: number, rec: PartRecord): Promise<void> {
  tx.ref(await loadChunks(ctx.db, rec), -1);
  await stageDropChunkList(ctx.db, tx, rec);
  tx.del(keys.partKey(uploadId, partNumber));
}

export async function readParts(ctx: Ctx, uploadId: string): Promise<Map<number, PartRecord>> {
  const out = new Map<number, PartRecord>();
  const cur = ctx.db.cursor(keys.partsRange(uploadId));
  try {
    for (let e = await cur.next(); e; e = await cur.next()) out.set(keys.decodePartNumber(e[0]), decode<PartRecord>(e[1]));
  } finally {
    await cur.close();
  }
  return out;
}

/** Stages removal of an upload and all of its parts (abort, bucket deletion). */
export async function stageDropUpload(ctx: Ctx, tx: Txn, bucketId: string, key: string, uploadId: string): Promise<void> {
  for (const [n, p] of await readParts(ctx, uploadId)) await stageDropPart(ctx, tx, uploadId, n, p);
  tx.del(keys.uploadKey(bucketId, key, uploadId));
}

/**
 * Under the commit lock, for DeleteBucket: S3 deletes a general-purpose bucket that has only
 * incomplete multipart uploads left, so they go with it (and their chunks are released).
 */
export async function stageDropAllUploads(ctx: Ctx, tx: Txn, bucketId: string): Promise<number> {
  const prefixLength = keys.uploadsPrefix(bucketId).length;
  let n = 0;
  for (const [k] of await ctx.db.all({ ...keys.uploadsRange(bucketId), values: false })) {
    const { key, uploadId } = keys.decodeUploadKey(k, prefixLength);
    await stageDropUpload(ctx, tx, bucketId, key, uploadId);
    n++;
  }
  return n;
}

/** Commits a part record (replacing and releasing any previous part with that number). */
export async function commitPart(
  ctx: Ctx,
  bucket: string,
  bucketId: string,
  key: string,
  uploadId: string,
  partNumber: number,
  rec: PartRecord,
  chunks: readonly ChunkRef[],
): Promise<PartInfo> {
  return ctx.committer.run(async (tx) => {
    await recheckBucket(ctx, bucket, bucketId);
    const u = await requireUpload(ctx, bucketId, key, uploadId);
    const oldRaw = await ctx.db.get(keys.partKey(uploadId, partNumber));
    if (oldRaw) {
      const old = decode<PartRecord>(oldRaw);
      tx.ref(await loadChunks(ctx.db, old), -1);
      await stageDropChunkList(ctx.db, tx, old);
    }
    rec.lastModified = tx.now;
    stagePart(tx, uploadId, partNumber, rec, chunks);
    return toPartInfo(partNumber, rec, u.checksumAlgorithm);
  });
}
