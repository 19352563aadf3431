import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { Engine, chunkRelativePath } from '../src';
import { body, bytes, chunkFiles, openEngine, readAll, tempDir, type TestEngine } from './helpers';

const CS = 16;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const chunkHashes = (b: Buffer) => {
  const out = new Set<string>();
  for (let i = 0; i < b.length; i += CS) out.add(sha(b.subarray(i, i + CS)));
  return out;
};

describe('gc', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.createBucket('bkt', { owner: 'alice' });
  });
  afterEach(() => t.cleanup());
  const put = (key: string, data: Buffer | AsyncIterable<Buffer>) =>
    t.engine.putObject('bkt', key, Buffer.isBuffer(data) ? body(data) : data, { owner: 'alice' });
  const get = async (key: string) => readAll((await t.engine.getObject('bkt', key)).body);
  const consistent = async () => expect((await t.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);

  it('removes only unreferenced chunks, and only after the grace period', async () => {
    const shared = bytes(4 * CS, 1);
    const a1 = Buffer.concat([shared, bytes(3 * CS, 2)]);
    const b = Buffer.concat([bytes(2 * CS, 3), shared]);
    await put('a', a1);
    await put('b', b);
    await put('a', bytes(2 * CS, 4)); // a's private chunks lose their last reference
    expect((await t.engine.gc()).chunksRemoved).toBe(0); // default grace: 60 s
    const r = await t.engine.gc({ graceMs: 0 });
    expect(r).toEqual({ chunksRemoved: 3, bytesRemoved: 3 * CS });
    expect((await get('b')).equals(b)).toBe(true);
    expect(new Set(await chunkFiles(t.dir))).toEqual(new Set([...chunkHashes(b), ...chunkHashes(bytes(2 * CS, 4))]));
    expect((await t.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(0);
    await consistent();
    expect(await t.engine.usage()).toMatchObject({ chunks: 8, physicalBytes: 8 * CS });
  });

  it('a chunk re-referenced before GC runs is kept', async () => {
    const data = bytes(3 * CS, 9);
    await put('a', data);
    await t.engine.deleteObject('bkt', 'a');
    await put('b', data);
    expect((await t.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(0);
    expect((await get('b')).equals(data)).toBe(true);
    await consistent();
  });

  it('sweeps orphan files (no C/ record) older than the grace period', async () => {
    const junk = Buffer.from('orphan chunk!');
    const hash = sha(junk);
    const file = path.join(t.dir, 'chunks', chunkRelativePath(hash));
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, junk);
    await fs.promises.writeFile(path.join(t.dir, 'chunks', 'not-a-chunk'), 'x');
    expect((await t.engine.gc()).chunksRemoved).toBe(0); // too young
    const old = new Date(Date.now() - 3600e3);
    await fs.promises.utimes(file, old, old);
    expect(await t.engine.gc()).toEqual({ chunksRemoved: 1, bytesRemoved: junk.length });
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(path.join(t.dir, 'chunks', 'not-a-chunk'))).toBe(true);
  });

  it('never removes chunks pinned by an in-flight upload', async () => {
    const data = bytes(6 * CS, 5);
    await put('x', data);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield data.subarray(0, 3 * CS + 1); // 3 chunks flushed (found on disk, pinned)
      await gate;
      yield data.subarray(3 * CS + 1);
    }
    const p = put('y', slow());
    await new Promise((r) => setTimeout(r, 30));
    await t.engine.deleteObject('bkt', 'x'); // all 6 chunks drop to refs 0
    const r = await t.engine.gc({ graceMs: 0 });
    expect(r.chunksRemoved).toBe(3); // the 3 unpinned ones
    release();
    await p;
    expect((await get('y')).equals(data)).toBe(true);
    await consistent();
  });

  it('never removes chunks an in-flight GET still needs', async () => {
    const data = bytes(40 * CS, 6);
    await put('k', data);
    const res = await t.engine.getObject('bkt', 'k');
    await put('k', bytes(CS, 7)); // overwrite: the old chunks' refs hit 0
    expect((await t.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(0);
    expect((await readAll(res.body)).equals(data)).toBe(true);
    expect((await t.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(40);
    await consistent();
  });

  // Shared (PostgreSQL) metadata keeps chunks by a wall-clock read horizon with a clock-skew
  // margin (gc.ts), deliberately conservative: there a just-started GET does hold them back.
  (process.env.CAIRN_TEST_PG_URL ? it.skip : it)('a GET that started after the overwrite does not hold chunks back', async () => {
    await put('k', bytes(4 * CS, 1));
    await put('k', bytes(4 * CS, 2));
    const res = await t.engine.getObject('bkt', 'k');
    expect((await t.engine.gc({ graceMs: 0 })).chunksRemoved).toBe(4);
    expect((await readAll(res.body)).equals(bytes(4 * CS, 2))).toBe(true);
  });
});

describe('concurrency', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.createBucket('bkt', { owner: 'alice' });
  });
  afterEach(() => t.cleanup());

  it('20 concurrent overwrites of one key keep refcounts exact', async () => {
    const common = bytes(3 * CS, 100);
    const versions = Array.from({ length: 20 }, (_, i) => Buffer.concat([common, bytes(2 * CS + i, i + 1), common]));
    const metas = await Promise.all(versions.map((v) => t.engine.putObject('bkt', 'hot', body(v, 5), { owner: 'alice' })));
    const final = await readAll((await t.engine.getObject('bkt', 'hot')).body);
    const winner = versions.findIndex((v) => v.equals(final));
    expect(winner).toBeGreaterThanOrEqual(0);
    expect(metas.map((m) => m.etag)).toContain((await t.engine.headObject('bkt', 'hot')).meta.etag);
    const report = await t.engine.verifyRefcounts({ checkFiles: true });
    expect(report.problems).toEqual([]);
    expect(report.objects).toBe(1);
    await t.engine.gc({ graceMs: 0 });
    expect(new Set(await chunkFiles(t.dir))).toEqual(chunkHashes(versions[winner]));
    expect((await t.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  it('mixed concurrent puts, copies, deletes, reads and GC stay consistent', async () => {
    await t.engine.createBucket('other', { owner: 'alice' });
    const pool = Array.from({ length: 6 }, (_, i) => bytes((i + 1) * 5 * CS + i, i % 3)); // overlapping content
    const keys = ['a', 'b', 'c', 'd'];
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 120; i++) {
      const k = keys[rnd(keys.length)];
      switch (rnd(6)) {
        case 0:
        case 1:
          ops.push(t.engine.putObject('bkt', k, body(pool[rnd(pool.length)], 11), { owner: 'alice' }));
          break;
        case 2:
          ops.push(t.engine.copyObject('bkt', k, 'other', keys[rnd(keys.length)], { owner: 'alice' }).catch((e) => expect(e.code).toBe('NoSuchKey')));
          break;
        case 3:
          ops.push(t.engine.deleteObject(rnd(2) ? 'bkt' : 'other', k));
          break;
        case 4:
          ops.push(
            t.engine.getObject('bkt', k).then(
              async (r) => {
                const got = await readAll(r.body);
                expect(pool.some((p) => p.equals(got))).toBe(true);
              },
              (e) => expect(e.code).toBe('NoSuchKey'),
            ),
          );
          break;
        default:
          ops.push(t.engine.gc({ graceMs: 0 }));
      }
    }
    await Promise.all(ops);
    expect((await t.engine.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
    for (const b of ['bkt', 'other']) {
      for (const o of (await t.engine.listObjects(b, { maxKeys: 100 })).objects) {
        const got = await readAll((await t.engine.getObject(b, o.key)).body);
        expect(pool.some((p) => p.equals(got))).toBe(true);
      }
    }
  });
});

describe('on disk (classic-level, fsync)', () => {
  it('persists across reopen and cleans stale temp files at open', async () => {
    const dir = await tempDir();
    const data = bytes(100 * 1024 + 5, 3);
    let e = await Engine.open({ dataDir: dir, chunkSize: 64 * 1024 });
    expect(e.options).toEqual({
      dataDir: dir,
      fsync: true,
      chunkSize: 64 * 1024,
      region: 'us-east-1',
      gcGraceMs: 60000,
      placements: {},
      storageClassPlacement: {},
      lifecycleDaySeconds: 86400,
      feedMaxEvents: 1000000,
    });
    await e.createBucket('disk', { owner: 'root' });
    await e.putObject('disk', 'f', body(data, 10000), { owner: 'root' });
    const root = await e.ensureRootUser();
    await e.close();
    await expect(e.listBuckets('root')).rejects.toMatchObject({ code: 'InternalError' });

    await fs.promises.writeFile(path.join(dir, 'chunks', 'tmp', 'stale.tmp'), 'x');
    e = await Engine.open({ dataDir: dir, chunkSize: 64 * 1024 });
    expect(await fs.promises.readdir(path.join(dir, 'chunks', 'tmp'))).toEqual([]);
    expect((await readAll((await e.getObject('disk', 'f')).body)).equals(data)).toBe(true);
    expect(await e.ensureRootUser()).toMatchObject({ accessKeyId: root.accessKeyId, created: false });
    expect(await e.usage()).toEqual({ buckets: 1, objects: 1, logicalBytes: data.length, physicalBytes: data.length, chunks: 2 });
    expect((await e.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
    await e.close();
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  it('rejects bad options', async () => {
    const dir = await tempDir();
    await expect(Engine.open({ dataDir: dir, chunkSize: 0 })).rejects.toThrow(/chunkSize/);
    await expect(Engine.open({ dataDir: '' })).rejects.toThrow(/dataDir/);
    await fs.promises.rm(dir, { recursive: true, force: true });
  });
});
