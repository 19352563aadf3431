/** ACL model (src/acl) and the engine's access settings (bucketAccess.ts, objectAcl.ts). */
import { Readable } from 'node:stream';
import { aclGrants, ALL_USERS_URI, AUTHENTICATED_USERS_URI, cannedAcl, isPublicAcl, privateAcl, type Acl } from '../src/acl';
import { isS3Error } from '../src/errors';
import { openEngine, type TestEngine } from './helpers';

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isS3Error(e)) return e.code;
    throw e;
  }
  throw new Error('expected an S3Error');
}

describe('canned ACLs and grant checks', () => {
  test('canned ACLs expand as S3 documents them', () => {
    expect(cannedAcl('private', 'o').grants).toEqual([{ grantee: { type: 'CanonicalUser', id: 'o' }, permission: 'FULL_CONTROL' }]);
    expect(cannedAcl('public-read', 'o').grants.map((g) => g.permission)).toEqual(['FULL_CONTROL', 'READ']);
    expect(cannedAcl('public-read-write', 'o').grants.slice(1)).toEqual([
      { grantee: { type: 'Group', uri: ALL_USERS_URI }, permission: 'READ' },
      { grantee: { type: 'Group', uri: ALL_USERS_URI }, permission: 'WRITE' },
    ]);
    expect(cannedAcl('authenticated-read', 'o').grants[1].grantee).toEqual({ type: 'Group', uri: AUTHENTICATED_USERS_URI });
    expect(cannedAcl('bucket-owner-full-control', 'writer', 'bowner').grants[1]).toEqual({
      grantee: { type: 'CanonicalUser', id: 'bowner' },
      permission: 'FULL_CONTROL',
    });
    expect(cannedAcl('bucket-owner-read', 'writer', 'bowner').grants[1]).toEqual({ grantee: { type: 'CanonicalUser', id: 'bowner' }, permission: 'READ' });
    expect(cannedAcl('bucket-owner-read', 'o').grants).toHaveLength(1); // on a bucket: private
    expect(cannedAcl('log-delivery-write', 'o').grants.map((g) => g.permission)).toEqual(['FULL_CONTROL', 'WRITE', 'READ_ACP']);
    expect(() => cannedAcl('public', 'o')).toThrow(/Invalid canned ACL/);
  });

  test('aclGrants: FULL_CONTROL implies everything; groups; anonymous; IgnorePublicAcls', () => {
    const acl: Acl = {
      owner: 'o',
      grants: [...cannedAcl('authenticated-read', 'o').grants, { grantee: { type: 'CanonicalUser', id: 'bob' }, permission: 'WRITE_ACP' }],
    };
    expect(aclGrants(acl, 'o', 'WRITE')).toBe(true);
    expect(aclGrants(acl, 'bob', 'READ')).toBe(true); // authenticated
    expect(aclGrants(acl, 'bob', 'WRITE_ACP')).toBe(true);
    expect(aclGrants(acl, 'bob', 'WRITE')).toBe(false);
    expect(aclGrants(acl, null, 'READ')).toBe(false);
    expect(aclGrants(cannedAcl('public-read', 'o'), null, 'READ')).toBe(true);
    expect(aclGrants(cannedAcl('public-read', 'o'), null, 'READ', true)).toBe(false);
    expect(isPublicAcl(acl)).toBe(true);
    expect(isPublicAcl(privateAcl('o'))).toBe(false);
  });
});

