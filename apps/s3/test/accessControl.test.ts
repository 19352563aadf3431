/**
 * ACL and bucket-policy APIs through the AWS SDK (Get/PutBucketAcl, Get/PutObjectAcl, canned and
 * explicit grants, AccessControlPolicy bodies, Put/Get/DeleteBucketPolicy, GetBucketPolicyStatus,
 * Put/Get/DeletePublicAccessBlock, ownership controls) with S3's error codes, and plain
 * unsigned HTTP (curl-style) reads of a public-read bucket.
 */
import http from 'node:http';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server';
import { s3Err } from './helpers/s3Error';

const ALICE = {
  id: 'alice',
  displayName: 'Alice',
  email: 'alice@example.com',
  accessKeyId: 'ALICEKEY000000000001',
  secretAccessKey: 'alice-secret-00000000000000000000000001',
};
const BOB = {
  id: 'bob',
  displayName: 'Bob',
  email: 'bob@example.com',
  accessKeyId: 'BOBKEY00000000000001',
  secretAccessKey: 'bob-secret-0000000000000000000000000001',
};
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

let ts: TestServer;
let alice: S3Client;
let bob: S3Client;

/** A plain unsigned HTTP request, as curl would send it. */
function curl(method: string, path: string, body?: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: ts.port, method, path, headers: body ? { 'content-length': Buffer.byteLength(body) } : {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  ts = await startTestServer({ users: [ALICE, BOB] });
  alice = ts.client({ accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey });
  bob = ts.client({ accessKeyId: BOB.accessKeyId, secretAccessKey: BOB.secretAccessKey });
});
afterAll(async () => ts?.stop());

