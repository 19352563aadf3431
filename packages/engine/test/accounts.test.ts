import { MemoryLevel } from 'memory-level';
import { Engine } from '../src';
import { openEngine, tempDir, type TestEngine } from './helpers';

describe('user and access key management', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.ensureRootUser();
  });
  afterEach(() => t.cleanup());

  it('creates, lists, gets and updates users', async () => {
    const e = t.engine;
    const { user, accessKey } = await e.createUser({ id: 'alice', displayName: 'Alice', email: 'a@example.com' }, { withAccessKey: true });
    expect(user).toMatchObject({ id: 'alice', displayName: 'Alice', email: 'a@example.com' });
    expect(accessKey!.accessKeyId).toMatch(/^[A-Z0-9]{20}$/);
    expect(accessKey!.secretAccessKey).toHaveLength(40);
    const found = await e.lookupAccessKey(accessKey!.accessKeyId);
    expect(found).toMatchObject({ user: { id: 'alice' }, secretAccessKey: accessKey!.secretAccessKey });
    await expect(e.createUser({ id: 'alice' })).rejects.toMatchObject({ code: 'EntityAlreadyExists' });
    await expect(e.createUser({ id: 'bad id!' })).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect((await e.createUser({ id: 'bob' })).accessKey).toBeUndefined();
    expect((await e.listUsers()).map((u) => u.id)).toEqual(['alice', 'bob', 'root']);
    expect(await e.updateUser('alice', { displayName: 'Alice B', email: null })).toEqual({ id: 'alice', displayName: 'Alice B', createdAt: user.createdAt });
    expect(await e.getUser('alice')).toEqual({ id: 'alice', displayName: 'Alice B', createdAt: user.createdAt });
    await expect(e.updateUser('nobody', { displayName: 'x' })).rejects.toMatchObject({ code: 'NoSuchEntity' });
  });

  it('suspends and reactivates; root cannot be suspended or deleted', async () => {
    const e = t.engine;
    const { accessKey } = await e.createUser({ id: 'carol' }, { withAccessKey: true });
    expect(await e.setUserSuspended('carol', true)).toMatchObject({ suspended: true });
    expect((await e.lookupAccessKey(accessKey!.accessKeyId))!.user.suspended).toBe(true);
    expect((await e.setUserSuspended('carol', false)).suspended).toBeUndefined();
    expect((await e.lookupAccessKey(accessKey!.accessKeyId))!.user.suspended).toBeUndefined();
    await expect(e.setUserSuspended('root', true)).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(e.deleteUser('root')).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('key lookups are cached, and a change to a key or its user is seen by the very next lookup', async () => {
    const e = t.engine;
    const { accessKey } = await e.createUser({ id: 'frank' }, { withAccessKey: true });
    const id = accessKey!.accessKeyId;
    const first = await e.lookupAccessKey(id);
    const shared = process.env.CAIRN_TEST_PG_URL !== undefined; // shared metadata: never cached
    if (!shared) expect(await e.lookupAccessKey(id)).toBe(first); // served from memory
    expect(() => {
      (first!.user as { suspended?: boolean }).suspended = true;
    }).toThrow(TypeError); // shared by every request: frozen
    await e.setUserSuspended('frank', true);
    expect((await e.lookupAccessKey(id))!.user.suspended).toBe(true);
    const rotated = await e.rotateAccessKey('frank', id);
    expect(await e.lookupAccessKey(id)).toBeUndefined();
    expect(await e.lookupAccessKey(rotated.accessKeyId)).toBeDefined();
    await e.deleteAccessKey('frank', rotated.accessKeyId);
    expect(await e.lookupAccessKey(rotated.accessKeyId)).toBeUndefined();
  });

  it('manages several keys per user; secrets only at creation; rotate replaces atomically', async () => {
    const e = t.engine;
    await e.createUser({ id: 'dave' });
    const k1 = await e.createAccessKey('dave');
    const k2 = await e.createAccessKey('dave', { accessKeyId: 'DAVEKEY2', secretAccessKey: 'dave-secret-2' });
    await expect(e.createAccessKey('dave', { accessKeyId: 'DAVEKEY2' })).rejects.toMatchObject({ code: 'EntityAlreadyExists' });
    await expect(e.createAccessKey('nobody')).rejects.toMatchObject({ code: 'NoSuchEntity' });
    const listed = await e.listAccessKeys('dave');
    expect(listed.map((k) => k.accessKeyId).sort()).toEqual([k1.accessKeyId, 'DAVEKEY2'].sort());
    for (const k of listed) expect(k).not.toHaveProperty('secretAccessKey');
    const rotated = await e.rotateAccessKey('dave', k1.accessKeyId);
    expect(rotated.accessKeyId).not.toBe(k1.accessKeyId);
    expect(await e.lookupAccessKey(k1.accessKeyId)).toBeUndefined();
    expect((await e.lookupAccessKey(rotated.accessKeyId))!.secretAccessKey).toBe(rotated.secretAccessKey);
    await e.deleteAccessKey('dave', k2.accessKeyId);
    expect(await e.lookupAccessKey('DAVEKEY2')).toBeUndefined();
    await expect(e.deleteAccessKey('dave', 'DAVEKEY2')).rejects.toMatchObject({ code: 'NoSuchEntity' });
    // someone else's key is "not found" for this user
    const { accessKey: other } = await e.createUser({ id: 'erin' }, { withAccessKey: true });
    await expect(e.deleteAccessKey('dave', other!.accessKeyId)).rejects.toMatchObject({ code: 'NoSuchEntity' });
    expect(await e.lookupAccessKey(other!.accessKeyId)).toBeDefined();
  });

  it('the root key is managed by the server configuration', async () => {
    const e = t.engine;
    const root = await e.ensureRootUser();
    await expect(e.deleteAccessKey('root', root.accessKeyId)).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(e.rotateAccessKey('root', root.accessKeyId)).rejects.toMatchObject({ code: 'InvalidArgument' });
    const extra = await e.createAccessKey('root');
    await e.deleteAccessKey('root', extra.accessKeyId);
  });

  it('refuses to delete a user owning buckets; deleting removes its keys', async () => {
    const e = t.engine;
    const { accessKey } = await e.createUser({ id: 'frank' }, { withAccessKey: true });
    await e.createBucket('franks', { owner: 'frank' });
    await expect(e.deleteUser('frank')).rejects.toMatchObject({ code: 'DeleteConflict' });
    await e.deleteBucket('franks');
    await e.deleteUser('frank');
    expect(await e.getUser('frank')).toBeUndefined();
    expect(await e.lookupAccessKey(accessKey!.accessKeyId)).toBeUndefined();
    await expect(e.deleteUser('frank')).rejects.toMatchObject({ code: 'NoSuchEntity' });
  });
});

