/**
 * ReplicateObject / ReplicateDelete: Cairn's internal write path between zones (not an S3
 * operation). `PUT /bucket/key?x-cairn-replica` (an object version) or
 * `?x-cairn-replica-delete` (a delete marker), signed by the peer's credentials, authorized as
 * `s3:ReplicateObject` / `s3:ReplicateDelete` on the object (the bucket owner, or a user a
 * bucket policy grants it: what S3's replication role needs on the destination).
 *
 * Body: `x-cairn-replica-manifest-length` bytes of JSON (engine ReplicaVersion: version id,
 * ETag, Last-Modified, metadata, tags, part sizes / checksums) followed by exactly `size`
 * bytes of the object. A manifest in the body rather than in headers: part lists of
 * 10,000-part uploads don't fit in HTTP headers. Answers 200 with x-amz-version-id and
 * `x-cairn-replica-created: true|false` (false: that version was already here — a resend).
 */
import { Readable } from 'node:stream';
import type { ReplicaVersion } from '@cairn/engine';
import type { Handler } from '../../context';
import type { ReplicaParams } from '../../params/objectParams';
import { header } from '../../context';
import { s3Error } from '../../errors';
import { openRequestBody } from '../../http/requestBody';

export const REPLICA_MANIFEST_HEADER = 'x-cairn-replica-manifest-length';
const MAX_MANIFEST = 4 * 1024 * 1024;

export const replicateObject: Handler<ReplicaParams> = async (c, p) => {
  const n = Number(header(c, REPLICA_MANIFEST_HEADER));
  if (!Number.isSafeInteger(n) || n <= 0 || n > MAX_MANIFEST) throw s3Error('InvalidRequest', `${REPLICA_MANIFEST_HEADER} is required (1..${MAX_MANIFEST})`);
  const body = openRequestBody(c);
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let head = Buffer.alloc(0);
  while (head.length < n) {
    const r = await it.next();
    if (r.done) throw s3Error('IncompleteBody');
    head = Buffer.concat([head, r.value]);
  }
  let manifest: ReplicaVersion;
  try {
    manifest = JSON.parse(head.subarray(0, n).toString('utf8')) as ReplicaVersion;
  } catch {
    throw s3Error('InvalidRequest', 'the replica manifest is not valid JSON');
  }
  if (!manifest || typeof manifest !== 'object') throw s3Error('InvalidRequest', 'the replica manifest must be a JSON object');
  if (!!manifest.deleteMarker !== p.deleteMarker)
    throw s3Error('InvalidRequest', 'delete markers replicate with ?x-cairn-replica-delete, versions with ?x-cairn-replica');
  const rest = head.subarray(n);
  async function* bytes(): AsyncGenerator<Buffer> {
    if (rest.length) yield rest;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const result = await c.engine.putReplica(c.bucket!.name, c.key!, manifest.deleteMarker ? undefined : Readable.from(bytes()), manifest);
  if (!result.created || manifest.deleteMarker) body.resume(); // a resend: the bytes are not needed
  c.log.replica = result.created ? 'created' : 'existed';
  return { status: 200, headers: { 'x-amz-version-id': result.versionId, 'x-cairn-replica-created': String(result.created) } };
};
