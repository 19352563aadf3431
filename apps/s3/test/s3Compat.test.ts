/**
 * Behaviours where Cairn once differed from S3 (issue 8, "Behaviours that differ from S3 today"),
 * each driven through @aws-sdk/client-s3 or hand-signed raw HTTP against the real server.
 */
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketAclCommand,
  PutBucketCorsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  GetObjectRetentionCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { rawRequest, parseS3Error, xmlUnescape } from './helpers/rawRequest';
import { multipartBody, multipartContentType, signPostV2, signPostV4 } from './helpers/postForm';
import { startTestServer, type TestServer } from './helpers/server';
import { s3Err } from './helpers/s3Error';

const ALICE = {
  id: 'alice',
  displayName: 'Alice',
  email: 'alice@example.com',
  accessKeyId: 'ALICECOMPATKEY000001',
  secretAccessKey: 'alice-compat-secret-000000000000000000',
};
const BOB = { id: 'bob', displayName: '', accessKeyId: 'BOBCOMPATKEY00000001', secretAccessKey: 'bob-compat-secret-00000000000000000000' };

let ts: TestServer;
let s3: S3Client;
let alice: S3Client;
let bob: S3Client;

beforeAll(async () => {
  ts = await startTestServer({ users: [ALICE, BOB] });
  s3 = ts.client();
  alice = ts.client({ accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey });
  bob = ts.client({ accessKeyId: BOB.accessKeyId, secretAccessKey: BOB.secretAccessKey });
});
afterAll(() => ts.stop());

/** All texts of <tag> elements directly in `xml` (no nesting needed for these documents). */
const ANON_ID = '65a011a29cdf8ec533ec3d1ccaae921c';
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

const texts = (xml: string, tag: string): string[] => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => xmlUnescape(m[1]));

describe('encoding-type=url', () => {
  const B = 'enc-bucket';
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: 'Enabled' } }));
    for (const k of ['a b/one', 'a b/two+three', 'a b/x y', 'a b/sub dir/z']) await s3.send(new PutObjectCommand({ Bucket: B, Key: k, Body: 'x' }));
  });

  test('a space is %20, a + is %2B (v2: Prefix, Delimiter, StartAfter, Key, CommonPrefixes encoded)', async () => {
    const r = await rawRequest(ts.endpoint, {
      path: `/${B}`,
      query: { 'list-type': '2', 'encoding-type': 'url', prefix: 'a b/', delimiter: ' ', 'start-after': 'a b/o' },
    });
    expect(r.status).toBe(200);
    expect(r.body).not.toContain('+');
    expect(texts(r.body, 'Prefix')).toEqual(['a%20b/', 'a%20b/sub%20', 'a%20b/x%20']);
    expect(texts(r.body, 'Delimiter')).toEqual(['%20']);
    expect(texts(r.body, 'StartAfter')).toEqual(['a%20b/o']);
    expect(texts(r.body, 'Key')).toEqual(['a%20b/one', 'a%20b/two%2Bthree']);
    expect(texts(r.body, 'EncodingType')).toEqual(['url']);
  });

  test('v1: the top-level Prefix is returned as sent; Delimiter, Marker, NextMarker, Key, CommonPrefixes encoded', async () => {
    const r = await rawRequest(ts.endpoint, {
      path: `/${B}`,
      query: { 'encoding-type': 'url', prefix: 'a b/', delimiter: '/', marker: 'a b/ ', 'max-keys': '2' },
    });
    expect(r.status).toBe(200);
    expect(texts(r.body, 'Prefix')).toEqual(['a b/', 'a%20b/sub%20dir/']);
    expect(texts(r.body, 'Marker')).toEqual(['a%20b/%20']);
    expect(texts(r.body, 'Delimiter')).toEqual(['/']);
    expect(texts(r.body, 'Key')).toEqual(['a%20b/one']);
    expect(texts(r.body, 'IsTruncated')).toEqual(['true']);
    expect(texts(r.body, 'NextMarker')).toEqual(['a%20b/sub%20dir/']);
  });

  test('ListObjectVersions encodes Prefix, KeyMarker, NextKeyMarker, Key, Delimiter, CommonPrefixes', async () => {
    const r = await rawRequest(ts.endpoint, {
      path: `/${B}`,
      query: { versions: '', 'encoding-type': 'url', prefix: 'a b/', 'key-marker': 'a b/a', 'max-keys': '1' },
    });
    expect(r.status).toBe(200);
    expect(texts(r.body, 'Prefix')).toEqual(['a%20b/']);
    expect(texts(r.body, 'KeyMarker')).toEqual(['a%20b/a']);
    expect(texts(r.body, 'Key')).toEqual(['a%20b/one']);
    expect(texts(r.body, 'NextKeyMarker')).toEqual(['a%20b/one']);
  });

  test('the SDK (which does not decode) sees the encoded names', async () => {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'a b/', EncodingType: 'url' }));
    expect(r.Contents!.map((o) => decodeURIComponent(o.Key!))).toEqual(['a b/one', 'a b/sub dir/z', 'a b/two+three', 'a b/x y']);
  });
});

