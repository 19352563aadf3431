/** `<CompleteMultipartUpload>`: CompleteMultipartUpload request body (the chosen parts, in order). */
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '@cairn/engine';
import { s3Error } from '../errors';
import { child, children, childText, parseXml } from './codec';

export interface CompletePartDoc {
  partNumber: number;
  etag: string;
  /** ChecksumCRC32 / ChecksumCRC32C / ... as sent. */
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/** 10000 parts with ETags and a checksum each, with room for whitespace and namespaces. */
export const MAX_COMPLETE_BODY_BYTES = 4 * 1024 * 1024;

export async function parseCompleteMultipartUpload(body: Buffer): Promise<CompletePartDoc[]> {
  const root = await parseXml(body, 'CompleteMultipartUpload');
  const parts = children(root, 'Part').map((p) => {
    const n = childText(p, 'PartNumber')?.trim();
    const etagEl = child(p, 'ETag');
    if (n === undefined || !/^\d{1,9}$/.test(n) || !etagEl) throw s3Error('MalformedXML');
    const checksums: CompletePartDoc['checksums'] = {};
    for (const alg of CHECKSUM_ALGORITHMS) {
      const v = childText(p, `Checksum${alg}`);
      if (v !== undefined) checksums[alg] = v.trim();
    }
    return { partNumber: Number(n), etag: (etagEl._ ?? '').trim(), checksums };
  });
  if (parts.length === 0) throw s3Error('MalformedXML');
  return parts;
}
