import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3Error, chunkRelativePath } from '../src';
import { body, bytes, chunkFiles, openEngine, readAll, type TestEngine } from './helpers';

const CS = 16; // chunk size used by openEngine

describe('objects', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.createBucket('bkt', { owner: 'alice' });
  });
  afterEach(() => t.cleanup());

  const put = (key: string, data: Buffer | string, extra: object = {}) => t.engine.putObject('bkt', key, body(data), { owner: 'alice', ...extra });
  const get = async (key: string, opts = {}) => readAll((await t.engine.getObject('bkt', key, opts)).body);
  const consistent = async () => expect((await t.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);

  const INLINE = CS / 4; // bodies up to a quarter chunk live in metadata
  describe.each([0, 1, INLINE, INLINE + 1, CS - 1, CS, CS + 1, 3 * CS, 8 * CS, 8 * CS + 1, 1030 * CS + 7])('a %p-byte body', (n) => {
    it('round-trips with the right chunk count, ETag and checksum', async () => {
      const data = bytes(n, n + 1);
      const meta = await put('k', data, { checksumAlgorithm: 'SHA256', contentLength: n });
      expect(meta.size).toBe(n);
      expect(meta.etag).toBe(createHash('md5').update(data).digest('hex'));
      expect(meta.checksum).toEqual({ algorithm: 'SHA256', value: createHash('sha256').update(data).digest('base64'), type: 'FULL_OBJECT' });
      expect((await get('k')).equals(data)).toBe(true);
      const distinct = new Set<string>();
      if (n > INLINE)
        for (let i = 0; i < n; i += CS)
          distinct.add(
            createHash('sha256')
              .update(data.subarray(i, i + CS))
              .digest('hex'),
          );
      expect((await chunkFiles(t.dir)).length).toBe(distinct.size);
      const u = await t.engine.usage();
      expect(u).toMatchObject({ objects: 1, logicalBytes: n, chunks: distinct.size, physicalBytes: n });
      const r = await t.engine.getObject('bkt', 'k', { range: { kind: 'suffix', length: 2 } }).catch((e) => e);
      if (n === 0) expect(r).toMatchObject({ code: 'InvalidRange' });
      else expect((await readAll(r.body)).equals(data.subarray(Math.max(0, n - 2)))).toBe(true);
      await consistent();
    });
  });

  it('reads ranges across chunk boundaries (inline and segmented chunk lists)', async () => {
    for (const n of [5 * CS + 3, 1100 * CS + 5]) {
      const data = bytes(n, 7);
      await put('r', data);
      const cases: [number, number][] = [
        [0, 0],
        [0, CS - 1],
        [CS - 1, CS],
        [CS, 2 * CS - 1],
        [3, 3 * CS + 2],
        [n - 1, n - 1],
        [n - 2 * CS - 1, n - 1],
        [1024 * CS - 3, 1024 * CS + 5],
      ].filter(([, b]) => b < n) as [number, number][];
      for (const [a, b] of cases) {
        const res = await t.engine.getObject('bkt', 'r', { range: { kind: 'range', start: a, end: b } });
        expect(res.range).toEqual({ start: a, end: b });
        expect((await readAll(res.body)).equals(data.subarray(a, b + 1))).toBe(true);
      }
      const suffix = await t.engine.getObject('bkt', 'r', { range: { kind: 'suffix', length: CS + 2 } });
      expect((await readAll(suffix.body)).equals(data.subarray(n - CS - 2))).toBe(true);
      const open = await t.engine.getObject('bkt', 'r', { range: { kind: 'range', start: n - 5 } });
      expect((await readAll(open.body)).equals(data.subarray(n - 5))).toBe(true);
      await expect(t.engine.getObject('bkt', 'r', { range: { kind: 'range', start: n } })).rejects.toMatchObject({ code: 'InvalidRange' });
      const head = await t.engine.headObject('bkt', 'r', { range: { kind: 'range', start: 1, end: 2 } });
      expect(head.range).toEqual({ start: 1, end: 2 });
    }
    await consistent();
  });

  it('small bodies are stored inline: copy, overwrite and delete them', async () => {
    await put('tiny', 'abc');
    expect(await chunkFiles(t.dir)).toEqual([]);
    await t.engine.createBucket('dst', { owner: 'alice' });
    await t.engine.copyObject('bkt', 'tiny', 'dst', 'copy', { owner: 'alice' });
    await put('tiny', bytes(3 * CS));
    expect((await readAll((await t.engine.getObject('dst', 'copy')).body)).toString()).toBe('abc');
    await put('tiny', 'xy');
    expect((await get('tiny')).toString()).toBe('xy');
    expect(await t.engine.usage()).toMatchObject({ objects: 2, logicalBytes: 5, physicalBytes: 3 * CS + 5 });
    await consistent();
    await t.engine.deleteObject('bkt', 'tiny');
    await t.engine.deleteObject('dst', 'copy');
    await t.engine.gc({ graceMs: 0 });
    expect(await t.engine.usage()).toMatchObject({ objects: 0, logicalBytes: 0, physicalBytes: 0, chunks: 0 });
    await consistent();
  });

  it('deduplicates identical content', async () => {
    const data = bytes(10 * CS, 3);
    await put('one', data);
    const files = await chunkFiles(t.dir);
    const mtimes = await Promise.all(files.map((f) => fs.promises.stat(path.join(t.dir, 'chunks', chunkRelativePath(f))).then((s) => s.mtimeMs)));
    await put('two', data);
    expect(await chunkFiles(t.dir)).toEqual(files);
    const mtimes2 = await Promise.all(files.map((f) => fs.promises.stat(path.join(t.dir, 'chunks', chunkRelativePath(f))).then((s) => s.mtimeMs)));
    expect(mtimes2).toEqual(mtimes); // not rewritten
    const u = await t.engine.usage();
    expect(u.logicalBytes).toBe(2 * u.physicalBytes);
    expect(u).toMatchObject({ buckets: 1, objects: 2, chunks: 10, physicalBytes: 10 * CS });
    // repeated chunks inside one object count one reference each
    await put('rep', Buffer.concat([data.subarray(0, CS), data.subarray(0, CS), data.subarray(0, CS)]));
    await consistent();
  });

  it('accepts AsyncIterables of Uint8Array and strings in odd piece sizes', async () => {
    async function* gen() {
      yield new Uint8Array([104, 105]);
      yield 'x'.repeat(40);
      yield Buffer.alloc(0);
    }
    await t.engine.putObject('bkt', 'it', gen() as unknown as AsyncIterable<Buffer>, { owner: 'alice' });
    expect((await get('it')).toString()).toBe('hi' + 'x'.repeat(40));
  });

  it('enforces Content-Length', async () => {
    await expect(put('short', 'abc', { contentLength: 4 })).rejects.toMatchObject({ code: 'IncompleteBody' });
    await expect(put('long', 'abcde', { contentLength: 4 })).rejects.toMatchObject({ code: 'InvalidRequest' });
    await expect(put('huge', 'x', { contentLength: 5 * 1024 ** 3 + 1 })).rejects.toMatchObject({ code: 'EntityTooLarge' });
    await expect(put('neg', 'x', { contentLength: -1 })).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect((await t.engine.listObjects('bkt', { maxKeys: 10 })).objects).toEqual([]);
  });

  it('validates keys: odd keys round-trip, bad ones are refused', async () => {
    const odd = [
      '..',
      '.',
      './x',
      'x/../y',
      '//double',
      'trailing/',
      'a b',
      'a+b',
      'a%2Fb',
      'ü/é',
      '日本/語',
      'tab\there',
      '😀',
      'k'.repeat(1024),
      'é'.repeat(512),
    ];
    for (const k of odd) await put(k, `v:${k}`);
    for (const k of odd) expect((await get(k)).toString()).toBe(`v:${k}`);
    const listed = (await t.engine.listObjects('bkt', { maxKeys: 1000 })).objects.map((o) => o.key);
    expect([...listed].sort()).toEqual([...odd].sort());
    await expect(put('', 'x')).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(put('k'.repeat(1025), 'x')).rejects.toMatchObject({ code: 'KeyTooLongError', message: 'Your key is too long' });
    await expect(put('é'.repeat(513), 'x')).rejects.toMatchObject({ code: 'KeyTooLongError' });
    await expect(put('a\u0000b', 'x')).rejects.toMatchObject({ code: 'InvalidObjectName' });
    await expect(put('bad\ud800', 'x')).rejects.toMatchObject({ code: 'InvalidObjectName' });
  });

  it('limits user metadata to 2 KiB and validates storage classes', async () => {
    await put('ok', 'x', { userMetadata: { a: 'x'.repeat(2047) } });
    await expect(put('big', 'x', { userMetadata: { ab: 'x'.repeat(2047) } })).rejects.toMatchObject({ code: 'MetadataTooLarge' });
    await expect(put('sc', 'x', { storageClass: 'COLD' })).rejects.toMatchObject({ code: 'InvalidStorageClass' });
    const m = await put('ia', 'x', { storageClass: 'STANDARD_IA' });
    expect(m.storageClass).toBe('STANDARD_IA');
    expect((await t.engine.headObject('bkt', 'ia')).meta.storageClass).toBe('STANDARD_IA');
  });

  it('stores content headers and user metadata', async () => {
    await put('h', 'x', {
      contentType: 'text/html',
      contentEncoding: 'gzip',
      contentDisposition: 'attachment',
      contentLanguage: 'en',
      cacheControl: 'no-cache',
      expires: 'Wed, 21 Oct 2015 07:28:00 GMT',
      websiteRedirectLocation: '/other',
      userMetadata: { Mixed: 'Case', 'x-y': 'ü' },
    });
    const { meta } = await t.engine.headObject('bkt', 'h');
    expect(meta).toMatchObject({
      contentType: 'text/html',
      contentEncoding: 'gzip',
      contentDisposition: 'attachment',
      contentLanguage: 'en',
      cacheControl: 'no-cache',
      expires: 'Wed, 21 Oct 2015 07:28:00 GMT',
      websiteRedirectLocation: '/other',
      userMetadata: { mixed: 'Case', 'x-y': 'ü' },
      owner: 'alice',
      bucket: 'bkt',
      key: 'h',
    });
    expect(meta.lastModified).toBeInstanceOf(Date);
  });

  it('conditional writes', async () => {
    const m = await put('c', 'one', { conditions: { ifNoneMatch: '*' } });
    await expect(put('c', 'two', { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({ code: 'PreconditionFailed' });
    await expect(put('missing', 'two', { conditions: { ifMatch: m.etag } })).rejects.toMatchObject({ code: 'NoSuchKey' });
    await expect(put('c', 'two', { conditions: { ifMatch: '"deadbeef"' } })).rejects.toMatchObject({ code: 'PreconditionFailed' });
    await put('c', 'two', { conditions: { ifMatch: `"${m.etag}"` } });
    expect((await get('c')).toString()).toBe('two');
    await consistent();
  });

  it('only one of many concurrent If-None-Match:* writers wins', async () => {
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => put('race', `v${i}`.repeat(9), { conditions: { ifNoneMatch: '*' } })));
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'PreconditionFailed' });
    await consistent();
  });

  it('verify sees the digests; a throwing verify commits nothing', async () => {
    const data = bytes(5 * CS);
    let seen: unknown;
    await put('v', data, { checksumAlgorithm: 'CRC32', verify: (d: unknown) => void (seen = d) });
    expect(seen).toMatchObject({ size: 5 * CS, md5: createHash('md5').update(data).digest(), checksum: { algorithm: 'CRC32' } });

    const other = bytes(5 * CS, 99);
    const err = new S3Error('BadDigest', 'nope');
    await expect(put('v', other, { verify: async () => Promise.reject(err) })).rejects.toBe(err);
    await expect(
      put('w', other, {
        verify: () => {
          throw err;
        },
      }),
    ).rejects.toBe(err);
    expect((await get('v')).equals(data)).toBe(true);
    await expect(t.engine.headObject('bkt', 'w')).rejects.toMatchObject({ code: 'NoSuchKey' });
    await consistent();
    // the refused uploads' chunk files were removed at once: nothing left for GC
    expect(await chunkFiles(t.dir)).toHaveLength(5);
    expect((await t.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(0);
    expect((await get('v')).equals(data)).toBe(true);
  });

  // The stream is destroyed on the next tick: with PostgreSQL metadata the engine is still
  // loading the bucket then and not yet listening, so the bare Readable's error is unhandled.
  (process.env.CAIRN_TEST_PG_URL ? it.skip : it)('a failing body stream commits nothing and rethrows the S3Error as is', async () => {
    const err = new S3Error('XAmzContentChecksumMismatch', 'bad trailer');
    async function* failing() {
      yield bytes(3 * CS);
      throw err;
    }
    await expect(t.engine.putObject('bkt', 'f', failing(), { owner: 'alice' })).rejects.toBe(err);
    const readable = new Readable({ read() {} });
    const p = t.engine.putObject('bkt', 'g', readable, { owner: 'alice' });
    readable.push(bytes(2 * CS));
    setImmediate(() => readable.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
    await expect(p).rejects.toMatchObject({ code: 'IncompleteBody' });
    expect((await t.engine.listObjects('bkt', { maxKeys: 10 })).objects).toEqual([]);
    await consistent();
  });

  it('does not destroy a Readable body it stops reading early', async () => {
    const readable = Readable.from([Buffer.from('abcdefgh')], { objectMode: false });
    await expect(t.engine.putObject('bkt', 'x', readable, { owner: 'alice', contentLength: 3 })).rejects.toMatchObject({ code: 'InvalidRequest' });
    expect(readable.destroyed).toBe(false);
  });

  it('get/head errors and conditions', async () => {
    const m = await put('k', 'hello');
    await expect(t.engine.getObject('bkt', 'nope')).rejects.toMatchObject({ code: 'NoSuchKey', fields: { Key: 'nope' } });
    await expect(t.engine.headObject('nobucket', 'k')).rejects.toMatchObject({ code: 'NoSuchBucket' });
    await expect(t.engine.getObject('bkt', 'k', { conditions: { ifNoneMatch: m.etag } })).rejects.toMatchObject({ code: 'NotModified' });
    await expect(t.engine.headObject('bkt', 'k', { conditions: { ifMatch: 'x' } })).rejects.toMatchObject({ code: 'PreconditionFailed' });
    await expect(t.engine.getObject('bkt', 'k', { versionId: '0'.repeat(24) })).rejects.toMatchObject({ code: 'NoSuchVersion' });
    expect((await get('k', { versionId: 'null' })).toString()).toBe('hello');
  });

  it('a missing or corrupt chunk file errors the stream instead of returning wrong bytes', async () => {
    const data = bytes(4 * CS, 5);
    await put('k', data);
    const hash = createHash('sha256')
      .update(data.subarray(2 * CS, 3 * CS))
      .digest('hex');
    const file = path.join(t.dir, 'chunks', chunkRelativePath(hash));
    await fs.promises.writeFile(file, Buffer.alloc(CS, 1));
    await expect(get('k')).rejects.toMatchObject({ code: 'InternalError' });
    await fs.promises.unlink(file);
    await expect(get('k')).rejects.toMatchObject({ code: 'InternalError' });
    // reading only the intact chunks still works
    expect((await get('k', { range: { kind: 'range', start: 0, end: CS - 1 } })).equals(data.subarray(0, CS))).toBe(true);
    // re-uploading the same content repairs the damaged chunk
    await put('k2', data);
    expect((await get('k')).equals(data)).toBe(true);
  });

  it('destroying a body stream early releases its read lease', async () => {
    await put('k', bytes(50 * CS));
    const res = await t.engine.getObject('bkt', 'k');
    const first = await new Promise<Buffer>((resolve) => res.body.once('data', resolve));
    expect(first.length).toBeGreaterThan(0);
    res.body.destroy();
    await new Promise((r) => res.body.once('close', r));
    const leases = (t.engine as unknown as { ctx: { leases: { size: number } } }).ctx.leases;
    expect(leases.size).toBe(0);
    // never-read bodies release too once destroyed
    const res2 = await t.engine.getObject('bkt', 'k');
    expect(leases.size).toBe(1);
    res2.body.destroy();
    await new Promise((r) => res2.body.once('close', r));
    expect(leases.size).toBe(0);
  });

  it('deleteObject releases chunk references', async () => {
    await put('a', bytes(3 * CS, 1));
    await put('b', bytes(3 * CS, 1));
    await t.engine.deleteObject('bkt', 'a');
    await consistent();
    expect((await t.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(0);
    await t.engine.deleteObject('bkt', 'b');
    expect(await t.engine.deleteObject('bkt', 'b')).toEqual({});
    expect((await t.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(3);
    expect(await chunkFiles(t.dir)).toEqual([]);
    expect(await t.engine.usage()).toEqual({ buckets: 1, objects: 0, logicalBytes: 0, physicalBytes: 0, chunks: 0 });
    await consistent();
  });

  it('deleteObjects reports per key', async () => {
    await put('a', 'A');
    await put('b', 'B');
    const res = await t.engine.deleteObjects('bkt', [
      { key: 'a' },
      { key: 'missing' },
      { key: 'k'.repeat(2000) },
      { key: 'b', versionId: 'null' },
      { key: 'a' },
    ]);
    expect(res).toEqual([
      { key: 'a' },
      { key: 'missing' },
      { key: 'k'.repeat(2000), error: { code: 'KeyTooLongError', message: 'Your key is too long' } },
      { key: 'b', versionId: 'null' },
      { key: 'a' },
    ]);
    expect((await t.engine.listObjects('bkt', { maxKeys: 10 })).objects).toEqual([]);
    await expect(t.engine.deleteObjects('nope', [{ key: 'a' }])).rejects.toMatchObject({ code: 'NoSuchBucket' });
    await consistent();
  });

  describe('copyObject', () => {
    beforeEach(async () => {
      await t.engine.createBucket('dst', { owner: 'alice' });
    });

    it('COPY keeps headers and metadata, references the same chunks', async () => {
      const data = bytes(20 * CS, 11);
      const src = await put('s', data, { contentType: 'image/png', userMetadata: { a: '1' }, checksumAlgorithm: 'CRC32C' });
      const files = await chunkFiles(t.dir);
      await new Promise((r) => setTimeout(r, 5));
      const c = await t.engine.copyObject('bkt', 's', 'dst', 'd', { owner: 'bob' });
      expect(c).toMatchObject({ etag: src.etag, size: src.size, contentType: 'image/png', userMetadata: { a: '1' }, owner: 'bob', checksum: src.checksum });
      expect(c.lastModified.getTime()).toBeGreaterThan(src.lastModified.getTime());
      expect(await chunkFiles(t.dir)).toEqual(files);
      expect(readAll((await t.engine.getObject('dst', 'd')).body)).resolves.toEqual(data);
      const u = await t.engine.usage();
      expect(u.logicalBytes).toBe(2 * u.physicalBytes);
      await t.engine.deleteObject('bkt', 's');
      expect((await readAll((await t.engine.getObject('dst', 'd')).body)).equals(data)).toBe(true);
      await consistent();
    });

    it('REPLACE takes the given headers and metadata; checksum of another algorithm is dropped', async () => {
      await put('s', 'data', { contentType: 'a/b', userMetadata: { a: '1' }, checksumAlgorithm: 'CRC32' });
      const c = await t.engine.copyObject('bkt', 's', 'dst', 'd', {
        owner: 'alice',
        metadataDirective: 'REPLACE',
        contentHeaders: { contentType: 'c/d' },
        userMetadata: { b: '2' },
        storageClass: 'GLACIER_IR',
        checksumAlgorithm: 'SHA1',
      });
      expect(c).toMatchObject({ contentType: 'c/d', userMetadata: { b: '2' }, storageClass: 'GLACIER_IR' });
      expect(c.checksum).toBeUndefined();
    });

    it('copying onto itself needs a change', async () => {
      await put('s', 'data', { userMetadata: { a: '1' } });
      await expect(t.engine.copyObject('bkt', 's', 'bkt', 's', { owner: 'alice' })).rejects.toMatchObject({
        code: 'InvalidRequest',
        message: expect.stringContaining('copy an object to itself without changing'),
      });
      const r = await t.engine.copyObject('bkt', 's', 'bkt', 's', { owner: 'alice', metadataDirective: 'REPLACE', userMetadata: { a: '2' } });
      expect(r.userMetadata).toEqual({ a: '2' });
      const sc = await t.engine.copyObject('bkt', 's', 'bkt', 's', { owner: 'alice', storageClass: 'STANDARD_IA' });
      expect(sc).toMatchObject({ storageClass: 'STANDARD_IA', userMetadata: { a: '2' } });
      expect((await get('s')).toString()).toBe('data');
      await consistent();
    });

    it('evaluates source and destination conditions', async () => {
      const s = await put('s', 'data');
      const past = new Date(Date.now() - 3600e3);
      await expect(t.engine.copyObject('bkt', 's', 'dst', 'd', { owner: 'a', sourceConditions: { ifMatch: 'zzz' } })).rejects.toMatchObject({
        code: 'PreconditionFailed',
      });
      await expect(t.engine.copyObject('bkt', 's', 'dst', 'd', { owner: 'a', sourceConditions: { ifNoneMatch: s.etag } })).rejects.toMatchObject({
        code: 'PreconditionFailed',
      });
      await expect(
        t.engine.copyObject('bkt', 's', 'dst', 'd', { owner: 'a', sourceConditions: { ifModifiedSince: new Date(Date.now() + 1000) } }),
      ).resolves.toBeDefined();
      await t.engine.copyObject('bkt', 's', 'dst', 'd', { owner: 'a', sourceConditions: { ifMatch: s.etag, ifUnmodifiedSince: past } });
      await expect(t.engine.copyObject('bkt', 's', 'dst', 'd', { owner: 'a', conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({
        code: 'PreconditionFailed',
      });
      await expect(t.engine.copyObject('bkt', 'missing', 'dst', 'd', { owner: 'a' })).rejects.toMatchObject({ code: 'NoSuchKey' });
      await expect(t.engine.copyObject('bkt', 's', 'nobucket', 'd', { owner: 'a' })).rejects.toMatchObject({ code: 'NoSuchBucket' });
      await expect(t.engine.copyObject('bkt', 's', 'dst', 'd', { owner: 'a', srcVersionId: '9'.repeat(24) })).rejects.toMatchObject({ code: 'NoSuchVersion' });
      await consistent();
    });

    it('copies large (segmented) objects', async () => {
      const data = bytes(1030 * CS + 3, 4);
      await put('big', data);
      await t.engine.copyObject('bkt', 'big', 'dst', 'big', { owner: 'alice' });
      await put('big', 'replaced');
      expect((await readAll((await t.engine.getObject('dst', 'big')).body)).equals(data)).toBe(true);
      await consistent();
    });
  });
});
