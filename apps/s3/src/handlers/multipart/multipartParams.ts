/** Request headers the multipart operations share (checksum algorithm / type), and the owner lookup of listings. */
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type ChecksumType, type EngineApi, type ObjectChecksum } from '@cairn/engine';
import type { S3Context } from '../../context';
import { header } from '../../context';
import { invalidRequest } from '../../errors';

export function checksumAlgorithmHeader(c: S3Context, name = 'x-amz-checksum-algorithm'): ChecksumAlgorithm | undefined {
  const v = header(c, name);
  if (v === undefined) return undefined;
  const up = v.trim().toUpperCase();
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(up)) {
    throw invalidRequest('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
  }
  return up as ChecksumAlgorithm;
}

export function checksumTypeHeader(c: S3Context): ChecksumType | undefined {
  const v = header(c, 'x-amz-checksum-type');
  if (v === undefined) return undefined;
  const up = v.trim().toUpperCase();
  if (up !== 'FULL_OBJECT' && up !== 'COMPOSITE') throw invalidRequest('Value for x-amz-checksum-type header is invalid.');
  return up;
}

/** How S3 shows a stored object checksum: composite ones carry "-<parts>". */
export function displayChecksum(cs: ObjectChecksum, parts: number | undefined): string {
  return cs.type === 'COMPOSITE' && parts && !cs.value.includes('-') ? `${cs.value}-${parts}` : cs.value;
}

/**
 * id → display name, each user looked up once. Never empty: ids that are no user (S3's anonymous
 * owner, a deleted user) and users without a display name show their id, since tools sort and
 * print by DisplayName and break on a missing one.
 */
export async function ownerNames(engine: EngineApi, ids: Iterable<string>): Promise<Map<string, { id: string; displayName: string }>> {
  const out = new Map<string, { id: string; displayName: string }>();
  for (const id of new Set(ids)) {
    const u = await engine.getUser(id).catch(() => undefined);
    out.set(id, { id, displayName: u?.displayName || id });
  }
  return out;
}