describe('ACLs', () => {
  test('a new bucket and object are private: FULL_CONTROL to the owner, with display names', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'acl-private' }));
    await alice.send(new PutObjectCommand({ Bucket: 'acl-private', Key: 'k', Body: 'x' }));
    for (const acl of [
      await alice.send(new GetBucketAclCommand({ Bucket: 'acl-private' })),
      await alice.send(new GetObjectAclCommand({ Bucket: 'acl-private', Key: 'k' })),
    ]) {
      expect(acl.Owner).toEqual({ ID: 'alice', DisplayName: 'Alice' });
      expect(acl.Grants).toEqual([{ Grantee: { Type: 'CanonicalUser', ID: 'alice', DisplayName: 'Alice' }, Permission: 'FULL_CONTROL' }]);
    }
  });

  test('canned ACL on CreateBucket and PutObject; PutBucketAcl with a canned ACL', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'acl-canned', ACL: 'public-read' }));
    const b = await alice.send(new GetBucketAclCommand({ Bucket: 'acl-canned' }));
    expect(b.Grants).toContainEqual({ Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' });
    await alice.send(new PutObjectCommand({ Bucket: 'acl-canned', Key: 'k', Body: 'x', ACL: 'authenticated-read' }));
    const o = await alice.send(new GetObjectAclCommand({ Bucket: 'acl-canned', Key: 'k' }));
    expect(o.Grants).toContainEqual({ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' }, Permission: 'READ' });
    // authenticated-read: bob (signed) reads, anonymous does not
    expect(await (await bob.send(new GetObjectCommand({ Bucket: 'acl-canned', Key: 'k' }))).Body!.transformToString()).toBe('x');
    expect((await curl('GET', '/acl-canned/k')).status).toBe(403);
    await alice.send(new PutBucketAclCommand({ Bucket: 'acl-canned', ACL: 'private' }));
    expect((await alice.send(new GetBucketAclCommand({ Bucket: 'acl-canned' }))).Grants).toHaveLength(1);
  });

  test('AccessControlPolicy body with CanonicalUser, email and group grantees; errors', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'acl-body' }));
    await alice.send(new PutObjectCommand({ Bucket: 'acl-body', Key: 'k', Body: 'x' }));
    await alice.send(
      new PutObjectAclCommand({
        Bucket: 'acl-body',
        Key: 'k',
        AccessControlPolicy: {
          Owner: { ID: 'alice' },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: 'alice' }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'AmazonCustomerByEmail', EmailAddress: 'BOB@example.com' }, Permission: 'READ' },
            { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ_ACP' },
          ],
        },
      }),
    );
    const o = await alice.send(new GetObjectAclCommand({ Bucket: 'acl-body', Key: 'k' }));
    expect(o.Grants).toEqual([
      { Grantee: { Type: 'CanonicalUser', ID: 'alice', DisplayName: 'Alice' }, Permission: 'FULL_CONTROL' },
      { Grantee: { Type: 'CanonicalUser', ID: 'bob', DisplayName: 'Bob' }, Permission: 'READ' }, // email resolved to the account
      { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ_ACP' },
    ]);
    expect(await (await bob.send(new GetObjectCommand({ Bucket: 'acl-body', Key: 'k' }))).Body!.transformToString()).toBe('x');
    expect((await curl('GET', '/acl-body/k?acl')).status).toBe(200); // AllUsers READ_ACP

    const e1 = await s3Err(alice.send(new PutObjectAclCommand({ Bucket: 'acl-body', Key: 'k', GrantRead: 'emailAddress="nobody@example.com"' })));
    expect([e1.name, e1.$metadata.httpStatusCode]).toEqual(['UnresolvableGrantByEmailAddress', 400]);
    const e2 = await s3Err(alice.send(new PutObjectAclCommand({ Bucket: 'acl-body', Key: 'k', GrantRead: 'id="no-such-user"' })));
    expect([e2.name, e2.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
    const e3 = await s3Err(
      alice.send(new PutObjectAclCommand({ Bucket: 'acl-body', Key: 'k', GrantRead: 'uri="http://acs.amazonaws.com/groups/global/Everyone"' })),
    );
    expect(e3.name).toBe('InvalidArgument');
    const e4 = await s3Err(alice.send(new PutObjectAclCommand({ Bucket: 'acl-body', Key: 'k', ACL: 'public-read', GrantRead: 'id="bob"' })));
    expect(e4.name).toBe('InvalidRequest');
    const e5 = await s3Err(alice.send(new PutBucketAclCommand({ Bucket: 'acl-body', ACL: 'nonsense' as never })));
    expect(e5.name).toBe('InvalidArgument');
    // A body that is not an AccessControlPolicy is MalformedACLError (raw, since the SDK builds valid XML).
    const raw = await ts.client({ accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey });
    raw.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { body: string }).body = '<AccessControlPolicy><Owner>';
        (args.request as { headers: Record<string, string> }).headers['content-length'] = '28';
        return next(args);
      },
      { step: 'build', name: 'breakBody' },
    );
    const e6 = await s3Err(raw.send(new PutBucketAclCommand({ Bucket: 'acl-body', AccessControlPolicy: { Owner: { ID: 'alice' }, Grants: [] } })));
    expect([e6.name, e6.$metadata.httpStatusCode]).toEqual(['MalformedACLError', 400]);
  });

  test('the owner keeps READ_ACP/WRITE_ACP after granting itself nothing; others need WRITE_ACP', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'acl-owner' }));
    await alice.send(new PutObjectCommand({ Bucket: 'acl-owner', Key: 'k', Body: 'x', GrantRead: 'id="bob"' }));
    // Explicit grants replace the default ACL: alice can no longer read the bytes...
    expect((await s3Err(alice.send(new GetObjectCommand({ Bucket: 'acl-owner', Key: 'k' })))).name).toBe('AccessDenied');
    // ...but still reads and rewrites the ACL.
    expect((await alice.send(new GetObjectAclCommand({ Bucket: 'acl-owner', Key: 'k' }))).Grants).toHaveLength(1);
    expect((await s3Err(bob.send(new PutObjectAclCommand({ Bucket: 'acl-owner', Key: 'k', ACL: 'public-read' })))).name).toBe('AccessDenied');
    await alice.send(new PutObjectAclCommand({ Bucket: 'acl-owner', Key: 'k', ACL: 'private' }));
    expect(await (await alice.send(new GetObjectCommand({ Bucket: 'acl-owner', Key: 'k' }))).Body!.transformToString()).toBe('x');
  });

  test('objects written by another account: owned by the writer; bucket-owner-full-control shares them', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'acl-drop', GrantWrite: 'id="bob"' }));
    await bob.send(new PutObjectCommand({ Bucket: 'acl-drop', Key: 'mine', Body: 'b' }));
    await bob.send(new PutObjectCommand({ Bucket: 'acl-drop', Key: 'shared', Body: 'b', ACL: 'bucket-owner-full-control' }));
    expect((await alice.send(new GetObjectAclCommand({ Bucket: 'acl-drop', Key: 'shared' }))).Owner?.ID).toBe('bob');
    expect((await s3Err(alice.send(new GetObjectCommand({ Bucket: 'acl-drop', Key: 'mine' })))).name).toBe('AccessDenied');
    expect(await (await alice.send(new GetObjectCommand({ Bucket: 'acl-drop', Key: 'shared' }))).Body!.transformToString()).toBe('b');
    // BucketOwnerPreferred + bucket-owner-full-control: the bucket owner becomes the object owner
    await alice.send(
      new PutBucketOwnershipControlsCommand({ Bucket: 'acl-drop', OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } }),
    );
    await bob.send(new PutObjectCommand({ Bucket: 'acl-drop', Key: 'preferred', Body: 'b', ACL: 'bucket-owner-full-control' }));
    expect((await alice.send(new GetObjectAclCommand({ Bucket: 'acl-drop', Key: 'preferred' }))).Owner?.ID).toBe('alice');
  });

  test('copy needs READ on the source and WRITE on the destination', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'acl-copy-src' }));
    await alice.send(new PutObjectCommand({ Bucket: 'acl-copy-src', Key: 'secret', Body: 's' }));
    await alice.send(new PutObjectCommand({ Bucket: 'acl-copy-src', Key: 'open', Body: 'o', ACL: 'public-read' }));
    await bob.send(new CreateBucketCommand({ Bucket: 'acl-copy-dst' }));
    expect((await s3Err(bob.send(new CopyObjectCommand({ Bucket: 'acl-copy-dst', Key: 'x', CopySource: 'acl-copy-src/secret' })))).name).toBe('AccessDenied');
    await bob.send(new CopyObjectCommand({ Bucket: 'acl-copy-dst', Key: 'x', CopySource: 'acl-copy-src/open', ACL: 'public-read' }));
    expect((await bob.send(new GetObjectAclCommand({ Bucket: 'acl-copy-dst', Key: 'x' }))).Grants).toContainEqual({
      Grantee: { Type: 'Group', URI: ALL_USERS },
      Permission: 'READ',
    });
    expect((await s3Err(alice.send(new CopyObjectCommand({ Bucket: 'acl-copy-dst', Key: 'y', CopySource: 'acl-copy-src/open' })))).name).toBe('AccessDenied');
  });

  test('multipart: the ACL given at CreateMultipartUpload applies to the completed object', async () => {
    const { CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    await alice.send(new CreateBucketCommand({ Bucket: 'acl-multipart' }));
    const up = await alice.send(new CreateMultipartUploadCommand({ Bucket: 'acl-multipart', Key: 'big', ACL: 'public-read' }));
    const part = await alice.send(new UploadPartCommand({ Bucket: 'acl-multipart', Key: 'big', UploadId: up.UploadId, PartNumber: 1, Body: 'multipart body' }));
    await alice.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'acl-multipart',
        Key: 'big',
        UploadId: up.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    expect((await curl('GET', '/acl-multipart/big')).body).toBe('multipart body');
    expect((await alice.send(new GetObjectAclCommand({ Bucket: 'acl-multipart', Key: 'big' }))).Grants).toContainEqual({
      Grantee: { Type: 'Group', URI: ALL_USERS },
      Permission: 'READ',
    });
  });

  test('UploadPartCopy reads the source under its ACL', async () => {
    const { CreateMultipartUploadCommand, UploadPartCopyCommand } = await import('@aws-sdk/client-s3');
    await alice.send(new CreateBucketCommand({ Bucket: 'acl-partcopy-src' }));
    await alice.send(new PutObjectCommand({ Bucket: 'acl-partcopy-src', Key: 'secret', Body: 's' }));
    await alice.send(new PutObjectCommand({ Bucket: 'acl-partcopy-src', Key: 'open', Body: 'o', ACL: 'public-read' }));
    await bob.send(new CreateBucketCommand({ Bucket: 'acl-partcopy-dst' }));
    const up = await bob.send(new CreateMultipartUploadCommand({ Bucket: 'acl-partcopy-dst', Key: 'x' }));
    const copy = (src: string) =>
      bob.send(new UploadPartCopyCommand({ Bucket: 'acl-partcopy-dst', Key: 'x', UploadId: up.UploadId, PartNumber: 1, CopySource: src }));
    expect((await s3Err(copy('acl-partcopy-src/secret'))).name).toBe('AccessDenied');
    expect((await copy('acl-partcopy-src/open')).CopyPartResult?.ETag).toBeTruthy();
  });

  test('BucketOwnerEnforced: ACLs disabled (AccessControlListNotSupported), bucket owner owns everything', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'acl-enforced', ObjectOwnership: 'BucketOwnerEnforced', GrantWrite: undefined }));
    expect((await alice.send(new GetBucketOwnershipControlsCommand({ Bucket: 'acl-enforced' }))).OwnershipControls?.Rules?.[0].ObjectOwnership).toBe(
      'BucketOwnerEnforced',
    );
    const e = await s3Err(alice.send(new PutObjectCommand({ Bucket: 'acl-enforced', Key: 'k', Body: 'x', ACL: 'public-read' })));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['AccessControlListNotSupported', 400]);
    await alice.send(new PutObjectCommand({ Bucket: 'acl-enforced', Key: 'k', Body: 'x', ACL: 'bucket-owner-full-control' }));
    expect((await s3Err(alice.send(new PutBucketAclCommand({ Bucket: 'acl-enforced', ACL: 'public-read' })))).name).toBe('AccessControlListNotSupported');
    await alice.send(new DeleteBucketOwnershipControlsCommand({ Bucket: 'acl-enforced' }));
    expect((await s3Err(alice.send(new GetBucketOwnershipControlsCommand({ Bucket: 'acl-enforced' })))).name).toBe('OwnershipControlsNotFoundError');
  });
});

