import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { Engine, fsck, FsckError, chunkRelativePath, type FsckReport } from '../src';
import { MetaDb } from '../src/meta/db';
import * as keys from '../src/meta/keys';
import { decodeRecord, encodeChunkList, loadChunks } from '../src/meta/records';
import { body, bytes, readAll, tempDir } from './helpers';
import { MIN_PART_SIZE } from '../src/multipart/uploadRecords';

/**
 * Each test builds a small on-disk store, breaks it the way a crash or a bug would (poking the
 * metadata db and the chunk directory directly), and checks what fsck reports, that --repair
 * fixes what it can, and that a second fsck is clean.
 */
const CS = 16;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Store {
  dir: string;
  bucketId: string;
  /** a: 3 chunks, b: 20 chunks (D/ segments), shares a's first chunk; c: inline body */
  a: Buffer;
  b: Buffer;
  c: Buffer;
}

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await fs.promises.rm(d, { recursive: true, force: true });
  dirs = [];
});

async function makeStore(): Promise<Store> {
  const dir = await tempDir();
  dirs.push(dir);
  const e = await Engine.open({ dataDir: dir, fsync: false, chunkSize: CS });
  const info = await e.createBucket('bkt', { owner: 'alice' });
  const a = bytes(3 * CS, 1);
  const b = Buffer.concat([a.subarray(0, CS), bytes(19 * CS + 5, 2)]);
  const c = Buffer.from('tiny');
  await e.putObject('bkt', 'a', body(a), { owner: 'alice' });
  await e.putObject('bkt', 'b', body(b), { owner: 'alice' });
  await e.putObject('bkt', 'c', body(c), { owner: 'alice' });
  await e.putObject('bkt', 'gone', body(bytes(2 * CS, 3)), { owner: 'alice' });
  await e.deleteObject('bkt', 'gone'); // two zero-ref chunks with GC markers
  await e.close();
  return { dir, bucketId: info.id, a, b, c };
}