describe('authentication and integrity errors', () => {
  const B = 'auth-bucket';
  beforeAll(() => s3.send(new CreateBucketCommand({ Bucket: B })));

  test('an expired presigned URL is 403 AccessDenied "Request has expired" (SigV4 and SigV2)', async () => {
    const v4 = await rawRequest(ts.endpoint, { path: `/${B}/k`, auth: 'presign', expires: 1, date: new Date(Date.now() - 60_000) });
    expect(v4.status).toBe(403);
    expect([parseS3Error(v4.body).code, parseS3Error(v4.body).message]).toEqual(['AccessDenied', 'Request has expired']);
    const expires = Math.floor(Date.now() / 1000) - 60;
    const v2 = await rawRequest(ts.endpoint, {
      path: `/${B}/k`,
      auth: 'none',
      query: { AWSAccessKeyId: ts.accessKeyId, Expires: String(expires), Signature: 'x' },
    });
    expect(v2.status).toBe(403);
    expect([parseS3Error(v2.body).code, parseS3Error(v2.body).message]).toEqual(['AccessDenied', 'Request has expired']);
  });

  test('a wrong x-amz-checksum-* value is 400 BadDigest and stores nothing', async () => {
    for (const [name, value] of [
      ['x-amz-checksum-crc32', 'AAAAAA=='],
      ['x-amz-checksum-sha256', Buffer.alloc(32).toString('base64')],
    ]) {
      const r = await rawRequest(ts.endpoint, { method: 'PUT', path: `/${B}/bad-sum`, body: 'hello', headers: { [name]: value } });
      expect(r.status).toBe(400);
      expect(parseS3Error(r.body).code).toBe('BadDigest');
    }
    const sdk = await s3Err(s3.send(new PutObjectCommand({ Bucket: B, Key: 'bad-sum', Body: 'hello', ChecksumCRC32: 'AAAAAA==' })));
    expect([sdk.name, sdk.$metadata.httpStatusCode]).toEqual(['BadDigest', 400]);
    const head = await rawRequest(ts.endpoint, { method: 'HEAD', path: `/${B}/bad-sum` });
    expect(head.status).toBe(404);
  });

  test('Expect values other than 100-continue are ignored, never 417', async () => {
    const put = await rawRequest(ts.endpoint, { method: 'PUT', path: `/${B}/expect`, body: 'body', headers: { Expect: 'something-else' } });
    expect(put.status).toBe(200);
    const get = await rawRequest(ts.endpoint, { path: `/${B}/expect`, headers: { Expect: '200-ok' } });
    expect([get.status, get.body]).toEqual([200, 'body']);
  });
});

