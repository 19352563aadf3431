/**
 * toMeta (meta/records.ts): a stored object record → the ObjectMeta the engine hands out. It is
 * built by copy-then-assign (V8's spread-literal path is slow); these pin down its result.
 */
import { toMeta, type ObjectRecord } from '../src/meta/records';

describe('toMeta', () => {
  test('a plain record: content headers, fixed fields, defaults, fresh copies', () => {
    const rec: ObjectRecord = {
      size: 4096,
      etag: '"0123456789abcdef0123456789abcdef"',
      lastModified: Date.UTC(2026, 11, 6, 1, 2, 3, 456),
      owner: 'root',
      versionId: 'null',
      headers: { contentType: 'text/plain', cacheControl: 'no-cache' },
      userMetadata: { color: 'blue' },
      inline: 'abc',
    };
    const meta = toMeta('bkt', 'a/key', rec);
    expect(meta).toEqual({
      contentType: 'text/plain',
      cacheControl: 'no-cache',
      bucket: 'bkt',
      key: 'a/key',
      size: 4096,
      etag: '"0123456789abcdef0123456789abcdef"',
      lastModified: new Date('2026-12-06T01:02:03.456Z'),
      userMetadata: { color: 'blue' },
      storageClass: 'STANDARD',
      owner: 'root',
      versionId: 'null',
    });
    // Copies: changing the meta never changes the stored record.
    meta.userMetadata.color = 'red';
    (meta as { contentType?: string }).contentType = 'x';
    expect(rec.userMetadata).toEqual({ color: 'blue' });
    expect(rec.headers).toEqual({ contentType: 'text/plain', cacheControl: 'no-cache' });
  });

  test('a record without headers or metadata, with the optional fields', () => {
    const rec: ObjectRecord = {
      size: 10,
      etag: '"e-2"',
      lastModified: 0,
      owner: 'u1',
      versionId: 'v1',
      storageClass: 'STANDARD_IA',
      tags: [['k', 'v']],
      retention: { mode: 'GOVERNANCE', until: 1000 },
      legalHold: false,
      checksum: { algorithm: 'CRC32', value: 'AAAAAA==', type: 'COMPOSITE' },
      partSizes: [5, 5],
      partChecksums: ['a', 'b'],
      replicationStatus: 'PENDING',
    };
    const meta = toMeta('b', 'k', rec);
    expect(meta).toEqual({
      bucket: 'b',
      key: 'k',
      size: 10,
      etag: '"e-2"',
      lastModified: new Date(0),
      userMetadata: {},
      storageClass: 'STANDARD_IA',
      owner: 'u1',
      versionId: 'v1',
      tagCount: 1,
      retention: { mode: 'GOVERNANCE', retainUntil: new Date(1000) },
      legalHold: false,
      checksum: { algorithm: 'CRC32', value: 'AAAAAA==', type: 'COMPOSITE' },
      partSizes: [5, 5],
      partChecksums: ['a', 'b'],
      replicationStatus: 'PENDING',
    });
    expect(meta.partSizes).not.toBe(rec.partSizes);
  });
});
