/**
 * Multipart uploads: create, upload part (streamed or copied), list parts, complete, abort, list
 * uploads. Key spaces (keys.ts): M/<bucketId>\0<key>\0<uploadId> holds the upload record,
 * P/<uploadId>\0<partNo> one record per part.
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
import { createHash, randomBytes } from 'node:crypto';
import { S3Error, internalError, invalidArgument, invalidRequest, noSuchUpload } from '../errors';
import type { Txn } from '../meta/commit';
import type { Ctx } from '../context';
import * as keys from '../meta/keys';
import { chunkBody } from '../chunks/chunker';
import { discardUnreferenced } from '../maintenance/gc';
import { combineCrc, createChecksum, CHECKSUM_LENGTHS, type Hasher } from '../chunks/checksums';
import { evaluateCopySourceConditions, evaluateWriteConditions } from '../objects/conditions';
import { recheckBucket, requireBucket } from '../buckets/bucketRecord';
import { pickHeaders, readRecord, requireVersion, stageReplace } from '../objects/objects';
import { stageObjectEvent } from '../feed/emit';
import type { Acl } from '../acl';
import { toStoredTags, validateTags } from '../tagging/tags';
import { applyLock, checkLockSettings } from '../lock/lockRules';
import { scanRange, takePage } from '../meta/rangeScan';
import { loadChunks, loadInlineBody, stageChunkList, stageDropChunkList, toMeta, type ObjectRecord, type PositionedChunk } from '../meta/records';
import { validateObjectKey, validateStorageClass, validateUserMetadata, validateWebsiteRedirectLocation } from '../objects/validation';
import type {
  BodyInput,
  ChecksumAlgorithm,
  ChecksumType,
  ChunkRef,
  CompletedPart,
  CompleteMultipartUploadOptions,
  ContentHeaders,
  CreateMultipartUploadOptions,
  ListMultipartUploadsOptions,
  ListMultipartUploadsResult,
  ListPartsOptions,
  ListPartsResult,
  MultipartUploadInfo,
  ObjectMeta,
  PartInfo,
  StorageClass,
  UploadPartCopyOptions,
  UploadPartOptions,
  ObjectLockMode,
} from '../types';

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
  return lastMs.toString(16).padStart(12, '0') + seq.toString(16).padStart(4, '0') + randomBytes(8).toString('hex');
}

const UPLOAD_ID_RE = /^[0-9a-f]{32}$/;

// ---- errors ---------------------------------------------------------------------------------

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

export function validatePartNumber(n: number): void {
  if (!Number.isInteger(n) || n < MIN_PART_NUMBER || n > MAX_PART_NUMBER) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', String(n));
  }
}

// ---- helpers --------------------------------------------------------------------------------

function unquote(etag: string): string {
  let t = etag.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = t.slice(1, -1);
  return t;
}

function decode<T>(raw: Buffer): T {
  return JSON.parse(raw.toString('utf8')) as T;
}

async function readUpload(ctx: Ctx, bucketId: string, key: string, uploadId: string): Promise<UploadRecord | undefined> {
  if (!UPLOAD_ID_RE.test(uploadId)) return undefined;
  return ctx.db.getJson<UploadRecord>(keys.uploadKey(bucketId, key, uploadId));
}

async function requireUpload(ctx: Ctx, bucketId: string, key: string, uploadId: string): Promise<UploadRecord> {
  const u = await readUpload(ctx, bucketId, key, uploadId);
  if (!u) throw noSuchUpload(uploadId);
  return u;
}

function toUploadInfo(bucket: string, key: string, uploadId: string, u: UploadRecord): MultipartUploadInfo {
  const info: MultipartUploadInfo = { bucket, key, uploadId, initiated: new Date(u.initiated), owner: u.owner, storageClass: u.storageClass ?? 'STANDARD' };
  if (u.checksumAlgorithm) {
    info.checksumAlgorithm = u.checksumAlgorithm;
    info.checksumType = u.checksumType ?? defaultChecksumType(u.checksumAlgorithm);
  }
  return info;
}

function toPartInfo(partNumber: number, p: PartRecord, alg: ChecksumAlgorithm | undefined): PartInfo {
  const info: PartInfo = { partNumber, etag: p.etag, size: p.size, lastModified: new Date(p.lastModified) };
  if (p.checksum && alg) info.checksum = { algorithm: alg, value: p.checksum };
  return info;
}

/** S3: CRC64NVME is full-object only, SHA1/SHA256 composite only, CRC32/CRC32C either (default composite). */
export function defaultChecksumType(alg: ChecksumAlgorithm): ChecksumType {
  return alg === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
}