describe('DisplayName on every Owner and grantee', () => {
  const B = 'owners-bucket';
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B, ACL: 'public-read-write' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: 'Enabled' } }));
    // An anonymous writer: owned by S3's anonymous canonical id, which is no Cairn user.
    const anon = await rawRequest(ts.endpoint, {
      method: 'PUT',
      path: `/${B}/anon`,
      body: 'x',
      auth: 'none',
      headers: { 'x-amz-grant-read': `uri="${ALL_USERS}"`, 'x-amz-grant-read-acp': `uri="${ALL_USERS}"` },
    });
    expect(anon.status).toBe(200);
    await bob.send(new CreateBucketCommand({ Bucket: 'bobs-bucket' }));
    await bob.send(new PutObjectCommand({ Bucket: 'bobs-bucket', Key: 'k', Body: 'x' }));
    await bob.send(new CreateMultipartUploadCommand({ Bucket: 'bobs-bucket', Key: 'up' }));
  });

  test('ListBuckets of a user without a display name', async () => {
    const r = await bob.send(new ListBucketsCommand({}));
    expect(r.Owner).toEqual({ ID: 'bob', DisplayName: 'bob' });
  });

  test('Get*Acl, fetch-owner listings, ListObjectVersions, ListParts, ListMultipartUploads', async () => {
    const acl = await rawRequest(ts.endpoint, { path: `/${B}/anon`, query: 'acl', auth: 'none' });
    expect(acl.status).toBe(200);
    expect(texts(acl.body, 'DisplayName')).toEqual([ANON_ID]);
    const sdkAcl = await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'anon' }));
    expect(sdkAcl.Owner).toEqual({ ID: ANON_ID, DisplayName: ANON_ID });
    const bacl = await bob.send(new GetBucketAclCommand({ Bucket: 'bobs-bucket' }));
    expect(bacl.Owner).toEqual({ ID: 'bob', DisplayName: 'bob' });
    expect(bacl.Grants!.every((g) => g.Grantee!.Type !== 'CanonicalUser' || !!g.Grantee!.DisplayName)).toBe(true);

    const v2 = await s3.send(new ListObjectsV2Command({ Bucket: B, FetchOwner: true }));
    expect(v2.Contents!.map((o) => o.Owner)).toEqual([{ ID: ANON_ID, DisplayName: ANON_ID }]);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: B }));
    expect(versions.Versions!.every((v) => !!v.Owner?.DisplayName)).toBe(true);

    const bobList = await bob.send(new ListObjectsV2Command({ Bucket: 'bobs-bucket', FetchOwner: true }));
    expect(bobList.Contents![0].Owner).toEqual({ ID: 'bob', DisplayName: 'bob' });
    const ups = await bob.send(new ListMultipartUploadsCommand({ Bucket: 'bobs-bucket' }));
    expect(ups.Uploads![0].Owner).toEqual({ ID: 'bob', DisplayName: 'bob' });
    expect(ups.Uploads![0].Initiator).toEqual({ ID: 'bob', DisplayName: 'bob' });
    const parts = await bob.send(new ListPartsCommand({ Bucket: 'bobs-bucket', Key: 'up', UploadId: ups.Uploads![0].UploadId }));
    expect(parts.Owner).toEqual({ ID: 'bob', DisplayName: 'bob' });
  });
});

