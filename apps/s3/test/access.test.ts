/**
 * Authentication and addressing through the SDK: wrong secret, unknown key, presigned GET/PUT
 * (and an expired one), virtual-hosted-style requests (`bucket.s3.localhost`).
 */
import http from 'node:http';
import type { LookupAddress } from 'node:dns';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ROOT_KEY, ROOT_SECRET, type TestServer } from './helpers/server';
import { useTestServer } from './helpers/suiteServer';
import { s3Err } from './helpers/s3Error';
import { NASTY_KEYS } from './helpers/nastyKeys';

let ts: TestServer;
let s3: S3Client;

useTestServer((env) => ({ ts, s3 } = env), { buckets: ['access'] });
beforeAll(async () => {
  await s3.send(new PutObjectCommand({ Bucket: 'access', Key: 'doc.txt', Body: 'presigned content' }));
});

describe('signatures', () => {
  test('a wrong secret → 403 SignatureDoesNotMatch', async () => {
    const bad = ts.client({ secretAccessKey: 'not-the-secret' });
    const e = await s3Err(bad.send(new ListObjectsV2Command({ Bucket: 'access' })));
    expect(e.name).toBe('SignatureDoesNotMatch');
    expect(e.$metadata.httpStatusCode).toBe(403);
    const e2 = await s3Err(bad.send(new PutObjectCommand({ Bucket: 'access', Key: 'forged', Body: 'x' })));
    expect(e2.name).toBe('SignatureDoesNotMatch');
    expect((await s3Err(s3.send(new GetObjectCommand({ Bucket: 'access', Key: 'forged' })))).name).toBe('NoSuchKey');
  });

  test('an unknown access key → 403 InvalidAccessKeyId', async () => {
    const e = await s3Err(ts.client({ accessKeyId: 'AKIDONTEXIST00000000' }).send(new ListBucketsCommand({})));
    expect(e.name).toBe('InvalidAccessKeyId');
    expect(e.$metadata.httpStatusCode).toBe(403);
  });
});

describe('presigned URLs', () => {
  test('presigned GET', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'access', Key: 'doc.txt' }), { expiresIn: 300 });
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('presigned content');
    expect(r.headers.get('x-amz-request-id')).toMatch(/\S/);
  });

  test('presigned GET with response-content-disposition override', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'access', Key: 'doc.txt', ResponseContentDisposition: 'attachment; filename="x.txt"' }), {
      expiresIn: 300,
    });
    const r = await fetch(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="x.txt"');
  });

  test('presigned PUT, then GET', async () => {
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'access', Key: 'uploaded by url.txt' }), { expiresIn: 300 });
    const r = await fetch(url, { method: 'PUT', body: 'sent with a presigned URL' });
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'access', Key: 'uploaded by url.txt' }));
    expect(await got.Body!.transformToString()).toBe('sent with a presigned URL');
  });

  test('an expired presigned URL → 403 AccessDenied', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'access', Key: 'doc.txt' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3600_000),
    });
    const r = await fetch(url);
    expect(r.status).toBe(403);
    const body = await r.text();
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).not.toContain('presigned content');
  });

  test('a tampered presigned URL → 403 SignatureDoesNotMatch', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'access', Key: 'doc.txt' }), { expiresIn: 300 });
    const r = await fetch(url.replace('doc.txt', 'other.txt'));
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('virtual-hosted style (bucket.s3.localhost)', () => {
  /** Resolve every *.localhost name to 127.0.0.1, whatever this machine's resolver does. */
  function localhostLookup(
    hostname: string,
    options: { all?: boolean } | number | undefined,
    cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void {
    if (!/(^|\.)localhost$/i.test(hostname)) {
      const e: NodeJS.ErrnoException = new Error(`unexpected host ${hostname}`);
      e.code = 'ENOTFOUND';
      cb(e, '');
      return;
    }
    if (typeof options === 'object' && options?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  }

  let vh: S3Client;
  let seenHosts: string[];
  beforeAll(() => {
    seenHosts = [];
    const agent = new http.Agent({ keepAlive: true, lookup: localhostLookup } as http.AgentOptions);
    vh = ts.client({
      endpoint: `http://s3.localhost:${ts.port}`,
      forcePathStyle: false,
      requestHandler: { httpAgent: agent }, // NodeHttpHandler options (no direct @smithy import)
    });
    vh.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { headers: Record<string, string>; hostname: string };
        seenHosts.push(req.hostname);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordHost' },
    );
  });

  test('bucket operations and nasty keys through bucket.s3.localhost', async () => {
    await vh.send(new CreateBucketCommand({ Bucket: 'vhost-bucket' }));
    expect(seenHosts).toContain('vhost-bucket.s3.localhost');
    expect((await vh.send(new HeadBucketCommand({ Bucket: 'vhost-bucket' }))).$metadata.httpStatusCode).toBe(200);
    for (const { key } of NASTY_KEYS) {
      await vh.send(new PutObjectCommand({ Bucket: 'vhost-bucket', Key: key, Body: `vh:${key}` }));
      const got = await vh.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: key }));
      expect(await got.Body!.transformToString()).toBe(`vh:${key}`);
      // the same object through a path-style client
      const viaPath = await s3.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: key }));
      expect(await viaPath.Body!.transformToString()).toBe(`vh:${key}`);
    }
    const listed = await vh.send(new ListObjectsV2Command({ Bucket: 'vhost-bucket' }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(NASTY_KEYS.map((k) => k.key).sort());
    await vh.send(new DeleteObjectCommand({ Bucket: 'vhost-bucket', Key: 'a b' }));
    expect((await s3Err(s3.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'a b' })))).name).toBe('NoSuchKey');
  });

  test('ListBuckets on the bare domain (s3.localhost) is path style', async () => {
    const r = await vh.send(new ListBucketsCommand({}));
    expect(r.Buckets?.map((b) => b.Name)).toContain('vhost-bucket');
  });

  test('presigned virtual-host URL', async () => {
    const url = await getSignedUrl(vh, new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'a+b' }), { expiresIn: 300 });
    expect(new URL(url).hostname).toBe('vhost-bucket.s3.localhost');
    const u = new URL(url);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: ts.port, path: u.pathname + u.search, headers: { host: u.host } }, (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve({ status: r.statusCode!, body }));
        })
        .on('error', reject);
    });
    expect(res).toEqual({ status: 200, body: 'vh:a+b' });
  });
});

test('root credentials from the harness are the ones in use', () => {
  expect(ts.accessKeyId).toBe(ROOT_KEY);
  expect(ts.secretAccessKey).toBe(ROOT_SECRET);
});