describe('engine access settings', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await openEngine();
    await t.engine.upsertUser({ id: 'alice', email: 'Alice@Example.com', accessKeyId: 'AK1', secretAccessKey: 's1' });
  });
  afterEach(async () => t.cleanup());

  test('a new bucket is private to its owner; ACL, policy, PAB and ownership persist in the bucket record', async () => {
    const e = t.engine;
    await e.createBucket('bkt1', { owner: 'alice', acl: cannedAcl('public-read', 'alice') });
    expect((await e.getBucketAccess('bkt1')).acl).toEqual(cannedAcl('public-read', 'alice'));
    await e.createBucket('bkt2', { owner: 'alice' });
    expect(await e.getBucketAccess('bkt2')).toEqual({ owner: 'alice', acl: privateAcl('alice') });

    const policy = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt2/*' }] });
    await e.putBucketPolicy('bkt2', policy);
    await e.putPublicAccessBlock('bkt2', { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: true });
    await e.putBucketOwnershipControls('bkt2', 'BucketOwnerPreferred');
    const a = await e.getBucketAccess('bkt2');
    expect(a.policy).toBe(policy);
    expect(a.publicAccessBlock).toEqual({ blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: true });
    expect(a.objectOwnership).toBe('BucketOwnerPreferred');
    // BlockPublicAcls refuses a public ACL
    expect(await code(e.putBucketAcl('bkt2', cannedAcl('public-read', 'alice')))).toBe('AccessDenied');
    await e.putPublicAccessBlock('bkt2', undefined);
    await e.putBucketPolicy('bkt2', undefined);
    await e.putBucketPolicy('bkt2', undefined); // deleting twice is fine
    expect(await e.getBucketAccess('bkt2')).toEqual({ owner: 'alice', acl: privateAcl('alice'), objectOwnership: 'BucketOwnerPreferred' });
  });

  test('policies are validated against the bucket; BlockPublicPolicy refuses public ones', async () => {
    const e = t.engine;
    await e.createBucket('bkt3', { owner: 'alice' });
    expect(await code(e.putBucketPolicy('bkt3', '{"Statement": []}'))).toBe('MalformedPolicy');
    const other = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*' }] });
    expect(await code(e.putBucketPolicy('bkt3', other))).toBe('MalformedPolicy');
    await e.putPublicAccessBlock('bkt3', { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: false });
    const pub = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt3/*' }] });
    expect(await code(e.putBucketPolicy('bkt3', pub))).toBe('AccessDenied');
    const restricted = JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: { AWS: 'alice' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::bkt3/*' }],
    });
    await e.putBucketPolicy('bkt3', restricted);
  });

  test('BucketOwnerEnforced refuses non-owner ACLs and cannot be set over one', async () => {
    const e = t.engine;
    await e.createBucket('bkt4', { owner: 'alice', acl: cannedAcl('public-read', 'alice') });
    expect(await code(e.putBucketOwnershipControls('bkt4', 'BucketOwnerEnforced'))).toBe('InvalidBucketAclWithObjectOwnership');
    await e.putBucketAcl('bkt4', privateAcl('alice'));
    await e.putBucketOwnershipControls('bkt4', 'BucketOwnerEnforced');
    expect(await code(e.putBucketAcl('bkt4', cannedAcl('public-read', 'alice')))).toBe('AccessControlListNotSupported');
  });

  test('object ACLs: default private of the owner, set on put, replaced in place, absent keys', async () => {
    const e = t.engine;
    await e.createBucket('bkt5', { owner: 'alice' });
    await e.putObject('bkt5', 'k', Readable.from([Buffer.from('x')]), { owner: 'alice' });
    expect((await e.getObjectAcl('bkt5', 'k')).acl).toEqual(privateAcl('alice'));
    await e.putObject('bkt5', 'p', Readable.from([Buffer.from('x')]), { owner: 'alice', acl: cannedAcl('public-read', 'alice') });
    expect((await e.headObject('bkt5', 'p')).meta.acl).toEqual(cannedAcl('public-read', 'alice'));
    await e.putObjectAcl('bkt5', 'k', cannedAcl('authenticated-read', 'alice'));
    const acc = await e.getObjectAccess('bkt5', 'k');
    expect(acc).toMatchObject({ owner: 'alice', acl: cannedAcl('authenticated-read', 'alice'), versionId: 'null' });
    expect((await e.getObject('bkt5', 'k')).meta.size).toBe(1); // body untouched
    expect(await e.getObjectAccess('bkt5', 'missing')).toBeUndefined();
    expect(await code(e.getObjectAcl('bkt5', 'missing'))).toBe('NoSuchKey');
    expect(await code(e.putObjectAcl('bkt5', 'k', cannedAcl('private', 'mallory')))).toBe('AccessDenied');
    // a copy gets its own (default) ACL
    await e.copyObject('bkt5', 'p', 'bkt5', 'c', { owner: 'alice' });
    expect((await e.getObjectAcl('bkt5', 'c')).acl).toEqual(privateAcl('alice'));
  });

  test('object ACLs per version: each version keeps its own ACL', async () => {
    const e = t.engine;
    await e.createBucket('bkt6', { owner: 'alice' });
    await e.putBucketVersioning('bkt6', 'Enabled');
    const v1 = await e.putObject('bkt6', 'k', Readable.from([Buffer.from('1')]), { owner: 'alice', acl: cannedAcl('public-read', 'alice') });
    const v2 = await e.putObject('bkt6', 'k', Readable.from([Buffer.from('2')]), { owner: 'alice' });
    expect((await e.getObjectAcl('bkt6', 'k')).acl).toEqual(privateAcl('alice'));
    expect(await e.getObjectAcl('bkt6', 'k', { versionId: v1.versionId })).toEqual({ acl: cannedAcl('public-read', 'alice'), versionId: v1.versionId });
    await e.putObjectAcl('bkt6', 'k', cannedAcl('authenticated-read', 'alice'), { versionId: v1.versionId });
    expect((await e.getObjectAccess('bkt6', 'k', { versionId: v1.versionId }))?.acl).toEqual(cannedAcl('authenticated-read', 'alice'));
    expect((await e.getObjectAcl('bkt6', 'k', { versionId: v2.versionId })).acl).toEqual(privateAcl('alice'));
    expect((await e.listObjectVersions('bkt6', { maxKeys: 10 })).entries).toHaveLength(2); // rewriting an ACL adds no version
    expect(await code(e.getObjectAcl('bkt6', 'k', { versionId: '00000000000000000000dead' }))).toBe('NoSuchVersion');
    // a delete marker has no ACL
    const del = await e.deleteObject('bkt6', 'k');
    expect(await e.getObjectAccess('bkt6', 'k')).toBeUndefined();
    expect(await code(e.getObjectAcl('bkt6', 'k', { versionId: del.versionId }))).toBe('MethodNotAllowed');
  });

  test('findUserByEmail is case-insensitive', async () => {
    expect((await t.engine.findUserByEmail('alice@example.COM'))?.id).toBe('alice');
    expect(await t.engine.findUserByEmail('nobody@example.com')).toBeUndefined();
  });
});