describe('bucket policies', () => {
  const policyFor = (bucket: string, extra: object[] = []): string =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }, ...extra],
    });

  test('put / get (same text) / status / delete; NoSuchBucketPolicy; MalformedPolicy', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'pol-basic' }));
    expect((await s3Err(alice.send(new GetBucketPolicyCommand({ Bucket: 'pol-basic' })))).name).toBe('NoSuchBucketPolicy');
    expect((await s3Err(alice.send(new GetBucketPolicyStatusCommand({ Bucket: 'pol-basic' })))).name).toBe('NoSuchBucketPolicy');
    const text = policyFor('pol-basic');
    await alice.send(new PutBucketPolicyCommand({ Bucket: 'pol-basic', Policy: text }));
    expect((await alice.send(new GetBucketPolicyCommand({ Bucket: 'pol-basic' }))).Policy).toBe(text);
    expect((await alice.send(new GetBucketPolicyStatusCommand({ Bucket: 'pol-basic' }))).PolicyStatus?.IsPublic).toBe(true);
    const bad = await s3Err(
      alice.send(
        new PutBucketPolicyCommand({
          Bucket: 'pol-basic',
          Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::elsewhere/*' }] }),
        }),
      ),
    );
    expect([bad.name, bad.$metadata.httpStatusCode, bad.message]).toEqual(['MalformedPolicy', 400, 'Policy has invalid resource']);
    expect((await s3Err(alice.send(new PutBucketPolicyCommand({ Bucket: 'pol-basic', Policy: '{not json' })))).name).toBe('MalformedPolicy');
    // only the owner manages the policy
    expect((await s3Err(bob.send(new GetBucketPolicyCommand({ Bucket: 'pol-basic' })))).name).toBe('AccessDenied');
    await alice.send(new DeleteBucketPolicyCommand({ Bucket: 'pol-basic' }));
    await alice.send(new DeleteBucketPolicyCommand({ Bucket: 'pol-basic' }));
    expect((await s3Err(alice.send(new GetBucketPolicyCommand({ Bucket: 'pol-basic' })))).name).toBe('NoSuchBucketPolicy');
    // a policy restricted to one account is not public
    await alice.send(
      new PutBucketPolicyCommand({
        Bucket: 'pol-basic',
        Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::pol-basic/*' }] }),
      }),
    );
    expect((await alice.send(new GetBucketPolicyStatusCommand({ Bucket: 'pol-basic' }))).PolicyStatus?.IsPublic).toBe(false);
  });

  test('the owner cannot lock itself out of the policy; other accounts get 405; unknown principals are refused', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'pol-lockout' }));
    const arn = 'arn:aws:s3:::pol-lockout';
    await alice.send(
      new PutBucketPolicyCommand({
        Bucket: 'pol-lockout',
        Policy: JSON.stringify({
          Statement: [
            { Effect: 'Deny', Principal: '*', Action: ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:ListBucket'], Resource: arn },
            { Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:GetBucketPolicy', Resource: arn },
          ],
        }),
      }),
    );
    expect((await s3Err(alice.send(new (await import('@aws-sdk/client-s3')).ListObjectsV2Command({ Bucket: 'pol-lockout' })))).name).toBe('AccessDenied');
    expect((await alice.send(new GetBucketPolicyCommand({ Bucket: 'pol-lockout' }))).Policy).toContain('GetBucketPolicy');
    expect((await s3Err(bob.send(new GetBucketPolicyCommand({ Bucket: 'pol-lockout' })))).name).toBe('AccessDenied'); // the Deny wins
    await alice.send(
      new PutBucketPolicyCommand({
        Bucket: 'pol-lockout',
        Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 's3:GetBucketPolicy', Resource: arn }] }),
      }),
    );
    const e = await s3Err(bob.send(new GetBucketPolicyCommand({ Bucket: 'pol-lockout' })));
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['MethodNotAllowed', 405]);
    const ghost = await s3Err(
      alice.send(
        new PutBucketPolicyCommand({
          Bucket: 'pol-lockout',
          Policy: JSON.stringify({
            Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::ghost:root' }, Action: 's3:GetObject', Resource: `${arn}/*` }],
          }),
        }),
      ),
    );
    expect([ghost.name, ghost.message]).toEqual(['MalformedPolicy', 'Invalid principal in policy']);
    await alice.send(new DeleteBucketPolicyCommand({ Bucket: 'pol-lockout' }));
  });

  test('conditions see the request: aws:SecureTransport is false over http, aws:SourceIp is the socket address, s3:prefix', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'pol-cond' }));
    await alice.send(new PutObjectCommand({ Bucket: 'pol-cond', Key: 'a/1', Body: '1' }));
    await alice.send(
      new PutBucketPolicyCommand({
        Bucket: 'pol-cond',
        Policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: 'bob' },
              Action: 's3:ListBucket',
              Resource: 'arn:aws:s3:::pol-cond',
              Condition: { StringLike: { 's3:prefix': 'a/*' } },
            },
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::pol-cond/*',
              Condition: { IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '::1/128'] } },
            },
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObject',
              Resource: 'arn:aws:s3:::pol-cond/*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      }),
    );
    expect((await curl('GET', '/pol-cond/a/1')).body).toBe('1'); // from 127.0.0.1
    expect((await curl('GET', '/pol-cond?list-type=2&prefix=a/')).status).toBe(403); // the prefix grant is bob's
    const listed = await rawList(bob, 'pol-cond', 'a/');
    expect(listed).toBe(200);
    expect(await rawList(bob, 'pol-cond', 'b/')).toBe(403);
    // plain http: the deny on insecure transport applies to the owner too
    expect((await s3Err(alice.send(new PutObjectCommand({ Bucket: 'pol-cond', Key: 'a/2', Body: '2' })))).name).toBe('AccessDenied');
  });

  test('DeleteObjects: each key is authorized as s3:DeleteObject', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'pol-multidel' }));
    await alice.send(new PutObjectCommand({ Bucket: 'pol-multidel', Key: 'keep/1', Body: '1' }));
    await alice.send(new PutObjectCommand({ Bucket: 'pol-multidel', Key: 'tmp/1', Body: '1' }));
    await alice.send(
      new PutBucketPolicyCommand({
        Bucket: 'pol-multidel',
        Policy: JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::pol-multidel/keep/*' }] }),
      }),
    );
    const r = await alice.send(new DeleteObjectsCommand({ Bucket: 'pol-multidel', Delete: { Objects: [{ Key: 'keep/1' }, { Key: 'tmp/1' }] } }));
    expect(r.Deleted?.map((d) => d.Key)).toEqual(['tmp/1']);
    expect(r.Errors?.map((e) => [e.Key, e.Code])).toEqual([['keep/1', 'AccessDenied']]);
  });
});

async function rawList(client: S3Client, bucket: string, prefix: string): Promise<number> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  try {
    const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return r.$metadata.httpStatusCode ?? 0;
  } catch (e) {
    return (e as S3ServiceException).$metadata.httpStatusCode ?? 0;
  }
}

describe('public access block', () => {
  test('put / get / delete; NoSuchPublicAccessBlockConfiguration', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'pab-api' }));
    expect((await s3Err(alice.send(new GetPublicAccessBlockCommand({ Bucket: 'pab-api' })))).name).toBe('NoSuchPublicAccessBlockConfiguration');
    await alice.send(
      new PutPublicAccessBlockCommand({ Bucket: 'pab-api', PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true } }),
    );
    expect((await alice.send(new GetPublicAccessBlockCommand({ Bucket: 'pab-api' }))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    });
    await alice.send(new DeletePublicAccessBlockCommand({ Bucket: 'pab-api' }));
    expect((await s3Err(alice.send(new GetPublicAccessBlockCommand({ Bucket: 'pab-api' })))).name).toBe('NoSuchPublicAccessBlockConfiguration');
  });

  test('BlockPublicAcls refuses public canned ACLs and grants; BlockPublicPolicy refuses public policies', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'pab-block' }));
    await alice.send(
      new PutPublicAccessBlockCommand({ Bucket: 'pab-block', PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true } }),
    );
    expect((await s3Err(alice.send(new PutObjectCommand({ Bucket: 'pab-block', Key: 'k', Body: 'x', ACL: 'public-read' })))).name).toBe('AccessDenied');
    expect((await s3Err(alice.send(new PutBucketAclCommand({ Bucket: 'pab-block', GrantRead: `uri="${ALL_USERS}"` })))).name).toBe('AccessDenied');
    await alice.send(new PutObjectCommand({ Bucket: 'pab-block', Key: 'k', Body: 'x', ACL: 'private' }));
    const pub = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pab-block/*' }] });
    expect((await s3Err(alice.send(new PutBucketPolicyCommand({ Bucket: 'pab-block', Policy: pub })))).name).toBe('AccessDenied');
  });
});

describe('anonymous (curl-style) access', () => {
  test('a public-read bucket is listable and readable without a signature; a private one is AccessDenied', async () => {
    await alice.send(new CreateBucketCommand({ Bucket: 'curl-public', ACL: 'public-read' }));
    await alice.send(new PutObjectCommand({ Bucket: 'curl-public', Key: 'hello.txt', Body: 'hello world', ACL: 'public-read', ContentType: 'text/plain' }));
    await alice.send(new PutObjectCommand({ Bucket: 'curl-public', Key: 'hidden.txt', Body: 'secret' }));
    const list = await curl('GET', '/curl-public');
    expect(list.status).toBe(200);
    expect(list.body).toContain('<Key>hello.txt</Key>');
    expect(list.body).toContain('<Key>hidden.txt</Key>');
    const got = await curl('GET', '/curl-public/hello.txt');
    expect([got.status, got.body, got.headers['content-type']]).toEqual([200, 'hello world', 'text/plain']);
    expect((await curl('HEAD', '/curl-public/hello.txt')).status).toBe(200);
    // the object ACL governs the bytes: listable is not readable
    const hidden = await curl('GET', '/curl-public/hidden.txt');
    expect(hidden.status).toBe(403);
    expect(hidden.body).toContain('<Code>AccessDenied</Code>');
    // a missing key is 404 to a caller who may list, 403 in a private bucket
    expect((await curl('GET', '/curl-public/nope')).status).toBe(404);
    await alice.send(new CreateBucketCommand({ Bucket: 'curl-private' }));
    expect((await curl('GET', '/curl-private/nope')).status).toBe(403);
    expect((await curl('GET', '/curl-private')).body).toContain('<Code>AccessDenied</Code>');
    // no anonymous writes without WRITE
    expect((await curl('PUT', '/curl-public/new.txt', 'x')).status).toBe(403);
    // ListBuckets is never anonymous
    expect((await curl('GET', '/')).status).toBe(403);
  });
});
