import { authenticate } from './authenticate';
import { canonicalResourceCandidates, signV2, stringToSignV2 } from './sigv2';
import type { AuthOptions, RawRequest } from './types';
import { rejectsWith } from '../../test/helpers/rejectsWith';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function options(now: string): AuthOptions {
  return {
    region: 'us-east-1',
    now: () => new Date(now),
    lookup: async (id) =>
      id === AKID ? { secretAccessKey: SECRET, userId: 'u1' } : id === 'SUSP' ? { secretAccessKey: SECRET, userId: 'u2', suspended: true } : undefined,
  };
}

function req(method: string, target: string, headers: Record<string, string>, virtualHostBucket?: string): RawRequest {
  const q = target.indexOf('?');
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  return {
    method,
    rawPath: q < 0 ? target : target.slice(0, q),
    rawQuery: q < 0 ? '' : target.slice(q + 1),
    headers: lower,
    virtualHostBucket,
  };
}

// Examples from "Signing and authenticating REST requests (AWS signature version 2)".
describe('AWS documentation examples (SigV2)', () => {
  test('Object GET, virtual-hosted', async () => {
    const r = req(
      'GET',
      '/photos/puppy.jpg',
      {
        Host: 'awsexamplebucket1.us-west-1.s3.amazonaws.com',
        Date: 'Tue, 27 Mar 2007 19:36:42 +0000',
        Authorization: 'AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=',
      },
      'awsexamplebucket1',
    );
    await expect(authenticate(r, options('2007-03-27T19:40:00Z'))).resolves.toMatchObject({
      userId: 'u1',
      accessKeyId: AKID,
      signatureVersion: 'AWS',
      authType: 'REST-HEADER',
    });
  });

  test('Object GET (older johnsmith revision of the docs)', async () => {
    const r = req('GET', '/johnsmith/photos/puppy.jpg', {
      Host: 's3.amazonaws.com',
      Date: 'Tue, 27 Mar 2007 19:36:42 +0000',
      Authorization: 'AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=',
    });
    await expect(authenticate(r, options('2007-03-27T19:36:42Z'))).resolves.toMatchObject({ userId: 'u1' });
  });

  test('Object PUT with Content-Type', async () => {
    const r = req(
      'PUT',
      '/photos/puppy.jpg',
      {
        'Content-Type': 'image/jpeg',
        'Content-Length': '94328',
        Host: 'johnsmith.s3.amazonaws.com',
        Date: 'Tue, 27 Mar 2007 21:15:45 +0000',
        Authorization: 'AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg=',
      },
      'johnsmith',
    );
    const res = await authenticate(r, options('2007-03-27T21:15:45Z'));
    expect(res.decodedContentLength).toBe(94328);
  });

  test('List with trailing slash and ?acl sub-resource', async () => {
    const list = req(
      'GET',
      '/?prefix=photos&max-keys=50&marker=puppy',
      {
        'User-Agent': 'Mozilla/5.0',
        Host: 'johnsmith.s3.amazonaws.com',
        Date: 'Tue, 27 Mar 2007 19:42:41 +0000',
        Authorization: 'AWS AKIAIOSFODNN7EXAMPLE:htDYFYduRNen8P9ZfE/s9SuKy0U=',
      },
      'johnsmith',
    );
    await expect(authenticate(list, options('2007-03-27T19:42:41Z'))).resolves.toMatchObject({ userId: 'u1' });
    const acl = req(
      'GET',
      '/?acl',
      {
        Host: 'johnsmith.s3.amazonaws.com',
        Date: 'Tue, 27 Mar 2007 19:44:46 +0000',
        Authorization: 'AWS AKIAIOSFODNN7EXAMPLE:c2WLPFtWHVgbEmeEG93a4cG37dM=',
      },
      'johnsmith',
    );
    await expect(authenticate(acl, options('2007-03-27T19:44:46Z'))).resolves.toMatchObject({ userId: 'u1' });
  });

  test('DELETE with x-amz-date (Date line empty)', async () => {
    const r = req('DELETE', '/johnsmith/photos/puppy.jpg', {
      'User-Agent': 'dotnet',
      Host: 's3.amazonaws.com',
      Date: 'Tue, 27 Mar 2007 21:20:27 +0000',
      'x-amz-date': 'Tue, 27 Mar 2007 21:20:26 +0000',
      Authorization: 'AWS AKIAIOSFODNN7EXAMPLE:R4dJ53KECjStyBO5iTBJZ4XVOaI=',
    });
    await expect(authenticate(r, options('2007-03-27T21:20:26Z'))).resolves.toMatchObject({ userId: 'u1' });
  });

  test('Upload with x-amz-meta headers, repeated header, CNAME bucket', async () => {
    const r = req(
      'PUT',
      '/db-backup.dat.gz',
      {
        'User-Agent': 'curl/7.15.5',
        Host: 'static.johnsmith.net:8080',
        Date: 'Tue, 27 Mar 2007 21:06:08 +0000',
        'x-amz-acl': 'public-read',
        'content-type': 'application/x-download',
        'Content-MD5': '4gJE4saaMU4BqNR0kLY+lw==',
        // node joins repeated headers with ', '
        'X-Amz-Meta-ReviewedBy': 'joe@johnsmith.net, jane@johnsmith.net',
        'X-Amz-Meta-FileChecksum': '0x02661779',
        'X-Amz-Meta-ChecksumAlgorithm': 'crc32',
        'Content-Disposition': 'attachment; filename=database.dat',
        'Content-Encoding': 'gzip',
        'Content-Length': '5913339',
        Authorization: 'AWS AKIAIOSFODNN7EXAMPLE:ilyl83RwaSoYIEdixDQcA4OnAnc=',
      },
      'static.johnsmith.net',
    );
    await expect(authenticate(r, options('2007-03-27T21:06:08Z'))).resolves.toMatchObject({ userId: 'u1' });
  });

  test('List all my buckets, and unicode keys as sent', async () => {
    const r = req('GET', '/', {
      Host: 's3.amazonaws.com',
      Date: 'Wed, 28 Mar 2007 01:29:59 +0000',
      Authorization: 'AWS AKIAIOSFODNN7EXAMPLE:qGdzdERIC03wnaRNKh6OqZehG9s=',
    });
    await expect(authenticate(r, options('2007-03-28T01:29:59Z'))).resolves.toMatchObject({ userId: 'u1' });
    const u = req('GET', '/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re', {
      Host: 's3.amazonaws.com',
      Date: 'Wed, 28 Mar 2007 01:49:49 +0000',
      Authorization: 'AWS AKIAIOSFODNN7EXAMPLE:DNEZGsoieTZ92F3bUfSPQcbGmlM=',
    });
    await expect(authenticate(u, options('2007-03-28T01:49:49Z'))).resolves.toMatchObject({ userId: 'u1' });
  });

  test('query string authentication', async () => {
    const r = req(
      'GET',
      '/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D',
      { Host: 'johnsmith.s3.amazonaws.com' },
      'johnsmith',
    );
    await expect(authenticate(r, options('2007-03-29T03:40:00Z'))).resolves.toMatchObject({
      userId: 'u1',
      signatureVersion: 'AWS',
      authType: 'REST-QUERY-STRING',
    });
    const e = await rejectsWith(authenticate(r, options('2007-03-29T03:40:21Z')), 'AccessDenied');
    expect(e.message).toBe('Request has expired');
    expect(e.fields).toMatchObject({ Expires: '2007-03-29T03:40:20.000Z', ServerTime: '2007-03-29T03:40:21.000Z' });
  });
});