describe('bucket settings', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
  });
  afterEach(() => t.cleanup());

  it('stores CORS rules and the request payer in the bucket record', async () => {
    const e = t.engine;
    await e.createBucket('cors-bucket', { owner: 'o' });
    expect(await e.getBucketCors('cors-bucket')).toBeUndefined();
    const rule = { id: 'r1', allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: ['*'], exposeHeaders: ['ETag'], maxAgeSeconds: 30 };
    await e.putBucketCors('cors-bucket', [rule]);
    expect(await e.getBucketCors('cors-bucket')).toEqual([rule]);
    expect(await e.getBucketRequestPayment('cors-bucket')).toBe('BucketOwner');
    await e.putBucketRequestPayment('cors-bucket', 'Requester');
    expect(await e.getBucketRequestPayment('cors-bucket')).toBe('Requester');
    expect(await e.getBucketCors('cors-bucket')).toEqual([rule]); // one setting keeps the other
    await e.putBucketCors('cors-bucket', undefined);
    expect(await e.getBucketCors('cors-bucket')).toBeUndefined();
    expect(await e.getBucketRequestPayment('cors-bucket')).toBe('Requester');
    await expect(e.putBucketRequestPayment('cors-bucket', 'Nobody' as never)).rejects.toMatchObject({ code: 'MalformedXML' });
    await expect(e.getBucketCors('nope')).rejects.toMatchObject({ code: 'NoSuchBucket' });
    // a re-created bucket starts without settings
    await e.deleteBucket('cors-bucket');
    await e.createBucket('cors-bucket', { owner: 'o' });
    expect(await e.getBucketRequestPayment('cors-bucket')).toBe('BucketOwner');
  });
});

describe('usage accounting', () => {
  it('counts in memory, persists in batches, survives a reopen', async () => {
    const dir = await tempDir();
    const db = new MemoryLevel();
    let e = await Engine.open({ dataDir: dir, fsync: false, db });
    e.recordUsage({ userId: 'a', bytesIn: 10 });
    e.recordUsage({ userId: 'a', bytesOut: 5, requesterPays: true });
    e.recordUsage({ userId: 'b' });
    e.recordUsage({ userId: '' }); // ignored
    const expected = [
      { userId: 'a', requests: 2, bytesIn: 10, bytesOut: 5, requesterPaysRequests: 1, requesterPaysBytes: 5 },
      { userId: 'b', requests: 1, bytesIn: 0, bytesOut: 0, requesterPaysRequests: 0, requesterPaysBytes: 0 },
    ];
    expect(await e.accountUsage()).toEqual(expected); // pending counts are visible before a flush
    await e.flushUsage();
    expect(await e.accountUsage()).toEqual(expected);
    e.recordUsage({ userId: 'a', bytesIn: 1 });
    await e.close(); // close flushes
    e = await Engine.open({ dataDir: dir, fsync: false, db });
    expect((await e.accountUsage())[0]).toMatchObject({ userId: 'a', requests: 3, bytesIn: 11 });
    await e.close();
  });
});
