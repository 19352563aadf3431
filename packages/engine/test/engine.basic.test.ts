import { createHash } from 'node:crypto';
import { S3Error } from '../src';
import { body, bytes, openEngine, readAll, type TestEngine } from './helpers';

describe('engine core', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.createBucket('bkt', { owner: 'alice' });
  });
  afterEach(() => t.cleanup());

  it('puts, gets, heads, lists and deletes', async () => {
    const e = t.engine;
    const data = bytes(100);
    const meta = await e.putObject('bkt', 'a/b.txt', body(data), { owner: 'alice', contentType: 'text/plain', userMetadata: { Foo: 'bar' } });
    expect(meta.etag).toBe(createHash('md5').update(data).digest('hex'));
    expect(meta.size).toBe(100);
    expect(meta.versionId).toBe('null');
    expect(meta.storageClass).toBe('STANDARD');
    expect(meta.userMetadata).toEqual({ foo: 'bar' });
    const got = await e.getObject('bkt', 'a/b.txt');
    expect(got.meta.contentType).toBe('text/plain');
    expect((await readAll(got.body)).equals(data)).toBe(true);
    const head = await e.headObject('bkt', 'a/b.txt');
    expect(head.meta.etag).toBe(meta.etag);
    const list = await e.listObjects('bkt', { maxKeys: 1000 });
    expect(list.objects.map((o) => o.key)).toEqual(['a/b.txt']);
    await e.deleteObject('bkt', 'a/b.txt');
    await expect(e.getObject('bkt', 'a/b.txt')).rejects.toMatchObject({ code: 'NoSuchKey', fields: { Key: 'a/b.txt' } });
    await e.deleteObject('bkt', 'a/b.txt'); // missing key: still a success
    expect((await e.verifyRefcounts({ checkFiles: true })).problems).toEqual([]);
  });

  it('reports NoSuchBucket', async () => {
    await expect(t.engine.putObject('nope', 'k', body('x'), { owner: 'alice' })).rejects.toBeInstanceOf(S3Error);
    await expect(t.engine.getObject('nope', 'k')).rejects.toMatchObject({ code: 'NoSuchBucket' });
  });
});