describe('SigV2 details and errors', () => {
  test('sub-resources are sorted and included; other parameters are not', () => {
    const r = req('GET', '/k?versionId=3&uploadId=x%2By&acl&prefix=z&response-content-type=text%2Fplain', {}, 'b');
    expect(canonicalResourceCandidates(r)[0]).toBe('/b/k?acl&response-content-type=text/plain&uploadId=x+y&versionId=3');
    const sts = stringToSignV2(req('PUT', '/b/k', { 'content-md5': 'MD5', 'content-type': 'T', 'x-amz-b': ' two  words ', 'x-amz-a': '1' }), 'DATE', '/b/k');
    expect(sts).toBe('PUT\nMD5\nT\nDATE\nx-amz-a:1\nx-amz-b:two words\n/b/k');
  });

  test('newer sub-resources are accepted whether or not the client signed them', async () => {
    const date = 'Tue, 27 Mar 2007 19:36:42 +0000';
    for (const resource of ['/b/?object-lock', '/b/']) {
      const sig = signV2(SECRET, `GET\n\n\n${date}\n${resource}`);
      const r = req('GET', '/b/?object-lock', { Date: date, Authorization: `AWS ${AKID}:${sig}` });
      await expect(authenticate(r, options('2007-03-27T19:36:42Z'))).resolves.toMatchObject({ userId: 'u1' });
    }
  });

  test('errors', async () => {
    const date = 'Tue, 27 Mar 2007 19:36:42 +0000';
    const good = signV2(SECRET, `GET\n\n\n${date}\n/b/k`);
    const now = '2007-03-27T19:36:42Z';
    await rejectsWith(authenticate(req('GET', '/b/k', { Date: date, Authorization: `AWS NOPE:${good}` }), options(now)), 'InvalidAccessKeyId');
    const mismatch = await rejectsWith(
      authenticate(req('GET', '/b/other', { Date: date, Authorization: `AWS ${AKID}:${good}` }), options(now)),
      'SignatureDoesNotMatch',
    );
    expect(mismatch.fields).toMatchObject({ AWSAccessKeyId: AKID, SignatureProvided: good, StringToSign: `GET\n\n\n${date}\n/b/other` });
    await rejectsWith(
      authenticate(req('GET', '/b/k', { Date: date, Authorization: `AWS ${AKID}:${good}` }), options('2007-03-27T19:52:00Z')),
      'RequestTimeTooSkewed',
    );
    await rejectsWith(authenticate(req('GET', '/b/k', { Authorization: `AWS ${AKID}:${good}` }), options(now)), 'AccessDenied');
    await rejectsWith(authenticate(req('GET', '/b/k', { Date: date, Authorization: `AWS ${AKID}` }), options(now)), 'InvalidArgument');
    await rejectsWith(authenticate(req('GET', '/b/k', { Date: date, Authorization: `AWS SUSP:${good}` }), options(now)), 'UserSuspended');
    await rejectsWith(authenticate(req('GET', '/b/k?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=x', {}), options(now)), 'AccessDenied');
  });
});
