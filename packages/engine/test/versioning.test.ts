/**
 * Targeted versioning and tagging tests at the engine level (the model test covers sequences).
 */
import { S3Error } from '../src';
import { body, bytes, openEngine, readAll, type TestEngine } from './helpers';

let t: TestEngine;
beforeEach(async () => {
  t = await openEngine({ chunkSize: 1024 });
  await t.engine.createBucket('bkt', { owner: 'root' });
});
afterEach(async () => t.cleanup());

async function code(p: Promise<unknown>): Promise<S3Error> {
  try {
    await p;
  } catch (e) {
    return e as S3Error;
  }
  throw new Error('expected a rejection');
}

describe('versioning', () => {
  it('100 versions differing in one chunk share the rest: ~1 object + 99 chunks on disk', async () => {
    const e = t.engine;
    await e.putBucketVersioning('bkt', 'Enabled');
    const size = 64 * 1024; // 64 chunks of 1 KiB
    const base = bytes(size, 7);
    for (let v = 0; v < 100; v++) {
      const data = Buffer.from(base);
      if (v > 0) data.writeUInt32BE(v, ((v - 1) % 64) * 1024 + 100); // one chunk differs from the base
      await e.putObject('bkt', 'big', body(data, 4096), { owner: 'root' });
    }
    const u = await e.usage();
    expect(u.objects).toBe(100);
    expect(u.logicalBytes).toBe(100 * size);
    expect(u.chunks).toBe(64 + 99);
    expect(u.physicalBytes).toBe(size + 99 * 1024);
    console.log(
      `dedup: 100 versions of ${size} B differing in one 1 KiB chunk: logical ${u.logicalBytes} B, physical ${u.physicalBytes} B (${u.chunks} chunks)`,
    );
    const versions = (await e.listObjectVersions('bkt', { maxKeys: 1000 })).entries;
    expect(versions).toHaveLength(100);
    // Oldest is the base; reading it back is byte-exact.
    const oldest = versions[versions.length - 1];
    expect((await readAll((await e.getObject('bkt', 'big', { versionId: oldest.versionId })).body)).equals(base)).toBe(true);
    expect((await e.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  it('deep histories do not slow ListObjects: the latest is read without touching V/', async () => {
    const e = t.engine;
    await e.putBucketVersioning('bkt', 'Enabled');
    for (let i = 0; i < 200; i++) await e.putObject('bkt', 'k1', body(`v${i}`), { owner: 'root' });
    await e.putObject('bkt', 'k2', body('x'), { owner: 'root' });
    const db = (e as unknown as { ctx: { db: { entriesRead: number } } }).ctx.db;
    const before = db.entriesRead;
    const r = await e.listObjects('bkt', { maxKeys: 1000 });
    expect(r.objects.map((o) => o.key)).toEqual(['k1', 'k2']);
    expect(db.entriesRead - before).toBeLessThanOrEqual(2);
    // ListObjectVersions pays for the page, not the history.
    const b2 = db.entriesRead;
    const page = await e.listObjectVersions('bkt', { maxKeys: 5 });
    expect(page.entries).toHaveLength(5);
    expect(page.isTruncated).toBe(true);
    expect(db.entriesRead - b2).toBeLessThanOrEqual(7);
  });

  it('objects written before versioning keep version id "null" and stay reachable', async () => {
    const e = t.engine;
    await e.putObject('bkt', 'k', body('old'), { owner: 'root' });
    await e.putBucketVersioning('bkt', 'Enabled');
    const v2 = await e.putObject('bkt', 'k', body('new'), { owner: 'root' });
    expect(v2.versionId).toMatch(/^[0-9a-f]{24}$/);
    expect((await readAll((await e.getObject('bkt', 'k', { versionId: 'null' })).body)).toString()).toBe('old');
    const list = (await e.listObjectVersions('bkt', { maxKeys: 10 })).entries;
    expect(list.map((v) => [v.versionId, v.isLatest])).toEqual([
      [v2.versionId, true],
      ['null', false],
    ]);
    // Suspended: a PUT replaces the (noncurrent) null version and becomes latest.
    await e.putBucketVersioning('bkt', 'Suspended');
    await e.putObject('bkt', 'k', body('newest'), { owner: 'root' });
    const after = (await e.listObjectVersions('bkt', { maxKeys: 10 })).entries;
    expect(after.map((v) => [v.versionId, v.isLatest])).toEqual([
      ['null', true],
      [v2.versionId, false],
    ]);
    expect((await e.verifyRefcounts()).problems).toEqual([]);
  });

  it('errors: malformed version id, unknown version, marker by id, unversioned delete marker behaviour', async () => {
    const e = t.engine;
    await e.putBucketVersioning('bkt', 'Enabled');
    await e.putObject('bkt', 'k', body('a'), { owner: 'root' });
    expect((await code(e.getObject('bkt', 'k', { versionId: 'nope' }))).code).toBe('InvalidArgument');
    expect((await code(e.getObject('bkt', 'k', { versionId: '0'.repeat(24) }))).code).toBe('NoSuchVersion');
    const del = await e.deleteObject('bkt', 'k');
    expect(del.deleteMarker).toBe(true);
    const err = await code(e.headObject('bkt', 'k', { versionId: del.versionId }));
    expect(err.code).toBe('MethodNotAllowed');
    expect(err.deleteMarker).toBe(true);
    // Removing the marker undeletes.
    const rm = await e.deleteObject('bkt', 'k', { versionId: del.versionId });
    expect(rm).toEqual({ versionId: del.versionId, deleteMarker: true });
    expect((await e.headObject('bkt', 'k')).meta.size).toBe(1);
    expect((await code(e.putBucketVersioning('bkt', 'Off' as never))).code).toBe('IllegalVersioningConfigurationException');
  });

  it('multi-object delete: markers, versions, repeated keys in one request', async () => {
    const e = t.engine;
    await e.putBucketVersioning('bkt', 'Enabled');
    const v1 = await e.putObject('bkt', 'k', body('a'), { owner: 'root' });
    const v2 = await e.putObject('bkt', 'k', body('bkt'), { owner: 'root' });
    const r = await e.deleteObjects('bkt', [{ key: 'k' }, { key: 'k', versionId: v1.versionId }, { key: 'other' }]);
    expect(r[0].deleteMarker).toBe(true);
    expect(r[0].deleteMarkerVersionId).toMatch(/^[0-9a-f]{24}$/);
    expect(r[1]).toEqual({ key: 'k', versionId: v1.versionId });
    expect(r[2].deleteMarker).toBe(true);
    const r2 = await e.deleteObjects('bkt', [{ key: 'k', versionId: r[0].deleteMarkerVersionId }]);
    expect(r2[0]).toEqual({ key: 'k', versionId: r[0].deleteMarkerVersionId, deleteMarker: true, deleteMarkerVersionId: r[0].deleteMarkerVersionId });
    expect((await e.headObject('bkt', 'k')).meta.versionId).toBe(v2.versionId);
    expect((await e.verifyRefcounts()).problems).toEqual([]);
  });
});

describe('versioning under concurrency', () => {
  it('concurrent writes and deletes on one key: every version kept, ids unique, refcounts exact', async () => {
    const e = t.engine;
    await e.putBucketVersioning('bkt', 'Enabled');
    const puts = await Promise.all(Array.from({ length: 20 }, (_, i) => e.putObject('bkt', 'hot', body(`v${i}`.repeat(300)), { owner: 'root' })));
    const ids = new Set(puts.map((p) => p.versionId));
    expect(ids.size).toBe(20);
    const mixed = await Promise.all([
      ...puts.slice(0, 5).map((p) => e.deleteObject('bkt', 'hot', { versionId: p.versionId })),
      ...Array.from({ length: 5 }, () => e.deleteObject('bkt', 'hot')),
      ...Array.from({ length: 5 }, (_, i) => e.putObject('bkt', 'hot', body(`w${i}`), { owner: 'root' })),
    ]);
    expect(mixed).toHaveLength(15);
    const list = (await e.listObjectVersions('bkt', { maxKeys: 1000 })).entries;
    expect(list).toHaveLength(20 - 5 + 5 + 5);
    expect(list.filter((v) => v.deleteMarker)).toHaveLength(5);
    expect(list.filter((v) => v.isLatest)).toHaveLength(1);
    // Newest first: version tokens ascend byte-wise down the list.
    const tokens = list.map((v) => v.versionId);
    expect([...tokens].sort()).toEqual(tokens);
    expect((await e.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });
});

describe('tagging', () => {
  it('object tags: put/get/delete by version, count in meta, copy directive, limits', async () => {
    const e = t.engine;
    await e.putBucketVersioning('bkt', 'Enabled');
    const v1 = await e.putObject('bkt', 'k', body('a'), { owner: 'root', tags: [{ key: 'a', value: '1' }] });
    const v2 = await e.putObject('bkt', 'k', body('bkt'), { owner: 'root' });
    expect((await e.headObject('bkt', 'k', { versionId: v1.versionId })).meta.tagCount).toBe(1);
    expect((await e.headObject('bkt', 'k')).meta.tagCount).toBeUndefined();
    await e.putObjectTagging('bkt', 'k', [
      { key: 'x y', value: 'ü:/@' },
      { key: 'z', value: '' },
    ]);
    expect(await e.getObjectTagging('bkt', 'k')).toEqual({
      versionId: v2.versionId,
      tags: [
        { key: 'x y', value: 'ü:/@' },
        { key: 'z', value: '' },
      ],
    });
    expect((await e.getObjectTagging('bkt', 'k', { versionId: v1.versionId })).tags).toEqual([{ key: 'a', value: '1' }]);
    await e.deleteObjectTagging('bkt', 'k', { versionId: v1.versionId });
    expect((await e.getObjectTagging('bkt', 'k', { versionId: v1.versionId })).tags).toEqual([]);
    const c = await e.copyObject('bkt', 'k', 'bkt', 'c', { owner: 'root' });
    expect(c.tagCount).toBe(2);
    const c2 = await e.copyObject('bkt', 'k', 'bkt', 'c2', { owner: 'root', taggingDirective: 'REPLACE', tags: [{ key: 'n', value: 'v' }] });
    expect(c2.tagCount).toBe(1);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    for (const bad of [
      eleven,
      [{ key: 'aws:x', value: 'v' }],
      [
        { key: 'a', value: '1' },
        { key: 'a', value: '2' },
      ],
      [{ key: 'k'.repeat(129), value: '' }],
      [{ key: 'a', value: 'v'.repeat(257) }],
      [{ key: 'a*', value: '' }],
      [{ key: '', value: 'x' }],
    ]) {
      expect((await code(e.putObjectTagging('bkt', 'k', bad))).code).toBe('InvalidTag');
    }
    await e.deleteObject('bkt', 'k');
    expect((await code(e.getObjectTagging('bkt', 'k'))).code).toBe('NoSuchKey');
  });

  it('bucket tags: NoSuchTagSet, 50 max, replace and delete', async () => {
    const e = t.engine;
    expect((await code(e.getBucketTagging('bkt'))).code).toBe('NoSuchTagSet');
    await e.putBucketTagging('bkt', [{ key: 'team', value: 'x' }]);
    expect(await e.getBucketTagging('bkt')).toEqual([{ key: 'team', value: 'x' }]);
    const fifty = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v' }));
    await e.putBucketTagging('bkt', fifty);
    expect(await e.getBucketTagging('bkt')).toHaveLength(50);
    expect((await code(e.putBucketTagging('bkt', [...fifty, { key: 'x', value: '' }]))).code).toBe('InvalidTag');
    await e.putBucketTagging('bkt', []);
    expect((await code(e.getBucketTagging('bkt'))).code).toBe('NoSuchTagSet');
  });
});
