import { openEngine, type TestEngine } from './helpers';
import type { BodyInput, ListObjectsOptions, ListObjectsResult } from '../src';

describe('listObjects', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.createBucket('bkt', { owner: 'alice' });
  });
  afterEach(() => t.cleanup());

  const putAll = async (keys: string[]) => {
    for (const k of keys) await t.engine.putObject('bkt', k, [Buffer.from('x')] as unknown as BodyInput, { owner: 'alice' });
  };
  const list = (opts: Partial<ListObjectsOptions>) => t.engine.listObjects('bkt', { maxKeys: 1000, ...opts });
  const names = (r: ListObjectsResult) => ({ keys: r.objects.map((o) => o.key), prefixes: r.commonPrefixes, truncated: r.isTruncated });
  const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

  /** Pages through a listing and returns everything it returned, in order. */
  async function pageAll(opts: Partial<ListObjectsOptions>, maxKeys: number): Promise<string[]> {
    const out: string[] = [];
    let startAfter: string | undefined = opts.startAfter;
    for (let i = 0; i < 1000; i++) {
      const r = await list({ ...opts, maxKeys, startAfter });
      out.push(...mergeOrder(r));
      if (!r.isTruncated) return out;
      startAfter = r.nextStartAfter;
    }
    throw new Error('did not terminate');
  }
  const mergeOrder = (r: ListObjectsResult) => [...r.objects.map((o) => o.key), ...r.commonPrefixes].sort(byBytes);

  it('returns keys in byte-wise UTF-8 order with metadata', async () => {
    const keys = ['b', 'a', 'é', 'z', '日本', '😀', '\uffff', 'A', 'a/b', 'a//c', 'a b'];
    await putAll(keys);
    const r = await list({});
    expect(r.objects.map((o) => o.key)).toEqual([...keys].sort(byBytes));
    expect(r.objects[0]).toMatchObject({ bucket: 'bkt', size: 1, etag: expect.any(String), owner: 'alice', storageClass: 'STANDARD' });
    expect(r.isTruncated).toBe(false);
  });

  it('prefix, delimiter and common prefixes', async () => {
    await putAll(['a/1', 'a/2', 'a/b/3', 'b', 'c/x', 'c/y/z', 'cc', '//x', '/', 'd//e', 'd/']);
    expect(names(await list({ delimiter: '/' }))).toEqual({ keys: ['b', 'cc'], prefixes: ['/', 'a/', 'c/', 'd/'], truncated: false });
    expect(names(await list({ prefix: 'a/', delimiter: '/' }))).toEqual({ keys: ['a/1', 'a/2'], prefixes: ['a/b/'], truncated: false });
    expect(names(await list({ prefix: 'c', delimiter: '/' }))).toEqual({ keys: ['cc'], prefixes: ['c/'], truncated: false });
    expect(names(await list({ prefix: '/', delimiter: '/' }))).toEqual({ keys: ['/'], prefixes: ['//'], truncated: false });
    expect(names(await list({ prefix: 'd/', delimiter: '/' }))).toEqual({ keys: ['d/'], prefixes: ['d//'], truncated: false });
    expect(names(await list({ prefix: 'nothing' }))).toEqual({ keys: [], prefixes: [], truncated: false });
    expect(names(await list({ prefix: 'a/' }))).toEqual({ keys: ['a/1', 'a/2', 'a/b/3'], prefixes: [], truncated: false });
  });

  it('delimiters other than "/" (multi-character, unicode)', async () => {
    await putAll(['x--y--z', 'x--q', 'x-y', 'p日q日r', 'p日s', 'pt']);
    expect(names(await list({ delimiter: '--' }))).toEqual({ keys: ['pt', 'p日q日r', 'p日s', 'x-y'], prefixes: ['x--'], truncated: false });
    expect(names(await list({ delimiter: '日' }))).toEqual({ keys: ['pt', 'x--q', 'x--y--z', 'x-y'], prefixes: ['p日'], truncated: false });
    expect(names(await list({ prefix: 'x--', delimiter: '--' }))).toEqual({ keys: ['x--q'], prefixes: ['x--y--'], truncated: false });
  });

  it('maxKeys counts keys and prefixes together; truncation and continuation', async () => {
    await putAll(['a', 'b/1', 'b/2', 'c', 'd/1', 'e']);
    const r1 = await list({ delimiter: '/', maxKeys: 2 });
    expect(names(r1)).toEqual({ keys: ['a'], prefixes: ['b/'], truncated: true });
    expect(r1.nextStartAfter).toBe('b/');
    const r2 = await list({ delimiter: '/', maxKeys: 2, startAfter: r1.nextStartAfter });
    expect(names(r2)).toEqual({ keys: ['c'], prefixes: ['d/'], truncated: true });
    const r3 = await list({ delimiter: '/', maxKeys: 2, startAfter: r2.nextStartAfter });
    expect(names(r3)).toEqual({ keys: ['e'], prefixes: [], truncated: false });
    // exactly filling a page is not truncated
    expect((await list({ delimiter: '/', maxKeys: 5 })).isTruncated).toBe(false);
    expect((await list({ maxKeys: 6 })).isTruncated).toBe(false);
    expect((await list({ maxKeys: 5 })).isTruncated).toBe(true);
    expect(names(await list({ maxKeys: 0 }))).toEqual({ keys: [], prefixes: [], truncated: false });
    await expect(list({ maxKeys: -1 })).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(await pageAll({ delimiter: '/' }, 1)).toEqual(['a', 'b/', 'c', 'd/', 'e']);
    expect(await pageAll({}, 4)).toEqual(['a', 'b/1', 'b/2', 'c', 'd/1', 'e']);
  });

  it('startAfter at or inside a common prefix never repeats it', async () => {
    await putAll(['a/1', 'a/2', 'a/3', 'b/1', 'c']);
    expect(names(await list({ delimiter: '/', startAfter: 'a/' }))).toEqual({ keys: ['c'], prefixes: ['b/'], truncated: false });
    expect(names(await list({ delimiter: '/', startAfter: 'a/1' }))).toEqual({ keys: ['c'], prefixes: ['b/'], truncated: false });
    expect(names(await list({ delimiter: '/', startAfter: 'a' }))).toEqual({ keys: ['c'], prefixes: ['a/', 'b/'], truncated: false });
    expect(names(await list({ startAfter: 'a/1' }))).toEqual({ keys: ['a/2', 'a/3', 'b/1', 'c'], prefixes: [], truncated: false });
    expect(names(await list({ startAfter: 'b/1' }))).toEqual({ keys: ['c'], prefixes: [], truncated: false });
    expect(names(await list({ startAfter: 'zzz' }))).toEqual({ keys: [], prefixes: [], truncated: false });
    // startAfter before the prefix starts at the prefix; inside it, after it
    expect(names(await list({ prefix: 'b', startAfter: 'a/9' }))).toEqual({ keys: ['b/1'], prefixes: [], truncated: false });
    expect(names(await list({ prefix: 'a/', startAfter: 'a/2' }))).toEqual({ keys: ['a/3'], prefixes: [], truncated: false });
  });

  it('a delimiter listing seeks past common prefixes: cost follows page size, not bucket size', async () => {
    const db = (t.engine as unknown as { ctx: { db: { entriesRead: number; batch(ops: unknown[], sync: boolean): Promise<void> } } }).ctx.db;
    // 20k keys under one prefix plus a few others; written straight into the db for speed.
    const { objectKey } = await import('../src/meta/keys');
    const bucketId = (await t.engine.getBucket('bkt')).id;
    const rec = Buffer.from(JSON.stringify({ size: 0, etag: 'd41d8cd98f00b204e9800998ecf8427e', lastModified: 0, owner: 'alice', versionId: 'null' }));
    const ops = [];
    for (let i = 0; i < 20000; i++) ops.push({ type: 'put', key: objectKey(bucketId, `big/${String(i).padStart(6, '0')}`), value: rec });
    for (const k of ['a', 'c/1', 'c/2', 'z']) ops.push({ type: 'put', key: objectKey(bucketId, k), value: rec });
    await db.batch(ops, false);

    const before = db.entriesRead;
    const r = await list({ delimiter: '/' });
    expect(names(r)).toEqual({ keys: ['a', 'z'], prefixes: ['big/', 'c/'], truncated: false });
    expect(db.entriesRead - before).toBeLessThanOrEqual(5);

    const b2 = db.entriesRead;
    const page = await list({ prefix: 'big/', maxKeys: 10 });
    expect(page.objects.length).toBe(10);
    expect(page.isTruncated).toBe(true);
    expect(db.entriesRead - b2).toBeLessThanOrEqual(11);

    const b3 = db.entriesRead;
    const resumed = await list({ delimiter: '/', startAfter: 'big/000500' });
    expect(names(resumed)).toEqual({ keys: ['z'], prefixes: ['c/'], truncated: false });
    expect(db.entriesRead - b3).toBeLessThanOrEqual(3);
  });
});
