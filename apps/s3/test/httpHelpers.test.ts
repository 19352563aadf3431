/** Unit tests for the pure HTTP helpers: integrity headers, url encoding, object headers, copy source. */
import { createHash } from 'node:crypto';
import { parseIntegrity, verifyIntegrity, checksumResponseHeaders } from '../src/http/integrity';
import { s3UrlEncode } from '../src/http/urlEncoding';
import { requestUserMetadata, storedContentEncoding, safeHeaderValue, objectResponseHeaders } from '../src/http/objectHeaders';
import { writeConditions, readConditions } from '../src/http/conditions';
import { parseCopySource } from '../src/handlers/object/copyObject';
import { decodeContinuationToken, encodeContinuationToken } from '../src/params/continuationToken';
import { maxKeysParam } from '../src/params/queryValues';

const parseMaxKeys = (v: string | null): number => maxKeysParam(new URLSearchParams(v === null ? '' : `max-keys=${encodeURIComponent(v)}`));

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('integrity headers', () => {
  const md5 = (s: string) => createHash('md5').update(s).digest();
  test('Content-MD5: valid, malformed → InvalidDigest', () => {
    expect(parseIntegrity({ 'content-md5': md5('x').toString('base64') }).md5?.equals(md5('x'))).toBe(true);
    expect(code(() => parseIntegrity({ 'content-md5': 'nope' }))).toBe('InvalidDigest');
    expect(code(() => parseIntegrity({ 'content-md5': md5('x').toString('hex') }))).toBe('InvalidDigest');
    expect(code(() => parseIntegrity({ 'content-md5': Buffer.alloc(15).toString('base64') }))).toBe('InvalidDigest');
  });
  test('algorithm from header, trailer or sdk header; conflicts are InvalidRequest', () => {
    expect(parseIntegrity({ 'x-amz-checksum-crc32': 'AAAAAA==' })).toMatchObject({ algorithm: 'CRC32' });
    expect(parseIntegrity({ 'x-amz-trailer': 'x-amz-checksum-sha256' })).toMatchObject({ algorithm: 'SHA256', trailer: 'x-amz-checksum-sha256' });
    expect(parseIntegrity({ 'x-amz-sdk-checksum-algorithm': 'crc64nvme' })).toMatchObject({ algorithm: 'CRC64NVME' });
    expect(code(() => parseIntegrity({ 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-checksum-sha1': 'x' }))).toBe('InvalidRequest');
    expect(code(() => parseIntegrity({ 'x-amz-checksum-crc32': 'AAAA' }))).toBe('InvalidRequest');
    expect(code(() => parseIntegrity({ 'x-amz-sdk-checksum-algorithm': 'MD5' }))).toBe('InvalidRequest');
    expect(code(() => parseIntegrity({ 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-sdk-checksum-algorithm': 'SHA1' }))).toBe('InvalidRequest');
    expect(code(() => parseIntegrity({ 'x-amz-trailer': 'x-amz-checksum-md5' }))).toBe('InvalidRequest');
  });
  test('verify: BadDigest on mismatch, trailer read lazily', () => {
    const digests = { size: 1, md5: md5('x'), checksum: { algorithm: 'CRC32' as const, value: Buffer.from([1, 2, 3, 4]) } };
    expect(() => verifyIntegrity(parseIntegrity({ 'x-amz-checksum-crc32': 'AQIDBA==' }), digests, () => ({}))).not.toThrow();
    expect(code(() => verifyIntegrity(parseIntegrity({ 'x-amz-checksum-crc32': 'AAAAAA==' }), digests, () => ({})))).toBe('BadDigest');
    const t = parseIntegrity({ 'x-amz-trailer': 'x-amz-checksum-crc32' });
    expect(() => verifyIntegrity(t, digests, () => ({ 'x-amz-checksum-crc32': 'AQIDBA==' }))).not.toThrow();
    expect(code(() => verifyIntegrity(t, digests, () => ({ 'x-amz-checksum-crc32': 'BQIDBA==' })))).toBe('BadDigest');
    expect(code(() => verifyIntegrity(t, digests, () => ({})))).toBe('InvalidRequest');
    expect(code(() => verifyIntegrity(parseIntegrity({ 'content-md5': md5('y').toString('base64') }), digests, () => ({})))).toBe('BadDigest');
  });
  test('response headers', () => {
    expect(checksumResponseHeaders({ algorithm: 'SHA1', value: 'v', type: 'FULL_OBJECT' })).toEqual({
      'x-amz-checksum-sha1': 'v',
      'x-amz-checksum-type': 'FULL_OBJECT',
    });
    expect(checksumResponseHeaders({ algorithm: 'CRC32', value: 'v', type: 'COMPOSITE' }, 3)).toEqual({
      'x-amz-checksum-crc32': 'v-3',
      'x-amz-checksum-type': 'COMPOSITE',
    });
  });
});

test('s3UrlEncode: space → %20, + → %2B, / kept, UTF-8 bytes', () => {
  expect(s3UrlEncode('a b+c/d%e~f*g')).toBe('a%20b%2Bc/d%25e%7Ef*g');
  expect(s3UrlEncode('ü\t日')).toBe('%C3%BC%09%E6%97%A5');
  expect(decodeURIComponent(s3UrlEncode('🪨 x'))).toBe('🪨 x');
});

describe('object headers', () => {
  test('user metadata: lower-case names, 2 KiB limit', () => {
    expect(requestUserMetadata({ 'x-amz-meta-a': '1', 'content-type': 'x', 'x-amz-meta-b-c': 'two' })).toEqual({ a: '1', 'b-c': 'two' });
    expect(code(() => requestUserMetadata({ 'x-amz-meta-big': 'x'.repeat(2046) }))).toBe('MetadataTooLarge');
  });
  test('aws-chunked is stripped from Content-Encoding', () => {
    expect(storedContentEncoding('aws-chunked')).toBeUndefined();
    expect(storedContentEncoding('aws-chunked, gzip')).toBe('gzip');
    expect(storedContentEncoding('gzip,aws-chunked')).toBe('gzip');
  });
  test('header values Node cannot send are RFC 2047-encoded', () => {
    expect(safeHeaderValue('plain; ascii')).toBe('plain; ascii');
    expect(safeHeaderValue('\u00e9t\u00e9')).toBe('\u00e9t\u00e9'); // latin-1 passes through (raw bytes round trip)
    expect(safeHeaderValue('日本')).toBe(`=?UTF-8?B?${Buffer.from('日本').toString('base64')}?=`);
  });
  test('GET/HEAD headers', () => {
    const meta = {
      bucket: 'b',
      key: 'k',
      size: 10,
      etag: 'abc',
      lastModified: new Date('2024-01-01T00:00:00Z'),
      userMetadata: { x: 'y' },
      storageClass: 'GLACIER' as const,
      owner: 'o',
      versionId: 'null',
      contentType: 'text/plain',
      checksum: { algorithm: 'CRC32' as const, value: 'AAAAAA==', type: 'FULL_OBJECT' as const },
    };
    expect(objectResponseHeaders(meta, { includeChecksum: true })).toEqual({
      'Last-Modified': 'Mon, 01 Jan 2024 00:00:00 GMT',
      ETag: '"abc"',
      'Accept-Ranges': 'bytes',
      'Content-Type': 'text/plain',
      'Content-Length': '10',
      'x-amz-storage-class': 'GLACIER',
      'x-amz-meta-x': 'y',
      'x-amz-checksum-crc32': 'AAAAAA==',
      'x-amz-checksum-type': 'FULL_OBJECT',
    });
    const ranged = objectResponseHeaders(meta, { includeChecksum: true, range: { start: 2, end: 4 } });
    expect(ranged['Content-Range']).toBe('bytes 2-4/10');
    expect(ranged['Content-Length']).toBe('3');
    expect(ranged['x-amz-checksum-crc32']).toBeUndefined();
  });
});

test('conditions', () => {
  expect(readConditions({})).toBeUndefined();
  expect(readConditions({ 'if-modified-since': 'garbage' })).toBeUndefined();
  expect(readConditions({ 'x-amz-copy-source-if-match': '"e"' }, 'x-amz-copy-source-')).toEqual(expect.objectContaining({ ifMatch: '"e"' }));
  expect(writeConditions({ 'if-none-match': '*' })).toEqual({ ifMatch: undefined, ifNoneMatch: '*' });
  expect(code(() => writeConditions({ 'if-none-match': '"etag"' }))).toBe('NotImplemented');
});

test('x-amz-copy-source parsing', () => {
  expect(parseCopySource('/b/k')).toEqual({ bucket: 'b', key: 'k', versionId: undefined });
  expect(parseCopySource('b/a%20b%2Bc/d')).toEqual({ bucket: 'b', key: 'a b+c/d', versionId: undefined });
  expect(parseCopySource('b/k%3Fx?versionId=v1')).toEqual({ bucket: 'b', key: 'k?x', versionId: 'v1' });
  expect(parseCopySource('b//lead')).toEqual({ bucket: 'b', key: '/lead', versionId: undefined });
  for (const bad of ['b', '/b', 'b/', '/b/', '%zz/k', 'b/k?versionId=']) expect(code(() => parseCopySource(bad))).toBe('InvalidArgument');
});

test('continuation tokens and max-keys', () => {
  for (const k of ['', 'a', 'ü/日本 +/=', 'x'.repeat(1024)]) expect(decodeContinuationToken(encodeContinuationToken(k))).toBe(k);
  expect(code(() => decodeContinuationToken('!!'))).toBe('InvalidArgument');
  expect(code(() => decodeContinuationToken(Buffer.from('other:a').toString('base64')))).toBe('InvalidArgument');
  expect(parseMaxKeys(null)).toBe(1000);
  expect(parseMaxKeys('0')).toBe(0);
  expect(parseMaxKeys('99999')).toBe(1000);
  for (const bad of ['-1', 'x', '1.5', '99999999999999999999']) expect(code(() => parseMaxKeys(bad))).toBe('InvalidArgument');
});