describe('ACLs from x-amz-grant-* headers and bucket-owner canned ACLs', () => {
  const B = 'grants-bucket';
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    // alice may write into root's bucket.
    await s3.send(new PutBucketAclCommand({ Bucket: B, GrantWrite: 'id="alice"', GrantFullControl: 'id="root"' }));
  });

  const grantsOf = (g: { Grantee?: { ID?: string; URI?: string }; Permission?: string }[] | undefined) =>
    (g ?? []).map((x) => `${x.Grantee!.ID ?? x.Grantee!.URI}:${x.Permission}`).sort();

  test('PUT, copy, multipart and CreateBucket with grant headers: exactly the listed grants', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'put', Body: 'x', GrantRead: 'id="alice"' }));
    expect(grantsOf((await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'put' }))).Grants)).toEqual(['alice:READ']);
    // Not even the owner may read it now (it keeps only READ_ACP / WRITE_ACP), as in S3.
    expect((await s3Err(s3.send(new GetObjectCommand({ Bucket: B, Key: 'put' })))).name).toBe('AccessDenied');
    expect(await (await alice.send(new GetObjectCommand({ Bucket: B, Key: 'put' }))).Body!.transformToString()).toBe('x');
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'src', Body: 'y' }));
    await s3.send(
      new CopyObjectCommand({ Bucket: B, Key: 'copy', CopySource: `${B}/src`, GrantReadACP: 'id="alice"', GrantRead: 'emailAddress="alice@example.com"' }),
    );
    // The owner keeps READ_ACP / WRITE_ACP implicitly, so root can still read the ACL.
    expect(grantsOf((await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'copy' }))).Grants)).toEqual(['alice:READ', 'alice:READ_ACP']);
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'mpu', GrantFullControl: 'id="alice"' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'mpu', UploadId: up.UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: B, Key: 'mpu', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } }),
    );
    expect(grantsOf((await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'mpu' }))).Grants)).toEqual(['alice:FULL_CONTROL']);
    await s3.send(new CreateBucketCommand({ Bucket: 'granted-bucket', GrantRead: `uri="${ALL_USERS}"`, GrantWriteACP: 'id="alice"' }));
    expect(grantsOf((await s3.send(new GetBucketAclCommand({ Bucket: 'granted-bucket' }))).Grants)).toEqual(['alice:WRITE_ACP', `${ALL_USERS}:READ`]);
  });

  test('bucket-owner-read / bucket-owner-full-control name the bucket owner', async () => {
    await alice.send(new PutObjectCommand({ Bucket: B, Key: 'bor', Body: 'x', ACL: 'bucket-owner-read' }));
    expect(grantsOf((await alice.send(new GetObjectAclCommand({ Bucket: B, Key: 'bor' }))).Grants)).toEqual(['alice:FULL_CONTROL', 'root:READ']);
    await alice.send(new PutObjectCommand({ Bucket: B, Key: 'bofc', Body: 'x', ACL: 'bucket-owner-full-control' }));
    expect(grantsOf((await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'bofc' }))).Grants)).toEqual(['alice:FULL_CONTROL', 'root:FULL_CONTROL']);
  });
});

describe('CreateBucket of a bucket you already own', () => {
  test('us-east-1 answers 200 (S3 legacy); other regions 409 BucketAlreadyOwnedByYou', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'mine-twice' }));
    const again = await rawRequest(ts.endpoint, { method: 'PUT', path: '/mine-twice' });
    expect(again.status).toBe(200);
    const other = await s3Err(alice.send(new CreateBucketCommand({ Bucket: 'mine-twice' })));
    expect([other.name, other.$metadata.httpStatusCode]).toEqual(['BucketAlreadyExists', 409]);

    const eu = await startTestServer({ region: 'eu-west-1' });
    try {
      const c = eu.client({ region: 'eu-west-1' });
      await c.send(new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      const e = await s3Err(c.send(new CreateBucketCommand({ Bucket: 'eu-bucket', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })));
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['BucketAlreadyOwnedByYou', 409]);
    } finally {
      await eu.stop();
    }
  });
});

