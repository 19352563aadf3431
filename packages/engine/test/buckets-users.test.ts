import { MemoryLevel } from 'memory-level';
import { Engine } from '../src';
import { body, openEngine, tempDir, type TestEngine } from './helpers';

describe('buckets', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine({ region: 'eu-west-3' });
  });
  afterEach(() => t.cleanup());

  it('create / get / delete with S3 errors', async () => {
    const e = t.engine;
    const b = await e.createBucket('one', { owner: 'alice' });
    expect(b).toMatchObject({ name: 'one', owner: 'alice', region: 'eu-west-3' });
    expect(b.createdAt).toBeInstanceOf(Date);
    await expect(e.createBucket('one', { owner: 'alice' })).rejects.toMatchObject({ code: 'BucketAlreadyOwnedByYou' });
    await expect(e.createBucket('one', { owner: 'bob' })).rejects.toMatchObject({ code: 'BucketAlreadyExists' });
    await expect(e.createBucket('Bad_Name', { owner: 'bob' })).rejects.toMatchObject({ code: 'InvalidBucketName' });
    expect(await e.createBucket('two', { owner: 'bob', region: 'ap-south-1' })).toMatchObject({ region: 'ap-south-1' });
    expect((await e.getBucket('one')).id).toBe(b.id);
    await expect(e.getBucket('nope')).rejects.toMatchObject({ code: 'NoSuchBucket', fields: { BucketName: 'nope' } });
    await expect(e.deleteBucket('nope')).rejects.toMatchObject({ code: 'NoSuchBucket' });
    await e.putObject('one', 'k', body('x'), { owner: 'alice' });
    await expect(e.deleteBucket('one')).rejects.toMatchObject({ code: 'BucketNotEmpty' });
    await e.deleteObject('one', 'k');
    await e.deleteBucket('one');
    await expect(e.getBucket('one')).rejects.toMatchObject({ code: 'NoSuchBucket' });
    await expect(e.putObject('one', 'k', body('x'), { owner: 'alice' })).rejects.toMatchObject({ code: 'NoSuchBucket' });
  });

  it('a re-created bucket gets a new id and starts empty', async () => {
    const e = t.engine;
    const a = await e.createBucket('again', { owner: 'alice' });
    await e.putObject('again', 'k', body('x'), { owner: 'alice' });
    await e.deleteObject('again', 'k');
    await e.deleteBucket('again');
    const b = await e.createBucket('again', { owner: 'bob' });
    expect(b.id).not.toBe(a.id);
    expect((await e.listObjects('again', { maxKeys: 10 })).objects).toEqual([]);
    expect(await e.usage()).toMatchObject({ buckets: 1, objects: 0 });
  });

  it('a bucket deleted while an upload streams makes the commit fail', async () => {
    const e = t.engine;
    await e.createBucket('gone', { owner: 'alice' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow() {
      yield Buffer.from('abc');
      await gate;
      yield Buffer.from('def');
    }
    const p = e.putObject('gone', 'k', slow(), { owner: 'alice' });
    await new Promise((r) => setTimeout(r, 20));
    await e.deleteBucket('gone');
    await e.createBucket('gone', { owner: 'alice' });
    release();
    await expect(p).rejects.toMatchObject({ code: 'NoSuchBucket' });
    expect((await e.listObjects('gone', { maxKeys: 10 })).objects).toEqual([]);
    expect((await e.verifyRefcounts()).problems).toEqual([]);
  });

  it('listBuckets is owner-scoped, sorted, filtered and paged', async () => {
    const e = t.engine;
    for (const n of ['delta', 'alpha', 'charlie', 'bravo', 'alpine']) await e.createBucket(n, { owner: 'alice' });
    await e.createBucket('bobs', { owner: 'bob' });
    expect((await e.listBuckets('alice')).buckets.map((b) => b.name)).toEqual(['alpha', 'alpine', 'bravo', 'charlie', 'delta']);
    expect((await e.listBuckets('bob')).buckets.map((b) => b.name)).toEqual(['bobs']);
    expect((await e.listBuckets('nobody')).buckets).toEqual([]);
    expect((await e.listBuckets('alice', { prefix: 'al' })).buckets.map((b) => b.name)).toEqual(['alpha', 'alpine']);
    const p1 = await e.listBuckets('alice', { maxBuckets: 2 });
    expect(p1.buckets.map((b) => b.name)).toEqual(['alpha', 'alpine']);
    expect(p1.continuationToken).toBe('alpine');
    const p2 = await e.listBuckets('alice', { maxBuckets: 2, continuationToken: p1.continuationToken });
    expect(p2.buckets.map((b) => b.name)).toEqual(['bravo', 'charlie']);
    const p3 = await e.listBuckets('alice', { maxBuckets: 2, continuationToken: p2.continuationToken });
    expect(p3.buckets.map((b) => b.name)).toEqual(['delta']);
    expect(p3.continuationToken).toBeUndefined();
    expect((await e.listBuckets('alice', { maxBuckets: 5 })).continuationToken).toBeUndefined();
    expect((await e.listBuckets('alice', { prefix: 'al', maxBuckets: 1, continuationToken: 'alpha' })).buckets.map((b) => b.name)).toEqual(['alpine']);
    await expect(e.listBuckets('alice', { maxBuckets: 0 })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(e.listBuckets('alice', { maxBuckets: 10001 })).rejects.toMatchObject({ code: 'InvalidArgument' });
  });
});

describe('users', () => {
  it('ensureRootUser generates, persists, and lets explicit keys win', async () => {
    const dir = await tempDir();
    const db = new MemoryLevel();
    const e = await Engine.open({ dataDir: dir, db, fsync: false });
    const first = await e.ensureRootUser();
    expect(first.created).toBe(true);
    expect(first.user.id).toBe('root');
    expect(first.accessKeyId).toMatch(/^[A-Z0-9]{20}$/);
    expect(first.secretAccessKey).toMatch(/^[A-Za-z0-9]{40}$/);
    await e.close();

    const e2 = await Engine.open({ dataDir: dir, db, fsync: false });
    const again = await e2.ensureRootUser();
    expect(again).toMatchObject({ created: false, accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey });
    const explicit = await e2.ensureRootUser({ accessKeyId: 'ROOTKEY', secretAccessKey: 'rootsecret' });
    expect(explicit).toMatchObject({ created: false, accessKeyId: 'ROOTKEY', secretAccessKey: 'rootsecret' });
    expect(await e2.ensureRootUser()).toMatchObject({ accessKeyId: 'ROOTKEY', secretAccessKey: 'rootsecret' });
    expect(await e2.lookupAccessKey(first.accessKeyId)).toBeUndefined();
    expect(await e2.lookupAccessKey('ROOTKEY')).toMatchObject({ user: { id: 'root' }, secretAccessKey: 'rootsecret' });
    await expect(e2.ensureRootUser({ accessKeyId: 'ONLYID' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await e2.close();
  });

  it('upsertUser is idempotent and lookupAccessKey finds the user', async () => {
    const t = await openEngine();
    const e = t.engine;
    const u = await e.upsertUser({ id: 'alice', displayName: 'Alice', email: 'a@x', accessKeyId: 'AK1', secretAccessKey: 's1' });
    expect(u).toMatchObject({ id: 'alice', displayName: 'Alice', email: 'a@x' });
    const u2 = await e.upsertUser({ id: 'alice', accessKeyId: 'AK1', secretAccessKey: 's1' });
    expect(u2).toEqual(u);
    await e.upsertUser({ id: 'alice', accessKeyId: 'AK2', secretAccessKey: 's2', displayName: 'Al' });
    expect(await e.getUser('alice')).toMatchObject({ displayName: 'Al', createdAt: u.createdAt });
    expect(await e.lookupAccessKey('AK1')).toMatchObject({ user: { id: 'alice' }, secretAccessKey: 's1' });
    expect(await e.lookupAccessKey('AK2')).toMatchObject({ user: { id: 'alice' }, secretAccessKey: 's2' });
    expect(await e.lookupAccessKey('nope')).toBeUndefined();
    expect(await e.getUser('nobody')).toBeUndefined();
    await expect(e.upsertUser({ id: 'bob', accessKeyId: 'AK1', secretAccessKey: 'x' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(e.upsertUser({ id: '', accessKeyId: 'AK9', secretAccessKey: 'x' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await t.cleanup();
  });
});
