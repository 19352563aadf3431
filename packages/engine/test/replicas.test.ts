/**
 * Zone replication inside the engine: putReplica places a peer's version by its id (time
 * order), keeps "latest" right, is idempotent, checks the bytes; versions covered by a rule are
 * PENDING from the batch that creates them; results and resync requeue.
 */
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { openEngine, readAll, type TestEngine } from './helpers';

const MAX64 = (1n << 64n) - 1n;
/** A version id as another zone would have made it at `ms` (versions.ts layout). */
const versionIdAt = (ms: number, tail = 'abcdef01'): string => (MAX64 - (BigInt(ms) << 20n)).toString(16).padStart(16, '0') + tail;
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const body = (s: string) => Readable.from([Buffer.from(s)]);

describe('replicas', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.createBucket('bkt', { owner: 'root' });
    await t.engine.putBucketVersioning('bkt', 'Enabled');
  });
  afterEach(() => t.cleanup());

  test('a replica lands at its sorted position; latest stays the newest; resends are no-ops', async () => {
    const e = t.engine;
    const local = await e.putObject('bkt', 'k', body('local'), { owner: 'root' });
    const older = versionIdAt(local.lastModified.getTime() - 60_000);
    const newer = versionIdAt(local.lastModified.getTime() + 60_000);
    const r1 = await e.putReplica('bkt', 'k', body('old'), {
      versionId: older,
      size: 3,
      etag: md5('old'),
      lastModified: local.lastModified.getTime() - 60_000,
      userMetadata: { z: '1' },
      tags: [['t', 'v']],
    });
    expect(r1).toEqual({ created: true, versionId: older });
    expect((await e.headObject('bkt', 'k')).meta.versionId).toBe(local.versionId); // older: noncurrent
    await e.putReplica('bkt', 'k', body('new'), { versionId: newer, size: 3, etag: md5('new'), lastModified: local.lastModified.getTime() + 60_000 });
    const head = (await e.headObject('bkt', 'k')).meta;
    expect(head.versionId).toBe(newer);
    expect(head.replicationStatus).toBe('REPLICA');
    expect(head.lastModified.getTime()).toBe(local.lastModified.getTime() + 60_000);
    expect((await e.putReplica('bkt', 'k', body('new'), { versionId: newer, size: 3, etag: md5('new'), lastModified: 1 })).created).toBe(false);
    const versions = await e.listObjectVersions('bkt', { maxKeys: 100 });
    expect(versions.entries.map((v) => [v.versionId, v.isLatest])).toEqual([
      [newer, true],
      [local.versionId, false],
      [older, false],
    ]);
    const old = await e.getObject('bkt', 'k', { versionId: older });
    expect((await readAll(old.body)).toString()).toBe('old');
    expect(old.meta.userMetadata).toEqual({ z: '1' });
    expect((await e.getObjectTagging('bkt', 'k', { versionId: older })).tags).toEqual([{ key: 't', value: 'v' }]);
    // a delete marker replica
    const marker = versionIdAt(local.lastModified.getTime() + 120_000);
    await e.putReplica('bkt', 'k', undefined, {
      versionId: marker,
      deleteMarker: true,
      size: 0,
      etag: '',
      lastModified: local.lastModified.getTime() + 120_000,
    });
    await expect(e.headObject('bkt', 'k')).rejects.toMatchObject({ code: 'NoSuchKey' });
    expect((await e.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
    // replica events are flagged, so replication never sends them again
    await e.registerFeedConsumer('t');
    await e.putReplica('bkt', 'k2', body('x'), { versionId: versionIdAt(Date.now()), size: 1, etag: md5('x'), lastModified: Date.now() });
    const ev = (await e.readFeed('t')).events;
    expect(ev.map((x) => [x.event, x.replica])).toEqual([['ObjectCreated:Put', true]]);
  });

  test('bytes are checked; nothing is stored on a mismatch; the bucket must be versioned', async () => {
    const e = t.engine;
    const id = versionIdAt(Date.now());
    await expect(e.putReplica('bkt', 'k', body('abc'), { versionId: id, size: 3, etag: md5('xyz'), lastModified: Date.now() })).rejects.toMatchObject({
      code: 'BadDigest',
    });
    await expect(e.putReplica('bkt', 'k', body('ab'), { versionId: id, size: 3, etag: md5('abc'), lastModified: Date.now() })).rejects.toMatchObject({
      code: 'IncompleteBody',
    });
    await expect(e.putReplica('bkt', 'k', body('abc'), { versionId: 'null', size: 3, etag: md5('abc'), lastModified: Date.now() })).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    expect((await e.listObjectVersions('bkt', { maxKeys: 10 })).entries).toEqual([]);
    await e.createBucket('plain', { owner: 'root' });
    await expect(e.putReplica('plain', 'k', body('abc'), { versionId: id, size: 3, etag: md5('abc'), lastModified: Date.now() })).rejects.toMatchObject({
      code: 'InvalidRequest',
    });
    // a multipart ETag is kept as given, with its parts
    await e.putReplica('bkt', 'mp', body('abcdef'), { versionId: id, size: 6, etag: `${md5('z')}-2`, partSizes: [4, 2], lastModified: Date.now() });
    const h = (await e.headObject('bkt', 'mp')).meta;
    expect([h.etag, h.partSizes]).toEqual([`${md5('z')}-2`, [4, 2]]);
    expect((await e.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  test('PENDING with a matching rule; results; requeue', async () => {
    const e = t.engine;
    await e.putBucketReplication('bkt', {
      role: 'arn:aws:iam::1:role/r',
      rules: [
        { id: 'r', priority: 1, status: 'Enabled', filter: { prefix: 'rep/' }, deleteMarkerReplication: 'Disabled', destinationBucket: 'arn:aws:s3:::bkt' },
      ],
    });
    const p = await e.putObject('bkt', 'rep/a', body('1'), { owner: 'root' });
    const q = await e.putObject('bkt', 'other', body('1'), { owner: 'root' });
    expect(p.replicationStatus).toBe('PENDING');
    expect(q.replicationStatus).toBeUndefined();
    const del = await e.deleteObject('bkt', 'rep/a');
    expect((await e.replicationSource('bkt', 'rep/a', del.versionId!))?.replicationStatus).toBeUndefined(); // DeleteMarkerReplication Disabled
    await e.recordReplicationResult('bkt', 'rep/a', p.versionId, 'x', true, ['x', 'y']);
    expect((await e.replicationSource('bkt', 'rep/a', p.versionId))?.replicationStatus).toBe('PENDING');
    await e.recordReplicationResult('bkt', 'rep/a', p.versionId, 'y', true, ['x', 'y']);
    expect((await e.replicationSource('bkt', 'rep/a', p.versionId))?.replicationStatus).toBe('COMPLETED');
    expect(await e.requeueReplication('bkt', 'other', q.versionId, 'x')).toBe(false);
    expect(await e.requeueReplication('bkt', 'rep/a', p.versionId, 'x')).toBe(true);
    expect(await e.replicationSource('bkt', 'rep/a', p.versionId)).toMatchObject({ replicationStatus: 'PENDING', replicatedTo: ['y'] });
    await expect(e.putBucketVersioning('bkt', 'Suspended')).rejects.toMatchObject({ code: 'InvalidBucketState' });
  });
});