describe('a never-versioned bucket sends no x-amz-version-id', () => {
  test('PUT, Complete, copy, GET, HEAD, tagging', async () => {
    const B = 'never-versioned';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    const seen: Record<string, unknown> = {};
    const put = await rawRequest(ts.endpoint, { method: 'PUT', path: `/${B}/k`, body: 'hello' });
    seen.put = put.headers['x-amz-version-id'];
    seen.get = (await rawRequest(ts.endpoint, { path: `/${B}/k` })).headers['x-amz-version-id'];
    seen.head = (await rawRequest(ts.endpoint, { method: 'HEAD', path: `/${B}/k` })).headers['x-amz-version-id'];
    const copy = await rawRequest(ts.endpoint, { method: 'PUT', path: `/${B}/k2`, headers: { 'x-amz-copy-source': `/${B}/k` } });
    expect(copy.status).toBe(200);
    seen.copy = copy.headers['x-amz-version-id'];
    seen.copySource = copy.headers['x-amz-copy-source-version-id'];
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'm' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'm', UploadId: up.UploadId, PartNumber: 1, Body: 'part' }));
    const pc = await rawRequest(ts.endpoint, {
      method: 'PUT',
      path: `/${B}/m`,
      query: { partNumber: '2', uploadId: up.UploadId! },
      headers: { 'x-amz-copy-source': `/${B}/k` },
    });
    seen.partCopySource = pc.headers['x-amz-copy-source-version-id'];
    const done = await rawRequest(ts.endpoint, {
      method: 'POST',
      path: `/${B}/m`,
      query: { uploadId: up.UploadId! },
      body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${p1.ETag}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(done.status).toBe(200);
    seen.complete = done.headers['x-amz-version-id'];
    const tag = await rawRequest(ts.endpoint, {
      method: 'PUT',
      path: `/${B}/k`,
      query: 'tagging',
      body: '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>',
    });
    seen.tagging = tag.headers['x-amz-version-id'];
    seen.acl = (await rawRequest(ts.endpoint, { path: `/${B}/k`, query: 'acl' })).headers['x-amz-version-id'];
    seen.del = (await rawRequest(ts.endpoint, { method: 'DELETE', path: `/${B}/k2` })).headers['x-amz-version-id'];
    expect(seen).toEqual({});
  });
});

describe('Content-Encoding aws-chunked', () => {
  test('only the aws-chunked token is removed; the rest is stored as sent', async () => {
    const B = 'encoding-bucket';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    for (const [sent, stored] of [
      ['aws-chunked, deflate, gzip', 'deflate, gzip'],
      ['gzip,aws-chunked', 'gzip'],
      ['br ,  aws-chunked , gzip', 'br , gzip'],
    ]) {
      const r = await rawRequest(ts.endpoint, {
        method: 'PUT',
        path: `/${B}/k`,
        chunked: { data: Buffer.from('payload') },
        headers: { 'Content-Encoding': sent, 'x-amz-decoded-content-length': '7' },
      });
      expect(r.status).toBe(200);
      const head = await rawRequest(ts.endpoint, { method: 'HEAD', path: `/${B}/k` });
      expect(head.headers['content-encoding']).toBe(stored);
    }
  });
});

describe('multipart validation order and copy ranges', () => {
  const B = 'mpu-order';
  const big = Buffer.alloc(5 * 1024 * 1024, 7);
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'src', Body: '0123456789' }));
  });

  test('a missing or mismatched part is InvalidPart even when an earlier part is too small', async () => {
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'o' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'o', UploadId: up.UploadId, PartNumber: 1, Body: 'small' }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'o', UploadId: up.UploadId, PartNumber: 2, Body: 'tail' }));
    const complete = (parts: { PartNumber: number; ETag?: string }[]) =>
      s3Err(s3.send(new CompleteMultipartUploadCommand({ Bucket: B, Key: 'o', UploadId: up.UploadId, MultipartUpload: { Parts: parts } })));
    expect(
      (
        await complete([
          { PartNumber: 1, ETag: p1.ETag },
          { PartNumber: 3, ETag: p2.ETag },
        ])
      ).name,
    ).toBe('InvalidPart');
    expect(
      (
        await complete([
          { PartNumber: 1, ETag: p1.ETag },
          { PartNumber: 2, ETag: '"00000000000000000000000000000000"' },
        ])
      ).name,
    ).toBe('InvalidPart');
    expect(
      (
        await complete([
          { PartNumber: 1, ETag: p1.ETag },
          { PartNumber: 2, ETag: p2.ETag },
        ])
      ).name,
    ).toBe('EntityTooSmall');
    const p1big = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'o', UploadId: up.UploadId, PartNumber: 1, Body: big }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: B,
        Key: 'o',
        UploadId: up.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1big.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    );
  });

  test('x-amz-copy-source-range outside the source is InvalidRange (416)', async () => {
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'c' }));
    for (const range of ['bytes=0-10', 'bytes=10-12']) {
      const e = await s3Err(
        s3.send(new UploadPartCopyCommand({ Bucket: B, Key: 'c', UploadId: up.UploadId, PartNumber: 1, CopySource: `${B}/src`, CopySourceRange: range })),
      );
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['InvalidRange', 416]);
    }
    const ok = await s3.send(
      new UploadPartCopyCommand({ Bucket: B, Key: 'c', UploadId: up.UploadId, PartNumber: 1, CopySource: `${B}/src`, CopySourceRange: 'bytes=0-9' }),
    );
    expect(ok.CopyPartResult!.ETag).toBe(`"${createHash('md5').update('0123456789').digest('hex')}"`);
  });
});