function validateChecksumType(alg: ChecksumAlgorithm | undefined, type: ChecksumType | undefined): void {
  if (type === undefined) return;
  if (type !== 'FULL_OBJECT' && type !== 'COMPOSITE') {
    throw invalidRequest('Value for x-amz-checksum-type header is invalid.');
  }
  if (!alg) throw invalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  if (type === 'COMPOSITE' && alg === 'CRC64NVME') {
    throw invalidRequest('The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
  }
  if (type === 'FULL_OBJECT' && (alg === 'SHA1' || alg === 'SHA256')) {
    throw invalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${alg.toLowerCase()} checksum algorithm.`);
  }
}

/** The part's record plus its chunk list, staged as a new P/ record holding one ref per chunk. */
function stagePart(tx: Txn, uploadId: string, partNumber: number, rec: PartRecord, chunks: readonly ChunkRef[]): void {
  stageChunkList(tx, rec, chunks);
  tx.ref(chunks, 1);
  tx.put(keys.partKey(uploadId, partNumber), rec);
}

/** Releases a part: its references, its D/ segments and its record. */
async function stageDropPart(ctx: Ctx, tx: Txn, uploadId: string, partNumber: number, rec: PartRecord): Promise<void> {
  tx.ref(await loadChunks(ctx.db, rec), -1);
  await stageDropChunkList(ctx.db, tx, rec);
  tx.del(keys.partKey(uploadId, partNumber));
}

async function readParts(ctx: Ctx, uploadId: string): Promise<Map<number, PartRecord>> {
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

// ---- operations -----------------------------------------------------------------------------

export async function createMultipartUpload(ctx: Ctx, bucket: string, key: string, opts: CreateMultipartUploadOptions): Promise<MultipartUploadInfo> {
  validateObjectKey(key);
  validateUserMetadata(opts.userMetadata);
  validateStorageClass(opts.storageClass);
  validateChecksumType(opts.checksumAlgorithm, opts.checksumType);
  validateWebsiteRedirectLocation(opts.websiteRedirectLocation);
  if (opts.tags) validateTags(opts.tags, 'object');
  const b = await requireBucket(ctx, bucket);
  checkLockSettings(b, opts.lock);
  return ctx.committer.run(async (tx) => {
    await recheckBucket(ctx, bucket, b.id);
    const uploadId = newUploadId(tx.now);
    const rec: UploadRecord = { initiated: tx.now, owner: opts.owner };
    if (opts.storageClass && opts.storageClass !== 'STANDARD') rec.storageClass = opts.storageClass;
    if (opts.acl) rec.acl = opts.acl;
    if (opts.tags?.length) rec.tags = toStoredTags(opts.tags);
    if (opts.lock?.retention || opts.lock?.legalHold !== undefined) {
      rec.lock = {};
      if (opts.lock.retention) rec.lock = { mode: opts.lock.retention.mode, until: opts.lock.retention.retainUntil.getTime() };
      if (opts.lock.legalHold !== undefined) rec.lock.legalHold = opts.lock.legalHold;
    }
    const um: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.userMetadata ?? {})) um[k.toLowerCase()] = String(v);
    if (Object.keys(um).length) rec.userMetadata = um;
    const headers = pickHeaders(opts);
    if (headers) rec.headers = headers;
    if (opts.checksumAlgorithm) {
      rec.checksumAlgorithm = opts.checksumAlgorithm;
      rec.checksumType = opts.checksumType ?? defaultChecksumType(opts.checksumAlgorithm);
    }
    tx.put(keys.uploadKey(b.id, key, uploadId), rec);
    return toUploadInfo(bucket, key, uploadId, rec);
  });
}

/** The algorithm a part is checksummed with: the upload's; a request naming another is refused. */
function partAlgorithm(u: UploadRecord, requested: ChecksumAlgorithm | undefined): ChecksumAlgorithm | undefined {
  if (requested && u.checksumAlgorithm && requested !== u.checksumAlgorithm) {
    throw invalidRequest(
      `Checksum Type mismatch occurred, expected checksum Type: ${u.checksumAlgorithm.toLowerCase()}, actual checksum Type: ${requested.toLowerCase()}`,
    );
  }
  return u.checksumAlgorithm ?? requested;
}

/** Commits a part record (replacing and releasing any previous part with that number). */
async function commitPart(
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

export async function listParts(ctx: Ctx, bucket: string, key: string, uploadId: string, opts: ListPartsOptions = {}): Promise<ListPartsResult> {
  validateObjectKey(key);
  const max = opts.maxParts ?? MAX_PARTS_PER_LIST;
  if (!Number.isInteger(max) || max < 0) {
    throw invalidArgument('Argument max-parts must be an integer between 0 and 2147483647', 'max-parts', String(opts.maxParts));
  }
  const marker = opts.partNumberMarker ?? 0;
  if (!Number.isInteger(marker) || marker < 0) {
    throw invalidArgument('Argument part-number-marker must be an integer between 0 and 2147483647', 'part-number-marker', String(opts.partNumberMarker));
  }
  const limit = Math.min(max, MAX_PARTS_PER_LIST);
  const b = await requireBucket(ctx, bucket);
  const snapshot = ctx.db.snapshot();
  try {
    const raw = await ctx.db.get(keys.uploadKey(b.id, key, uploadId), snapshot);
    if (!raw || !UPLOAD_ID_RE.test(uploadId)) throw noSuchUpload(uploadId);
    const u = decode<UploadRecord>(raw);
    const scan = scanRange(ctx.db, {
      base: keys.partsPrefix(uploadId),
      resume: marker >= MIN_PART_NUMBER ? { marker: String(marker), seek: keys.justAfter(keys.partKey(uploadId, Math.min(marker, 99999))) } : undefined,
      snapshot,
    });
    const page = await takePage(scan, limit);
    const parts = page.items.flatMap((item) =>
      item.kind === 'entry' ? [toPartInfo(keys.decodePartNumber(item.key), decode<PartRecord>(item.value), u.checksumAlgorithm)] : [],
    );
    const result: ListPartsResult = { upload: toUploadInfo(bucket, key, uploadId, u), parts, isTruncated: page.isTruncated };
    // As S3: the last part listed, else the marker (so a client can always continue from it).
    result.nextPartNumberMarker = parts.length ? parts[parts.length - 1].partNumber : marker;
    return result;
  } finally {
    await snapshot?.close();
  }
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

export async function abortMultipartUpload(ctx: Ctx, bucket: string, key: string, uploadId: string): Promise<void> {
  validateObjectKey(key);
  const b = await requireBucket(ctx, bucket);
  await ctx.committer.run(async (tx) => {
    await recheckBucket(ctx, bucket, b.id);
    await requireUpload(ctx, b.id, key, uploadId);
    await stageDropUpload(ctx, tx, b.id, key, uploadId);
    stageObjectEvent(ctx, tx, 'MultipartUpload:Abort', b.id, key, undefined, { uploadId });
  });
}

/** Uploads ordered by key, then initiation time (uploadIds sort by it); delimiter rolls keys up. */
export async function listMultipartUploads(ctx: Ctx, bucket: string, opts: ListMultipartUploadsOptions): Promise<ListMultipartUploadsResult> {
  const max = opts.maxUploads;
  if (!Number.isInteger(max) || max < 0) {
    throw invalidArgument('Argument max-uploads must be an integer between 0 and 2147483647', 'max-uploads', String(max));
  }
  const b = await requireBucket(ctx, bucket);
  const result: ListMultipartUploadsResult = { uploads: [], commonPrefixes: [], isTruncated: false };
  const limit = Math.min(max, 1000);
  if (limit === 0) return result;
  const base = keys.uploadsPrefix(b.id);
  const km = opts.keyMarker;
  const snapshot = ctx.db.snapshot();
  try {
    const scan = scanRange(ctx.db, {
      base,
      prefix: opts.prefix ?? '',
      delimiter: opts.delimiter,
      nameOf: (k) => keys.decodeUploadKey(k, base.length).key,
      // After key-marker's upload upload-id-marker, else past every upload of key-marker.
      resume:
        km === undefined
          ? undefined
          : { marker: km, seek: opts.uploadIdMarker ? keys.uploadSeekAfter(b.id, km, opts.uploadIdMarker) : keys.uploadsSeekPastKey(b.id, km) },
      snapshot,
    });
    const page = await takePage(scan, limit);
    let lastKey: string | undefined;
    let lastUpload: string | undefined;
    for (const item of page.items) {
      if (item.kind === 'prefix') {
        result.commonPrefixes.push(item.prefix);
        lastKey = item.prefix;
        lastUpload = undefined;
      } else {
        const { uploadId } = keys.decodeUploadKey(item.key, base.length);
        result.uploads.push(toUploadInfo(bucket, item.name, uploadId, decode<UploadRecord>(item.value)));
        lastKey = item.name;
        lastUpload = uploadId;
      }
    }
    result.isTruncated = page.isTruncated;
    // As S3, on every page: the last key (or common prefix) and upload id listed.
    if (lastKey !== undefined) {
      result.nextKeyMarker = lastKey;
      result.nextUploadIdMarker = lastUpload ?? '';
    }
    return result;
  } finally {
    await snapshot?.close();
  }
}
