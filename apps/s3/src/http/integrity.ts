/**
 * Request integrity headers: Content-MD5 and the flexible checksums
 * (x-amz-checksum-<alg> as a header or an aws-chunked trailer named by x-amz-trailer, and
 * x-amz-sdk-checksum-algorithm / x-amz-checksum-algorithm selecting what to compute).
 *
 * `parseIntegrity` validates the headers before any byte is read; `verifyIntegrity` runs in the
 * engine's verify hook (after the body, before commit) and throws BadDigest on a mismatch.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type BodyDigests, type ObjectChecksum } from '@cairn/engine';
import { s3Error, invalidRequest } from '../errors';

export const CHECKSUM_BYTES: Readonly<Record<ChecksumAlgorithm, number>> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

export function checksumHeaderName(alg: ChecksumAlgorithm): string {
  return `x-amz-checksum-${alg.toLowerCase()}`;
}

function h(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function algorithmFromName(name: string): ChecksumAlgorithm | undefined {
  const up = name.trim().toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(up) ? (up as ChecksumAlgorithm) : undefined;
}

/** Strict base64 of exactly `bytes` bytes. */
function decodeDigest(value: string, bytes: number): Buffer | undefined {
  const v = value.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) return undefined;
  const b = Buffer.from(v, 'base64');
  return b.length === bytes && b.toString('base64') === v ? b : undefined;
}

export interface IntegrityRequest {
  /** Content-MD5, decoded. */
  md5?: Buffer;
  /** The checksum algorithm to compute while streaming (and store). */
  algorithm?: ChecksumAlgorithm;
  /** Expected value from a header. */
  expected?: Buffer;
  /** Expected value arrives as this trailer (lower-case name). */
  trailer?: string;
}

export function parseContentMd5(headers: IncomingHttpHeaders): Buffer | undefined {
  const v = h(headers, 'content-md5');
  if (v === undefined) return undefined;
  const md5 = decodeDigest(v, 16);
  if (!md5) throw s3Error('InvalidDigest');
  return md5;
}

export function parseIntegrity(headers: IncomingHttpHeaders): IntegrityRequest {
  const r: IntegrityRequest = { md5: parseContentMd5(headers) };

  const present = (CHECKSUM_ALGORITHMS as readonly ChecksumAlgorithm[]).filter((a) => headers[checksumHeaderName(a)] !== undefined);
  if (present.length > 1) throw invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');

  const trailerHeader = h(headers, 'x-amz-trailer');
  let trailerAlg: ChecksumAlgorithm | undefined;
  if (trailerHeader !== undefined) {
    const names = trailerHeader
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const checksumTrailers = names.filter((n) => n.startsWith('x-amz-checksum-'));
    if (checksumTrailers.length > 1) throw invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
    if (checksumTrailers.length === 1) {
      trailerAlg = algorithmFromName(checksumTrailers[0].slice('x-amz-checksum-'.length));
      if (!trailerAlg) throw invalidRequest('The value specified in the x-amz-trailer header is not supported');
      if (present.length === 1) throw invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
      r.trailer = checksumTrailers[0];
    }
  }

  const sdkAlgHeader = h(headers, 'x-amz-sdk-checksum-algorithm') ?? h(headers, 'x-amz-checksum-algorithm');
  let sdkAlg: ChecksumAlgorithm | undefined;
  if (sdkAlgHeader !== undefined) {
    sdkAlg = algorithmFromName(sdkAlgHeader);
    if (!sdkAlg) throw invalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
  }

  const headerAlg = present[0];
  const named = headerAlg ?? trailerAlg;
  if (named && sdkAlg && named !== sdkAlg) {
    throw invalidRequest(`Value for x-amz-sdk-checksum-algorithm header is invalid.`);
  }
  r.algorithm = named ?? sdkAlg;

  if (headerAlg) {
    const raw = h(headers, checksumHeaderName(headerAlg))!;
    const expected = decodeDigest(raw, CHECKSUM_BYTES[headerAlg]);
    if (!expected) throw invalidRequest(`Value for ${checksumHeaderName(headerAlg)} header is invalid.`);
    r.expected = expected;
  }
  return r;
}

/** Compare what the engine computed with what the client declared. Call inside the engine's verify hook. */
export function verifyIntegrity(req: IntegrityRequest, digests: BodyDigests, trailers: () => Record<string, string>): void {
  if (req.md5 && !req.md5.equals(digests.md5)) throw s3Error('BadDigest');
  if (!req.algorithm) return;
  let expected = req.expected;
  if (!expected && req.trailer) {
    const t = trailers()[req.trailer];
    if (t === undefined) throw invalidRequest(`The trailer ${req.trailer} announced in x-amz-trailer was not sent.`);
    expected = decodeDigest(t, CHECKSUM_BYTES[req.algorithm]);
    if (!expected) throw invalidRequest(`Value for ${req.trailer} trailing header is invalid.`);
  }
  if (!expected) return;
  const computed = digests.checksum?.algorithm === req.algorithm ? digests.checksum.value : undefined;
  if (!computed) throw s3Error('InternalError');
  if (!computed.equals(expected)) {
    throw s3Error('BadDigest', `The ${req.algorithm} you specified did not match the calculated checksum.`);
  }
}

/** Response headers for a stored checksum (x-amz-checksum-<alg>, x-amz-checksum-type). */
export function checksumResponseHeaders(cs: ObjectChecksum | undefined, partCount?: number): Record<string, string> {
  if (!cs) return {};
  let value = cs.value;
  if (cs.type === 'COMPOSITE' && partCount && !value.includes('-')) value = `${value}-${partCount}`;
  return { [checksumHeaderName(cs.algorithm)]: value, 'x-amz-checksum-type': cs.type };
}