describe('Object Lock', () => {
  const B = 'lock-compat';
  beforeAll(() => s3.send(new CreateBucketCommand({ Bucket: B, ObjectLockEnabledForBucket: true })));

  test('an invalid default retention period is InvalidRetentionPeriod', async () => {
    for (const rule of [
      { Mode: 'GOVERNANCE' as const, Days: 0 },
      { Mode: 'COMPLIANCE' as const, Years: 0 },
      { Mode: 'GOVERNANCE' as const, Days: 36501 },
      { Mode: 'GOVERNANCE' as const, Years: 101 },
    ]) {
      const e = await s3Err(
        s3.send(
          new PutObjectLockConfigurationCommand({ Bucket: B, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: rule } } }),
        ),
      );
      expect([e.name, e.$metadata.httpStatusCode]).toEqual(['InvalidRetentionPeriod', 400]);
    }
    const neg = `<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>-1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`;
    const r = await rawRequest(ts.endpoint, {
      method: 'PUT',
      path: `/${B}`,
      query: 'object-lock',
      body: neg,
      headers: { 'Content-MD5': createHash('md5').update(neg).digest('base64') },
    });
    expect([r.status, parseS3Error(r.body).code]).toEqual([400, 'InvalidRetentionPeriod']);
  });

  test('GOVERNANCE → COMPLIANCE or a shorter date needs the bypass header (and permission)', async () => {
    const until = new Date(Date.now() + 86_400_000);
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'g', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until }));
    const v = put.VersionId!;
    const toCompliance = await s3Err(
      s3.send(new PutObjectRetentionCommand({ Bucket: B, Key: 'g', VersionId: v, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } })),
    );
    expect(toCompliance.name).toBe('AccessDenied');
    const shorter = await s3Err(
      s3.send(
        new PutObjectRetentionCommand({
          Bucket: B,
          Key: 'g',
          VersionId: v,
          Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(until.getTime() - 3_600_000) },
        }),
      ),
    );
    expect(shorter.name).toBe('AccessDenied');
    // Extending GOVERNANCE needs nothing.
    const later = new Date(until.getTime() + 3_600_000);
    await s3.send(new PutObjectRetentionCommand({ Bucket: B, Key: 'g', VersionId: v, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: later } }));
    await s3.send(
      new PutObjectRetentionCommand({
        Bucket: B,
        Key: 'g',
        VersionId: v,
        BypassGovernanceRetention: true,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: later },
      }),
    );
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: B, Key: 'g', VersionId: v }))).Retention!.Mode).toBe('COMPLIANCE');
  });
});