async function withDb<T>(dir: string, fn: (db: MetaDb) => Promise<T>): Promise<T> {
  const db = await MetaDb.open(dir);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const kinds = (r: FsckReport): string[] => [...new Set(r.findings.map((f) => f.kind))].sort();

/** fsck finds exactly `expected` kinds; repair fixes them (or not), and a second run agrees. */
async function expectRepair(dir: string, expected: string[], opts: { repairable?: boolean } = {}): Promise<FsckReport> {
  const first = await fsck(dir);
  expect(kinds(first)).toEqual([...expected].sort());
  expect(first.clean).toBe(false);
  const repaired = await fsck(dir, { repair: true });
  expect(kinds(repaired)).toEqual([...expected].sort());
  const after = await fsck(dir);
  if (opts.repairable === false) {
    expect(repaired.clean).toBe(false);
    expect(after.clean).toBe(false);
  } else {
    expect(repaired.clean).toBe(true);
    expect(repaired.findings.every((f) => f.repaired)).toBe(true);
    expect(after.findings).toEqual([]);
    expect(after.clean).toBe(true);
  }
  return repaired;
}

async function readObject(dir: string, key: string): Promise<Buffer> {
  const e = await Engine.open({ dataDir: dir, fsync: false, chunkSize: CS });
  try {
    return await readAll((await e.getObject('bkt', key)).body);
  } finally {
    await e.close();
  }
}

async function firstChunkOf(dir: string, bucketId: string, key: string): Promise<{ hash: string; size: number }> {
  return withDb(dir, async (db) => {
    const rec = decodeRecord((await db.get(keys.objectKey(bucketId, key)))!);
    return (await loadChunks(db, rec))[0];
  });
}

describe('fsck', () => {
  it('a healthy store is clean, and every chunk file is hashed', async () => {
    const s = await makeStore();
    const r = await fsck(s.dir);
    expect(r.findings).toEqual([]);
    expect(r.clean).toBe(true);
    // a: 3 chunks, b: 1 shared + 20 own (the last one 5 bytes), 2 unreferenced ones not yet collected
    expect(r.stats).toMatchObject({ buckets: 1, records: 3, chunkRecords: 25, referencedChunks: 23, chunkFiles: 25 });
    expect(r.stats.bytesHashed).toBe(22 * CS + 5 + 2 * CS);
    // the 2 unreferenced chunks are younger than the default 60 s grace: not garbage yet
    expect(r.garbage).toEqual({ chunks: 0, bytes: 0, graceMs: 60_000 });
  });

  it('zero-reference chunks past the grace period: garbage awaiting collection (not a problem); --repair collects it', async () => {
    const s = await makeStore();
    await new Promise((r) => setTimeout(r, 20));
    const r = await fsck(s.dir, { gcGraceMs: 10 });
    expect(r.findings).toEqual([]);
    expect(r.clean).toBe(true);
    expect(r.garbage).toEqual({ chunks: 2, bytes: 2 * CS, graceMs: 10 });
    expect(r.stats.chunkFiles).toBe(25);

    const repaired = await fsck(s.dir, { gcGraceMs: 10, repair: true });
    expect(repaired.clean).toBe(true);
    expect(repaired.garbage).toEqual({ chunks: 2, bytes: 2 * CS, graceMs: 10, collected: { chunks: 2, bytes: 2 * CS } });
    const after = await fsck(s.dir, { gcGraceMs: 0 });
    expect(after.findings).toEqual([]); // records, markers and chunk counters all updated by GC
    expect(after.garbage).toMatchObject({ chunks: 0, bytes: 0 });
    expect(after.stats).toMatchObject({ chunkRecords: 23, chunkFiles: 23 });
    expect((await readObject(s.dir, 'b')).equals(s.b)).toBe(true);
  });

  it('reference counts that disagree with the records', async () => {
    const s = await makeStore();
    const shared = sha(s.a.subarray(0, CS));
    const own = sha(s.a.subarray(CS, 2 * CS));
    await withDb(s.dir, async (db) => {
      await db.batch(
        [
          { type: 'put', key: keys.chunkKey(shared), value: Buffer.from(JSON.stringify({ refs: 7, size: CS })) },
          { type: 'put', key: keys.chunkKey(own), value: Buffer.from(JSON.stringify({ refs: 0, size: CS, zeroedAt: 5 })) },
          { type: 'put', key: keys.gcMarkerKey(5, own), value: Buffer.alloc(0) },
        ],
        true,
      );
    });
    // the marker matched the bogus zero count, so it is stale once the count is right
    await expectRepair(s.dir, ['refcount', 'gc-marker-stale']);
    expect((await readObject(s.dir, 'a')).equals(s.a)).toBe(true);
    await withDb(s.dir, async (db) => {
      expect(await db.getJson(keys.chunkKey(shared))).toEqual({ refs: 2, size: CS });
      expect(await db.getJson(keys.chunkKey(own))).toEqual({ refs: 1, size: CS });
      expect(await db.all({ ...keys.allGcMarkersRange(), values: false })).toHaveLength(2);
    });
  });

  it('a referenced chunk without a reference count record', async () => {
    const s = await makeStore();
    const own = sha(s.a.subarray(CS, 2 * CS));
    await withDb(s.dir, (db) => db.batch([{ type: 'del', key: keys.chunkKey(own) }], true));
    // the chunk counters now also disagree with the C/ records (one fewer)
    await expectRepair(s.dir, ['missing-chunk-record', 'chunk-counters']);
    await withDb(s.dir, async (db) => expect(await db.getJson(keys.chunkKey(own))).toEqual({ refs: 1, size: CS }));
  });

  it('chunk counters and bucket usage counters', async () => {
    const s = await makeStore();
    await withDb(s.dir, (db) =>
      db.batch(
        [
          { type: 'put', key: keys.settingKey(keys.CHUNK_STATS_SETTING), value: Buffer.from('{"chunks":1,"bytes":2}') },
          { type: 'put', key: keys.bucketStatsKey(s.bucketId), value: Buffer.from('{"objects":9,"bytes":9}') },
          { type: 'put', key: keys.bucketStatsKey('zzz'), value: Buffer.from('{"objects":1,"bytes":1}') },
        ],
        true,
      ),
    );
    await expectRepair(s.dir, ['chunk-counters', 'usage-counters', 'orphan-usage-counters']);
    await withDb(s.dir, async (db) => {
      expect(await db.getJson(keys.bucketStatsKey(s.bucketId))).toEqual({ objects: 3, bytes: s.a.length + s.b.length + s.c.length, inlineBytes: s.c.length });
      expect(await db.getJson(keys.settingKey(keys.CHUNK_STATS_SETTING))).toEqual({ chunks: 25, bytes: 24 * CS + 5 });
    });
  });

  it('GC markers: missing for an unreferenced chunk, stale, or zeroedAt unset', async () => {
    const s = await makeStore();
    await withDb(s.dir, async (db) => {
      const markers = await db.all({ ...keys.allGcMarkersRange(), values: false });
      expect(markers).toHaveLength(2);
      const m0 = keys.decodeGcMarkerKey(markers[0][0]);
      const m1 = keys.decodeGcMarkerKey(markers[1][0]);
      await db.batch(
        [
          { type: 'del', key: markers[0][0] },
          { type: 'put', key: keys.gcMarkerKey(123, sha(s.a.subarray(0, CS))), value: Buffer.alloc(0) },
          { type: 'put', key: keys.chunkKey(m1.hash), value: Buffer.from(JSON.stringify({ refs: 0, size: CS })) },
          { type: 'del', key: markers[1][0] },
        ],
        true,
      );
      void m0;
    });
    await expectRepair(s.dir, ['gc-marker-missing', 'gc-marker-stale', 'zeroed-at']);
    await withDb(s.dir, async (db) => expect(await db.all({ ...keys.allGcMarkersRange(), values: false })).toHaveLength(2));
    // GC can collect them again
    const e = await Engine.open({ dataDir: s.dir, fsync: false, chunkSize: CS });
    expect((await e.gc({ graceMs: 0 })).chunksRemoved).toBe(2);
    await e.close();
    expect((await fsck(s.dir)).clean).toBe(true);
  });

  it('orphan chunk files and stale temp files are removed; referenced files never are', async () => {
    const s = await makeStore();
    const junk = randomBytes(CS);
    const file = path.join(s.dir, 'chunks', chunkRelativePath(sha(junk)));
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, junk);
    const tmp = path.join(s.dir, 'chunks', 'tmp', `${sha(junk)}.abcdef`);
    await fs.promises.writeFile(tmp, junk.subarray(0, 3));
    const r = await expectRepair(s.dir, ['orphan-chunk-file', 'stale-temp-file']);
    expect(r.repaired).toEqual({ metadataOps: 0, filesRemoved: 2 });
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(tmp)).toBe(false);
    expect((await readObject(s.dir, 'b')).equals(s.b)).toBe(true);
  });

  it('dangling records: objects of a deleted bucket, chunk lists and inline bodies nobody owns, parts without an upload', async () => {
    const s = await makeStore();
    const extra = bytes(CS, 77); // referenced only by the dangling part
    const extraHash = sha(extra);
    const extraFile = path.join(s.dir, 'chunks', chunkRelativePath(extraHash));
    await fs.promises.mkdir(path.dirname(extraFile), { recursive: true });
    await fs.promises.writeFile(extraFile, extra);
    await withDb(s.dir, async (db) => {
      const rec = (await db.get(keys.objectKey(s.bucketId, 'a')))!;
      const ca = sha(s.a.subarray(CS, 2 * CS));
      await db.batch(
        [
          // a copy of object a in a bucket id that doesn't exist, with the refs it would hold
          { type: 'put', key: keys.objectKey('nope', 'a'), value: rec },
          ...[sha(s.a.subarray(0, CS)), ca, sha(s.a.subarray(2 * CS))].map((h, i) => ({
            type: 'put' as const,
            key: keys.chunkKey(h),
            value: Buffer.from(JSON.stringify({ refs: i === 0 ? 3 : 2, size: CS })),
          })),
          { type: 'put', key: keys.dataSegmentKey('deadbeef', 0), value: encodeChunkList([{ hash: ca, size: CS }]) },
          { type: 'put', key: keys.inlineDataKey('cafe'), value: Buffer.from('lost') },
          {
            type: 'put',
            key: keys.partKey('no-such-upload', 1),
            value: Buffer.from(JSON.stringify({ size: CS, etag: 'x', chunks: encodeChunkList([{ hash: extraHash, size: CS }]).toString('base64') })),
          },
          { type: 'put', key: keys.chunkKey(extraHash), value: Buffer.from(JSON.stringify({ refs: 1, size: CS })) },
        ],
        true,
      );
    });
    const r = await expectRepair(s.dir, ['dangling-record', 'orphan-chunk-list', 'orphan-inline-body', 'chunk-counters']);
    expect(r.counts['dangling-record']).toBe(2);
    await withDb(s.dir, async (db) => {
      expect(await db.get(keys.objectKey('nope', 'a'))).toBeUndefined();
      expect(await db.getJson(keys.chunkKey(sha(s.a.subarray(CS, 2 * CS))))).toEqual({ refs: 1, size: CS });
      // the part's chunk lost its last reference: kept for GC, not deleted by fsck
      expect(await db.getJson(keys.chunkKey(extraHash))).toMatchObject({ refs: 0 });
    });
    expect(fs.existsSync(extraFile)).toBe(true);
    expect((await readObject(s.dir, 'a')).equals(s.a)).toBe(true);
  });

  it('a missing referenced chunk is reported with the objects it breaks and is not repairable', async () => {
    const s = await makeStore();
    const shared = sha(s.a.subarray(0, CS));
    await fs.promises.rm(path.join(s.dir, 'chunks', chunkRelativePath(shared)));
    const r = await expectRepair(s.dir, ['missing-chunk'], { repairable: false });
    expect(r.unrepairable).toBe(1);
    expect(r.findings[0].affected?.sort()).toEqual(['object bkt/a', 'object bkt/b']);
    await withDb(s.dir, async (db) => expect(await db.getJson(keys.chunkKey(shared))).toEqual({ refs: 2, size: CS }));
  });

  it('a corrupt referenced chunk is reported and left in place; a corrupt unreferenced one is removed', async () => {
    const s = await makeStore();
    const { hash } = await firstChunkOf(s.dir, s.bucketId, 'b');
    const file = path.join(s.dir, 'chunks', chunkRelativePath(hash));
    const garbage = Buffer.alloc(CS, 0x55);
    await fs.promises.writeFile(file, garbage);
    const unreferenced = path.join(s.dir, 'chunks', chunkRelativePath(sha(bytes(2 * CS, 3).subarray(0, CS))));
    await fs.promises.writeFile(unreferenced, 'short');
    const r = await expectRepair(s.dir, ['corrupt-chunk', 'corrupt-unreferenced-chunk'], { repairable: false });
    const bad = r.findings.find((f) => f.kind === 'corrupt-chunk')!;
    expect(bad.message).toMatch(/hashes to/);
    expect(bad.repaired).toBe(false);
    expect(bad.affected?.sort()).toEqual(['object bkt/a', 'object bkt/b']);
    expect((await fs.promises.readFile(file)).equals(garbage)).toBe(true);
    expect(fs.existsSync(unreferenced)).toBe(false);
    expect(kinds(await fsck(s.dir))).toEqual(['corrupt-chunk']);
  });

  it('unknown record kinds make repair refuse', async () => {
    const s = await makeStore();
    await withDb(s.dir, (db) =>
      db.batch(
        [
          { type: 'put', key: Buffer.from('Q/whatever'), value: Buffer.from('{}') },
          { type: 'put', key: keys.bucketStatsKey(s.bucketId), value: Buffer.from('{"objects":0,"bytes":0}') },
        ],
        true,
      ),
    );
    const r = await fsck(s.dir, { repair: true });
    expect(kinds(r)).toEqual(['repair-refused', 'unknown-record-kind', 'usage-counters']);
    expect(r.clean).toBe(false);
    expect(r.repaired).toBeUndefined();
    expect(r.findings.some((f) => f.repaired)).toBe(false);
  });

  it('an unreadable record is reported and makes repair refuse (its references are unknown)', async () => {
    const s = await makeStore();
    await withDb(s.dir, (db) => db.batch([{ type: 'put', key: keys.objectKey(s.bucketId, 'a'), value: Buffer.from('{"size":') }], true));
    const r = await fsck(s.dir, { repair: true });
    expect(r.findings.find((f) => f.kind === 'broken-record')?.message).toMatch(/object bkt\/a: the record does not parse/);
    expect(kinds(r)).toContain('repair-refused');
    expect(r.repaired).toBeUndefined();
    // an unreadable chunk record too: reported, the file is still hashed
    await withDb(s.dir, (db) => db.batch([{ type: 'put', key: keys.chunkKey(sha(s.b.subarray(CS, 2 * CS))), value: Buffer.from('garbage') }], true));
    const again = await fsck(s.dir);
    expect(again.findings.filter((f) => f.kind === 'broken-record')).toHaveLength(2);
    expect(again.stats.chunkFiles).toBe(25);
    // its chunks are still referenced by the C/ records, untouched
    await withDb(s.dir, async (db) => expect(await db.getJson(keys.chunkKey(sha(s.a.subarray(CS, 2 * CS))))).toEqual({ refs: 1, size: CS }));
  });

  it('refuses to run on a store a server holds, and on a directory that is not a store', async () => {
    const s = await makeStore();
    const e = await Engine.open({ dataDir: s.dir, fsync: false, chunkSize: CS });
    try {
      await expect(fsck(s.dir)).rejects.toMatchObject({ name: 'FsckError', code: 'STORE_IN_USE', message: expect.stringMatching(/in use.*LOCK/) });
    } finally {
      await e.close();
    }
    const empty = await tempDir();
    dirs.push(empty);
    await expect(fsck(empty)).rejects.toBeInstanceOf(FsckError);
    await expect(fsck(path.join(empty, 'missing'))).rejects.toMatchObject({ code: 'NOT_A_DATA_DIR' });
    expect(fs.existsSync(path.join(empty, 'missing'))).toBe(false);
  });

  it('counts the references of versions, delete markers, uploads and parts; flags their dangling state', async () => {
    const s = await makeStore();
    const e = await Engine.open({ dataDir: s.dir, fsync: false, chunkSize: 64 * 1024 });
    await e.putBucketVersioning('bkt', 'Enabled');
    await e.putObject('bkt', 'a', body(bytes(100_000, 5)), { owner: 'alice' }); // a's old version becomes noncurrent
    await e.putObject('bkt', 'a', body(s.a), { owner: 'alice' }); // same bytes as the first version: dedup across versions
    await e.deleteObject('bkt', 'b', { owner: 'alice' }); // delete marker on top of b
    const done = await e.createMultipartUpload('bkt', 'mp', { owner: 'alice' });
    const p1 = bytes(MIN_PART_SIZE, 6);
    const r1 = await e.uploadPart('bkt', 'mp', done.uploadId, 1, body(p1, 100_000));
    const r2 = await e.uploadPart('bkt', 'mp', done.uploadId, 2, body(bytes(10, 7)));
    await e.completeMultipartUpload('bkt', 'mp', done.uploadId, [
      { partNumber: 1, etag: r1.etag },
      { partNumber: 2, etag: r2.etag },
    ]);
    const open = await e.createMultipartUpload('bkt', 'pending', { owner: 'alice' });
    await e.uploadPart('bkt', 'pending', open.uploadId, 1, body(p1, 100_000)); // shares chunks with mp
    await e.close();
    const r = await fsck(s.dir);
    expect(r.findings).toEqual([]);
    expect(r.stats.records).toBe(3 /* O/ a b c */ + 1 /* O/ mp */ + 3 /* V/ a, a, b */ + 1 /* M/ */ + 1 /* P/ */);

    // Break the versioning and multipart bookkeeping.
    await withDb(s.dir, async (db) => {
      await db.batch(
        [
          { type: 'del', key: keys.uploadKey(s.bucketId, 'pending', open.uploadId) }, // its part dangles
          { type: 'put', key: keys.nullVersionKey(s.bucketId, 'a'), value: Buffer.from('ffffffffffffffff00000000') }, // points nowhere
        ],
        true,
      );
    });
    await expectRepair(s.dir, ['dangling-record', 'orphan-null-version-pointer']);
    // The completed object still has every chunk (the dangling part shared them).
    const e2 = await Engine.open({ dataDir: s.dir, fsync: false, chunkSize: 64 * 1024 });
    try {
      expect((await readAll((await e2.getObject('bkt', 'mp')).body)).equals(Buffer.concat([p1, bytes(10, 7)]))).toBe(true);
      expect((await e2.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
    } finally {
      await e2.close();
    }
  });

  it('owner index entries: missing and pointing nowhere', async () => {
    const s = await makeStore();
    await withDb(s.dir, (db) =>
      db.batch(
        [
          { type: 'del', key: keys.ownerIndexKey('alice', 'bkt') },
          { type: 'put', key: keys.ownerIndexKey('mallory', 'nobucket'), value: Buffer.alloc(0) },
        ],
        true,
      ),
    );
    const r = await expectRepair(s.dir, ['owner-index']);
    expect(r.counts['owner-index']).toBe(2);
    const e = await Engine.open({ dataDir: s.dir, fsync: false, chunkSize: CS });
    try {
      expect((await e.listBuckets('alice')).buckets.map((b) => b.name)).toEqual(['bkt']);
    } finally {
      await e.close();
    }
  });

  it('lost bodies (missing chunk-list segments, missing inline body) and orphaned versions are unrepairable', async () => {
    const s = await makeStore();
    await withDb(s.dir, async (db) => {
      const b = decodeRecord((await db.get(keys.objectKey(s.bucketId, 'b')))!);
      const c = decodeRecord((await db.get(keys.objectKey(s.bucketId, 'c')))!);
      expect(b.dataId && c.inline).toBeTruthy();
      await db.batch(
        [
          { type: 'del', key: keys.dataSegmentKey(b.dataId!, 0) },
          { type: 'del', key: keys.inlineDataKey(c.inline!) },
          {
            type: 'put',
            key: keys.versionKey(s.bucketId, 'ghost', 'ffffffffffffffff00000000'),
            value: Buffer.from(
              JSON.stringify({ size: 0, etag: '', lastModified: 1, owner: 'alice', versionId: 'ffffffffffffffff00000000', deleteMarker: true }),
            ),
          },
        ],
        true,
      );
    });
    const r = await fsck(s.dir);
    expect(kinds(r)).toEqual(['body-size', 'broken-record', 'missing-inline-body', 'refcount']);
    expect(r.findings.find((f) => f.kind === 'body-size')?.message).toMatch(/object bkt\/b: its chunk list holds/);
    expect(r.findings.find((f) => f.kind === 'broken-record')?.message).toMatch(/bkt\/ghost .*without a current version/);
    expect(r.unrepairable).toBe(3);
    const repaired = await fsck(s.dir, { repair: true });
    expect(repaired.clean).toBe(false);
    expect(kinds(await fsck(s.dir))).toEqual(['body-size', 'broken-record', 'missing-inline-body']);
  });

  it('reports progress', async () => {
    const s = await makeStore();
    const seen: string[] = [];
    await fsck(s.dir, { onProgress: (p) => seen.push(p.phase) });
    expect(seen).toContain('chunk files');
  });
});
