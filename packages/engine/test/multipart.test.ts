import { createHash } from 'node:crypto';
import { createChecksum, type ChecksumAlgorithm } from '../src';
import { MIN_PART_SIZE, newUploadId } from '../src/multipart/uploadRecords';
import { body, bytes, chunkFiles, openEngine, readAll, type TestEngine } from './helpers';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

describe('multipart uploads', () => {
  let t: TestEngine;
  const CS = 64 * 1024;
  beforeEach(async () => {
    t = await openEngine({ chunkSize: CS });
    await t.engine.createBucket('bkt', { owner: 'alice' });
  });
  afterEach(() => t.cleanup());

  const e = () => t.engine;
  const create = (key = 'obj', extra: object = {}) => e().createMultipartUpload('bkt', key, { owner: 'alice', ...extra });
  const part = (key: string, id: string, n: number, data: Buffer, extra: object = {}) => e().uploadPart('bkt', key, id, n, body(data, 100_000), extra);
  const clean = async () => expect((await e().verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  const get = async (key: string, range?: [number, number]) =>
    readAll((await e().getObject('bkt', key, range ? { range: { kind: 'range', start: range[0], end: range[1] } } : {})).body);

  it('completes by concatenating the parts: bytes, ranges across part boundaries, ETag, partSizes, no bytes copied', async () => {
    const p1 = bytes(MIN_PART_SIZE + 100, 1);
    const p2 = bytes(MIN_PART_SIZE + 3, 2);
    const p3 = bytes(1234, 3);
    const u = await create('obj', { contentType: 'text/x-test', userMetadata: { Color: 'red' }, storageClass: 'STANDARD_IA' });
    expect(u.uploadId).toMatch(/^[0-9a-f]{32}$/);
    const r1 = await part('obj', u.uploadId, 1, p1);
    const r2 = await part('obj', u.uploadId, 2, p2);
    const r3 = await part('obj', u.uploadId, 3, p3);
    expect([r1.etag, r2.etag, r3.etag]).toEqual([md5(p1), md5(p2), md5(p3)]);
    const filesBefore = await chunkFiles(t.dir);
    await clean();

    const meta = await e().completeMultipartUpload('bkt', 'obj', u.uploadId, [
      { partNumber: 1, etag: `"${r1.etag}"` },
      { partNumber: 2, etag: r2.etag },
      { partNumber: 3, etag: r3.etag },
    ]);
    // Hand computation of S3's multipart ETag.
    const hand = createHash('md5')
      .update(Buffer.concat([createHash('md5').update(p1).digest(), createHash('md5').update(p2).digest(), createHash('md5').update(p3).digest()]))
      .digest('hex');
    expect(meta.etag).toBe(`${hand}-3`);
    expect(meta.size).toBe(p1.length + p2.length + p3.length);
    expect(meta.partSizes).toEqual([p1.length, p2.length, p3.length]);
    expect(meta).toMatchObject({ contentType: 'text/x-test', userMetadata: { color: 'red' }, storageClass: 'STANDARD_IA', owner: 'alice' });
    expect(meta.lastModified).toEqual(u.initiated); // S3 dates multipart objects by initiation
    expect(await chunkFiles(t.dir)).toEqual(filesBefore); // metadata-only
    const all = Buffer.concat([p1, p2, p3]);
    expect((await get('obj')).equals(all)).toBe(true);
    const b1 = p1.length;
    const b2 = p1.length + p2.length;
    for (const [a, z] of [
      [b1 - 10, b1 + 10],
      [b1 - 1, b1],
      [b2 - 1, b2],
      [b1 - 5, b2 + 5],
      [0, all.length - 1],
      [all.length - 1, all.length - 1],
    ] as [number, number][]) {
      expect((await get('obj', [a, z])).equals(all.subarray(a, z + 1))).toBe(true);
    }
    expect((await e().listMultipartUploads('bkt', { maxUploads: 1000 })).uploads).toEqual([]);
    await expect(e().listParts('bkt', 'obj', u.uploadId)).rejects.toMatchObject({ code: 'NoSuchUpload' });
    await clean();
    expect(await e().usage()).toMatchObject({ objects: 1, logicalBytes: all.length });
  });

  it('re-uploading a part number replaces it and releases the old chunks (GC removes them)', async () => {
    const u = await create();
    const a = bytes(5 * CS + 7, 10);
    const b = bytes(3 * CS + 1, 11);
    await part('obj', u.uploadId, 1, a);
    const before = await chunkFiles(t.dir);
    expect(before.length).toBe(6);
    const rb = await part('obj', u.uploadId, 1, b);
    await clean();
    await e().gc({ graceMs: 0 });
    expect((await chunkFiles(t.dir)).length).toBe(4);
    const parts = await e().listParts('bkt', 'obj', u.uploadId);
    expect(parts.parts.map((p) => [p.partNumber, p.etag, p.size])).toEqual([[1, rb.etag, b.length]]);
    await e().completeMultipartUpload('bkt', 'obj', u.uploadId, [{ partNumber: 1, etag: rb.etag }]);
    expect((await get('obj')).equals(b)).toBe(true);
    await clean();
  });

  it('abort releases every chunk of every part (usage and chunk files back to before)', async () => {
    await e().putObject('bkt', 'other', body(bytes(3 * CS, 5)), { owner: 'alice' });
    const usageBefore = await e().usage();
    const filesBefore = await chunkFiles(t.dir);
    const u = await create();
    for (let n = 1; n <= 4; n++) await part('obj', u.uploadId, n, bytes(2 * CS + n, 20 + n));
    await part('obj', u.uploadId, 2, bytes(CS, 99)); // a replaced part too
    expect((await e().usage()).chunks).toBeGreaterThan(usageBefore.chunks);
    await e().abortMultipartUpload('bkt', 'obj', u.uploadId);
    await clean();
    await e().gc({ graceMs: 0 });
    expect(await e().usage()).toEqual(usageBefore);
    expect(await chunkFiles(t.dir)).toEqual(filesBefore);
    await expect(e().abortMultipartUpload('bkt', 'obj', u.uploadId)).rejects.toMatchObject({ code: 'NoSuchUpload' });
    await expect(part('obj', u.uploadId, 1, Buffer.from('x'))).rejects.toMatchObject({ code: 'NoSuchUpload' });
    await expect(e().completeMultipartUpload('bkt', 'obj', u.uploadId, [{ partNumber: 1, etag: 'x' }])).rejects.toMatchObject({ code: 'NoSuchUpload' });
  });

  it('complete releases the parts it does not name', async () => {
    const u = await create();
    const r1 = await part('obj', u.uploadId, 1, bytes(MIN_PART_SIZE, 1));
    await part('obj', u.uploadId, 2, bytes(2 * CS, 2));
    const r3 = await part('obj', u.uploadId, 3, bytes(100, 3));
    await e().completeMultipartUpload('bkt', 'obj', u.uploadId, [
      { partNumber: 1, etag: r1.etag },
      { partNumber: 3, etag: r3.etag },
    ]);
    await clean();
    await e().gc({ graceMs: 0 });
    expect((await e().usage()).physicalBytes).toBe(MIN_PART_SIZE + 100);
    expect((await get('obj')).equals(Buffer.concat([bytes(MIN_PART_SIZE, 1), bytes(100, 3)]))).toBe(true);
  });

  it('errors: InvalidPartOrder, InvalidPart, EntityTooSmall, NoSuchUpload, InvalidArgument', async () => {
    const u = await create();
    const r1 = await part('obj', u.uploadId, 1, bytes(100, 1));
    const r2 = await part('obj', u.uploadId, 2, bytes(100, 2));
    const complete = (ps: { partNumber: number; etag: string }[]) => e().completeMultipartUpload('bkt', 'obj', u.uploadId, ps);
    await expect(
      complete([
        { partNumber: 2, etag: r2.etag },
        { partNumber: 1, etag: r1.etag },
      ]),
    ).rejects.toMatchObject({ code: 'InvalidPartOrder' });
    await expect(
      complete([
        { partNumber: 1, etag: r1.etag },
        { partNumber: 1, etag: r1.etag },
      ]),
    ).rejects.toMatchObject({ code: 'InvalidPartOrder' });
    await expect(complete([{ partNumber: 1, etag: r2.etag }])).rejects.toMatchObject({ code: 'InvalidPart' });
    await expect(complete([{ partNumber: 3, etag: r1.etag }])).rejects.toMatchObject({ code: 'InvalidPart' });
    await expect(
      complete([
        { partNumber: 1, etag: r1.etag },
        { partNumber: 2, etag: r2.etag },
      ]),
    ).rejects.toMatchObject({
      code: 'EntityTooSmall',
      fields: { ProposedSize: '100', MinSizeAllowed: String(MIN_PART_SIZE) },
    });
    await expect(complete([])).rejects.toMatchObject({ code: 'InvalidRequest' });
    await expect(complete([{ partNumber: 0, etag: r1.etag }])).rejects.toMatchObject({
      code: 'InvalidArgument',
      fields: { ArgumentName: 'PartNumber', ArgumentValue: '0' },
    });
    await expect(complete([{ partNumber: 10001, etag: r1.etag }])).rejects.toMatchObject({
      code: 'InvalidPart',
      fields: { UploadId: u.uploadId, PartNumber: '10001' },
    });
    for (const n of [0, 10001, 1.5]) await expect(part('obj', u.uploadId, n, Buffer.from('x'))).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(part('obj', newUploadId(), 1, Buffer.from('x'))).rejects.toMatchObject({ code: 'NoSuchUpload' });
    await expect(part('obj', 'not-an-id', 1, Buffer.from('x'))).rejects.toMatchObject({ code: 'NoSuchUpload' });
    await expect(part('other-key', u.uploadId, 1, Buffer.from('x'))).rejects.toMatchObject({ code: 'NoSuchUpload' });
    // A failed complete changes nothing: the upload is still there and completes afterwards.
    const done = await complete([{ partNumber: 2, etag: r2.etag }]);
    expect((await get('obj')).equals(bytes(100, 2))).toBe(true);
    // A retried Complete (same parts) is answered again while its object is current; anything else is NoSuchUpload.
    expect(await complete([{ partNumber: 2, etag: `"${r2.etag}"` }])).toEqual(done);
    await expect(complete([{ partNumber: 1, etag: r1.etag }])).rejects.toMatchObject({ code: 'NoSuchUpload' });
    await e().putObject('bkt', 'obj', body('other'), { owner: 'alice' });
    await expect(complete([{ partNumber: 2, etag: r2.etag }])).rejects.toMatchObject({ code: 'NoSuchUpload' });
    await clean();
  });

  it('a verify hook that throws commits nothing (the previous part stays)', async () => {
    const u = await create();
    const r1 = await part('obj', u.uploadId, 1, bytes(50, 1));
    await expect(
      part('obj', u.uploadId, 1, bytes(60, 2), {
        verify: () => {
          throw Object.assign(new Error('bad'), { name: 'S3Error', code: 'BadDigest' });
        },
      }),
    ).rejects.toMatchObject({ code: 'BadDigest' });
    expect((await e().listParts('bkt', 'obj', u.uploadId)).parts.map((p) => p.etag)).toEqual([r1.etag]);
    await clean();
  });

  it('concurrent uploads of the same part number keep refcounts exact', async () => {
    const u = await create();
    const datas = Array.from({ length: 8 }, (_, i) => bytes(3 * CS + i, 100 + (i % 3))); // some identical
    const results = await Promise.all(datas.map((d) => part('obj', u.uploadId, 1, d)));
    await clean();
    const listed = (await e().listParts('bkt', 'obj', u.uploadId)).parts;
    expect(listed).toHaveLength(1);
    expect(results.map((r) => r.etag)).toContain(listed[0].etag);
    await e().abortMultipartUpload('bkt', 'obj', u.uploadId);
    await e().gc({ graceMs: 0 });
    expect((await e().usage()).chunks).toBe(0);
    await clean();
  });

  it('UploadPartCopy references the middle chunks and materializes only the edge chunks', async () => {
    const src = bytes(10 * CS + 5, 42);
    await e().putObject('bkt', 'src', body(src, 100_000), { owner: 'alice' });
    const filesBefore = await chunkFiles(t.dir);
    const u = await create();
    const a = CS + 100;
    const z = 7 * CS + 50;
    const r = await e().uploadPartCopy('bkt', 'src', 'bkt', 'obj', u.uploadId, 1, { range: { start: a, end: z } });
    expect(r.etag).toBe(md5(src.subarray(a, z + 1)));
    expect(r.size).toBe(z - a + 1);
    expect((await chunkFiles(t.dir)).length).toBe(filesBefore.length + 2); // the two cut chunks only
    // Whole-object copy: nothing new at all, the ETag is the source's.
    const whole = await e().uploadPartCopy('bkt', 'src', 'bkt', 'obj', u.uploadId, 2);
    expect(whole.etag).toBe(md5(src));
    expect((await chunkFiles(t.dir)).length).toBe(filesBefore.length + 2);
    // A range inside one chunk: one new chunk.
    const small = await e().uploadPartCopy('bkt', 'src', 'bkt', 'obj', u.uploadId, 3, { range: { start: 3 * CS + 1, end: 3 * CS + 9 } });
    expect(small.size).toBe(9);
    await clean();
    // Deleting the source doesn't affect the part.
    await e().deleteObject('bkt', 'src');
    await e().gc({ graceMs: 0 });
    await e().abortMultipartUpload('bkt', 'obj', u.uploadId);
    const u2 = await create('obj2');
    await expect(e().uploadPartCopy('bkt', 'src', 'bkt', 'obj2', u2.uploadId, 1)).rejects.toMatchObject({ code: 'NoSuchKey' });
    await e().putObject('bkt', 'src', body(src, 100_000), { owner: 'alice' });
    await expect(e().uploadPartCopy('bkt', 'src', 'bkt', 'obj2', u2.uploadId, 1, { range: { start: 0, end: src.length } })).rejects.toMatchObject({
      code: 'InvalidRange',
    });
    await expect(e().uploadPartCopy('bkt', 'src', 'bkt', 'obj2', u2.uploadId, 1, { sourceConditions: { ifMatch: '"nope"' } })).rejects.toMatchObject({
      code: 'PreconditionFailed',
    });
    const p1 = await e().uploadPartCopy('bkt', 'src', 'bkt', 'obj2', u2.uploadId, 1, {
      range: { start: 0, end: MIN_PART_SIZE > src.length ? src.length - 1 : MIN_PART_SIZE },
    });
    const p2 = await e().uploadPartCopy('bkt', 'src', 'bkt', 'obj2', u2.uploadId, 2, { range: { start: 5, end: 5 } });
    await e().completeMultipartUpload('bkt', 'obj2', u2.uploadId, [{ partNumber: 1, etag: p1.etag }]);
    expect((await get('obj2')).equals(src)).toBe(true);
    expect(p2.size).toBe(1);
    await clean();
  });

  it('UploadPartCopy of a tiny (inline) source and of a multipart source', async () => {
    await e().putObject('bkt', 'tiny', body('hello world'), { owner: 'alice' });
    const u = await create();
    const r = await e().uploadPartCopy('bkt', 'tiny', 'bkt', 'obj', u.uploadId, 1, { range: { start: 6, end: 10 } });
    expect(r.etag).toBe(md5(Buffer.from('world')));
    await e().completeMultipartUpload('bkt', 'obj', u.uploadId, [{ partNumber: 1, etag: r.etag }]);
    expect((await get('obj')).toString()).toBe('world');
    const u2 = await create('obj2');
    const c = await e().uploadPartCopy('bkt', 'obj', 'bkt', 'obj2', u2.uploadId, 1);
    expect(c.etag).toBe(md5(Buffer.from('world')));
    await clean();
  });

  it('UploadPartCopy from a noncurrent version (versioned bucket); delete markers are not sources', async () => {
    await e().putBucketVersioning('bkt', 'Enabled');
    const v1 = await e().putObject('bkt', 'src', body('version one'), { owner: 'alice' });
    await e().putObject('bkt', 'src', body('version two!'), { owner: 'alice' });
    const u = await create();
    const r = await e().uploadPartCopy('bkt', 'src', 'bkt', 'obj', u.uploadId, 1, { srcVersionId: v1.versionId, range: { start: 8, end: 10 } });
    expect(r.etag).toBe(md5(Buffer.from('one')));
    const done = await e().completeMultipartUpload('bkt', 'obj', u.uploadId, [{ partNumber: 1, etag: r.etag }]);
    expect(done.versionId).not.toBe('null'); // versioning applies to multipart objects too
    expect((await get('obj')).toString()).toBe('one');
    const del = await e().deleteObject('bkt', 'src');
    const u2 = await create('obj2');
    await expect(e().uploadPartCopy('bkt', 'src', 'bkt', 'obj2', u2.uploadId, 1)).rejects.toMatchObject({ code: 'NoSuchKey' });
    await expect(e().uploadPartCopy('bkt', 'src', 'bkt', 'obj2', u2.uploadId, 1, { srcVersionId: del.versionId })).rejects.toMatchObject({
      code: 'InvalidRequest',
    });
    await expect(e().uploadPartCopy('bkt', 'src', 'bkt', 'obj2', u2.uploadId, 1, { srcVersionId: v1.versionId })).resolves.toMatchObject({ size: 11 });
    await clean();
  });

  it('composite and full-object checksums as S3 defines them', async () => {
    const p1 = bytes(MIN_PART_SIZE, 7);
    const p2 = bytes(777, 8);
    const sum = (alg: 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA256', b: Buffer): Buffer => {
      const h = createChecksum(alg);
      h.update(b);
      return h.digest();
    };
    for (const [alg, type] of [
      ['CRC32', 'COMPOSITE'],
      ['SHA256', undefined],
      ['CRC32C', 'FULL_OBJECT'],
      ['CRC64NVME', undefined],
    ] as const) {
      const u = await create(`c-${alg}`, { checksumAlgorithm: alg, checksumType: type });
      const expectType = type ?? (alg === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
      expect(u.checksumType).toBe(expectType);
      const r1 = await part(`c-${alg}`, u.uploadId, 1, p1);
      const r2 = await part(`c-${alg}`, u.uploadId, 2, p2);
      expect(r1.checksum).toEqual({ algorithm: alg, value: sum(alg, p1).toString('base64') });
      await expect(part(`c-${alg}`, u.uploadId, 3, p2, { checksumAlgorithm: alg === 'SHA256' ? 'CRC32' : 'SHA256' })).rejects.toMatchObject({
        code: 'InvalidRequest',
      });
      const parts = [
        { partNumber: 1, etag: r1.etag, checksum: r1.checksum!.value },
        { partNumber: 2, etag: r2.etag, checksum: r2.checksum!.value },
      ];
      await expect(e().completeMultipartUpload('bkt', `c-${alg}`, u.uploadId, [parts[0], { ...parts[1], checksum: r1.checksum!.value }])).rejects.toMatchObject(
        { code: 'InvalidPart' },
      );
      const want =
        expectType === 'COMPOSITE'
          ? sum(alg, Buffer.concat([sum(alg, p1), sum(alg, p2)])).toString('base64')
          : sum(alg, Buffer.concat([p1, p2])).toString('base64');
      await expect(
        e().completeMultipartUpload('bkt', `c-${alg}`, u.uploadId, parts, { expectedChecksum: { algorithm: alg, value: sum(alg, p1).toString('base64') } }),
      ).rejects.toMatchObject({ code: 'BadDigest' });
      const meta = await e().completeMultipartUpload('bkt', `c-${alg}`, u.uploadId, parts, {
        expectedChecksum: { algorithm: alg, value: expectType === 'COMPOSITE' ? `${want}-2` : want },
      });
      expect(meta.checksum).toEqual({ algorithm: alg, value: want, type: expectType });
    }
    await expect(create('x', { checksumAlgorithm: 'CRC64NVME', checksumType: 'COMPOSITE' })).rejects.toMatchObject({ code: 'InvalidRequest' });
    await expect(create('x', { checksumAlgorithm: 'SHA1', checksumType: 'FULL_OBJECT' })).rejects.toMatchObject({ code: 'InvalidRequest' });
    await expect(create('x', { checksumType: 'FULL_OBJECT' })).rejects.toMatchObject({ code: 'InvalidRequest' });
    await clean();
  });

  it('checksums match the s3-tests vectors (5 MiB of "A" + "tail")', async () => {
    const parts = [Buffer.alloc(MIN_PART_SIZE, 'A'), Buffer.from('tail')];
    const cases: [ChecksumAlgorithm, 'COMPOSITE' | 'FULL_OBJECT', string[], string][] = [
      ['CRC32', 'COMPOSITE', ['JRTCyQ==', 'fDe0XQ=='], 'ar6UVw==-2'],
      ['CRC32', 'FULL_OBJECT', ['JRTCyQ==', 'fDe0XQ=='], 'gPNU7Q=='],
      ['CRC32C', 'COMPOSITE', ['MDaLrw==', 'B21LrQ=='], '9nmlxg==-2'],
      ['CRC32C', 'FULL_OBJECT', ['MDaLrw==', 'B21LrQ=='], 'LZbOwA=='],
      ['CRC64NVME', 'FULL_OBJECT', ['L/E4WYn8v98=', 'sAra2CkCEgw='], 'UpfGsWmSCEg='],
      ['SHA1', 'COMPOSITE', ['iIaTCGbm+vdVjNqIMF2S0T7ibMk=', '+/XyoodbO7Zbjjsj5swB1YyjBEc='], 'l89BPfYtRdlTXZSsCsWMB0Elnjg=-2'],
      [
        'SHA256',
        'COMPOSITE',
        ['275VF5loJr1YYawit0XSHREhkFXYkkPKGuoK0x9VKxI=', 'DGL4du8d6oMN6fMsL0tG3W101Q0ViW4J71ovzUrH4dc='],
        '2kYaKgwMh4G97NB7sxufv13cvQqUqNgjK75WsW6s16Q=-2',
      ],
    ];
    for (const [alg, type, partSums, whole] of cases) {
      const key = `v-${alg}-${type}`;
      const u = await create(key, { checksumAlgorithm: alg, checksumType: type });
      const rs = [];
      for (let i = 0; i < parts.length; i++) rs.push(await part(key, u.uploadId, i + 1, parts[i]));
      expect(rs.map((r) => r.checksum!.value)).toEqual(partSums);
      const list = rs.map((r, i) => ({ partNumber: i + 1, etag: r.etag, checksum: r.checksum!.value }));
      const meta = await e().completeMultipartUpload('bkt', key, u.uploadId, list, { checksumType: type, expectedChecksum: { algorithm: alg, value: whole } });
      expect(meta.checksum!.value + (type === 'COMPOSITE' ? '-2' : '')).toBe(whole);
      expect(meta.checksum!.type).toBe(type);
    }
  });

  it('checksum uploads: part checksums required, numbering without gaps, same algorithm and mode on Complete', async () => {
    const u = await create('cs', { checksumAlgorithm: 'SHA256' });
    const rs = [];
    for (let n = 1; n <= 3; n++) rs.push(await part('cs', u.uploadId, n, Buffer.from(`part ${n}`)));
    const first = { partNumber: 1, etag: rs[0].etag, checksum: rs[0].checksum!.value };
    const complete = (ps: object[], o: object = {}) => e().completeMultipartUpload('bkt', 'cs', u.uploadId, ps as never, o);
    await expect(complete([{ partNumber: 1, etag: rs[0].etag }])).rejects.toMatchObject({
      code: 'InvalidRequest',
      message:
        'The upload was created using a sha256 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.',
    });
    await expect(complete([first, { partNumber: 3, etag: rs[2].etag, checksum: rs[2].checksum!.value }])).rejects.toMatchObject({ code: 'InvalidPartOrder' });
    await expect(complete([{ partNumber: 2, etag: rs[1].etag, checksum: rs[1].checksum!.value }])).rejects.toMatchObject({ code: 'InvalidPartOrder' });
    await expect(complete([first], { checksumType: 'FULL_OBJECT' })).rejects.toMatchObject({
      code: 'BadDigest',
      message: 'The upload was created using the COMPOSITE checksum mode. The complete request must use the same checksum mode.',
    });
    await expect(complete([first], { expectedChecksum: { algorithm: 'CRC32', value: 'AAAAAA==' } })).rejects.toMatchObject({
      code: 'InvalidRequest',
      message: 'Checksum Type mismatch occurred, expected checksum Type: sha256, actual checksum Type: crc32',
    });
    await expect(complete([first], { expectedChecksum: { algorithm: 'SHA256', value: 'bad' } })).rejects.toMatchObject({ code: 'BadDigest' });
    await expect(complete([first], { expectedSize: 99 })).rejects.toMatchObject({ code: 'InvalidRequest' });
    const meta = await complete([first], { expectedSize: 6, checksumType: 'COMPOSITE' });
    expect(meta.checksum).toMatchObject({ algorithm: 'SHA256', type: 'COMPOSITE' });
  });

  it('conditional complete: If-None-Match * and If-Match', async () => {
    await e().putObject('bkt', 'obj', body('old'), { owner: 'alice' });
    const u = await create();
    const r = await part('obj', u.uploadId, 1, bytes(10, 1));
    await expect(
      e().completeMultipartUpload('bkt', 'obj', u.uploadId, [{ partNumber: 1, etag: r.etag }], { conditions: { ifNoneMatch: '*' } }),
    ).rejects.toMatchObject({
      code: 'PreconditionFailed',
    });
    await expect(
      e().completeMultipartUpload('bkt', 'obj', u.uploadId, [{ partNumber: 1, etag: r.etag }], { conditions: { ifMatch: '"abc"' } }),
    ).rejects.toMatchObject({
      code: 'PreconditionFailed',
    });
    await e().completeMultipartUpload('bkt', 'obj', u.uploadId, [{ partNumber: 1, etag: r.etag }], { conditions: { ifMatch: `"${md5(Buffer.from('old'))}"` } });
    expect((await get('obj')).equals(bytes(10, 1))).toBe(true);
    await clean();
  });

  it('ListParts pages with part-number-marker / max-parts', async () => {
    const u = await create();
    for (const n of [1, 2, 3, 5, 8, 13, 10000]) await part('obj', u.uploadId, n, bytes(n % 50, n));
    const seen: number[] = [];
    let marker: number | undefined;
    for (;;) {
      const page = await e().listParts('bkt', 'obj', u.uploadId, { partNumberMarker: marker, maxParts: 3 });
      seen.push(...page.parts.map((p) => p.partNumber));
      expect(page.parts.length).toBeLessThanOrEqual(3);
      if (!page.isTruncated) break;
      marker = page.nextPartNumberMarker;
    }
    expect(seen).toEqual([1, 2, 3, 5, 8, 13, 10000]);
    const res = await e().listParts('bkt', 'obj', u.uploadId, { maxParts: 5000 });
    expect(res.parts).toHaveLength(7);
    expect(res.upload).toMatchObject({ key: 'obj', uploadId: u.uploadId, owner: 'alice', storageClass: 'STANDARD' });
  });

  it('ListMultipartUploads: key then initiation order, prefix, delimiter, markers, paging', async () => {
    const made: [string, string][] = [];
    for (const k of ['b', 'a/1', 'a/2', 'c', 'b', 'a/1', 'd/x/y']) made.push([k, (await create(k)).uploadId]);
    const sorted = [...made].sort((x, y) => (x[0] === y[0] ? (x[1] < y[1] ? -1 : 1) : x[0] < y[0] ? -1 : 1));
    const all = await e().listMultipartUploads('bkt', { maxUploads: 1000 });
    expect(all.uploads.map((x) => [x.key, x.uploadId])).toEqual(sorted);
    // uploads of the same key in initiation order
    const bs = all.uploads.filter((x) => x.key === 'b').map((x) => x.uploadId);
    expect(bs).toEqual(made.filter((m) => m[0] === 'b').map((m) => m[1]));
    // paging two at a time visits everything once
    const seen: [string, string][] = [];
    let km: string | undefined;
    let um: string | undefined;
    for (;;) {
      const page = await e().listMultipartUploads('bkt', { maxUploads: 2, keyMarker: km, uploadIdMarker: um });
      seen.push(...page.uploads.map((x) => [x.key, x.uploadId] as [string, string]));
      if (!page.isTruncated) break;
      km = page.nextKeyMarker;
      um = page.nextUploadIdMarker;
    }
    expect(seen).toEqual(sorted);
    const d = await e().listMultipartUploads('bkt', { maxUploads: 1000, delimiter: '/' });
    expect(d.commonPrefixes).toEqual(['a/', 'd/']);
    expect(d.uploads.map((x) => x.key)).toEqual(['b', 'b', 'c']);
    const p = await e().listMultipartUploads('bkt', { maxUploads: 1000, prefix: 'a/', delimiter: '/' });
    expect(p.uploads.map((x) => x.key)).toEqual(['a/1', 'a/1', 'a/2']);
    const after = await e().listMultipartUploads('bkt', { maxUploads: 1000, keyMarker: 'b' });
    expect(after.uploads.map((x) => x.key)).toEqual(['c', 'd/x/y']);
    const afterPrefix = await e().listMultipartUploads('bkt', { maxUploads: 1000, keyMarker: 'a/', delimiter: '/' });
    expect(afterPrefix.commonPrefixes).toEqual(['d/']);
  });

  it('deleting a bucket with only incomplete uploads succeeds and releases their chunks', async () => {
    const u = await create();
    await part('obj', u.uploadId, 1, bytes(3 * CS, 1));
    await e().deleteBucket('bkt');
    await e().gc({ graceMs: 0 });
    expect(await e().usage()).toMatchObject({ buckets: 0, chunks: 0, physicalBytes: 0 });
    expect(await chunkFiles(t.dir)).toEqual([]);
    await clean();
  });
});