describe('bucket policy principals in Ceph RGW forms', () => {
  test('arn:aws:iam:::user/NAME and arn:aws:iam::TENANT:user/NAME name user NAME', async () => {
    const B = 'rgw-policy';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'secret' }));
    const get = (c: S3Client) =>
      c.send(new GetObjectCommand({ Bucket: B, Key: 'k' })).then(
        () => 'ok',
        (e: { name: string }) => e.name,
      );
    expect(await get(alice)).toBe('AccessDenied');
    for (const principal of ['arn:aws:iam:::user/alice', 'arn:aws:iam::acme:user/alice']) {
      const Policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: [principal] }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}/*` }],
      });
      await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy }));
      expect([principal, await get(alice)]).toEqual([principal, 'ok']);
      expect([principal, await get(bob)]).toEqual([principal, 'AccessDenied']);
    }
  });
});

describe('CORS on actual requests', () => {
  test('one * anywhere in AllowedOrigin; the response echoes the origin with Vary: Origin', async () => {
    const B = 'cors-compat';
    await s3.send(new CreateBucketCommand({ Bucket: B, ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'x', ACL: 'public-read' }));
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: B,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*.example.com', 'http://*.suffix', 'https://app.*'], AllowedMethods: ['GET', 'HEAD'] }] },
      }),
    );
    for (const origin of ['https://a.example.com', 'http://www.example.com', 'http://x.y.suffix', 'https://app.test']) {
      for (const method of ['GET', 'HEAD']) {
        const r = await rawRequest(ts.endpoint, { method, path: `/${B}/k`, auth: 'none', headers: { Origin: origin } });
        expect([origin, method, r.status, r.headers['access-control-allow-origin']]).toEqual([origin, method, 200, origin]);
        expect(String(r.headers.vary).split(/,\s*/)).toContain('Origin');
      }
    }
    for (const origin of ['https://example.org', 'https://x.suffix', 'http://app.test']) {
      const r = await rawRequest(ts.endpoint, { path: `/${B}/k`, auth: 'none', headers: { Origin: origin } });
      expect([origin, r.status, r.headers['access-control-allow-origin']]).toEqual([origin, 200, undefined]);
    }
  });
});

describe('POST Object', () => {
  test('a malformed x-amz-date field is 400', async () => {
    const B = 'post-date';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    for (const bad of ['not-a-date', '20250230T000000Z', '2025-01-01T00:00:00Z', '']) {
      const signed = signPostV4(B, [['key', 'k']], [{ key: 'k' }]);
      const fields = signed.fields.map(([k, v]): [string, string] => (k === 'X-Amz-Date' ? [k, bad] : [k, v]));
      const r = await rawRequest(ts.endpoint, {
        method: 'POST',
        path: `/${B}`,
        auth: 'none',
        body: multipartBody(fields, { filename: 'f', content: 'data' }),
        headers: { 'Content-Type': multipartContentType() },
      });
      expect([bad, r.status, parseS3Error(r.body).code]).toEqual([bad, 400, 'InvalidArgument']);
    }
    // Also in a SigV2 form and an anonymous one (into a public-write bucket): nothing is stored.
    await s3.send(new PutBucketAclCommand({ Bucket: B, ACL: 'public-read-write' }));
    const v2 = signPostV2(
      [
        ['key', 'v2'],
        ['x-amz-date', 'garbage'],
      ],
      [{ key: 'v2' }, { 'x-amz-date': 'garbage' }, { bucket: B }],
    );
    for (const fields of [
      v2.fields,
      [
        ['key', 'anon'],
        ['x-amz-date', 'garbage'],
      ] as [string, string][],
    ]) {
      const r = await rawRequest(ts.endpoint, {
        method: 'POST',
        path: `/${B}`,
        auth: 'none',
        body: multipartBody(fields, { filename: 'f', content: 'data' }),
        headers: { 'Content-Type': multipartContentType() },
      });
      expect([r.status, parseS3Error(r.body).code]).toEqual([400, 'InvalidArgument']);
    }
    expect((await s3.send(new ListObjectsV2Command({ Bucket: B }))).KeyCount).toBe(0);
  });
});
