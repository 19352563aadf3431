/**
 * Server-level behaviour: common response headers, the operation table (405 / 501), route
 * resolution, the health endpoint, users provisioning, graceful close, the access log.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { CreateBucketCommand, GetBucketLoggingCommand, ListBucketsCommand, GetBucketAccelerateConfigurationCommand } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server';
import { s3Err } from './helpers/s3Error';
import { rawRequest } from './helpers/rawRequest';
import { OPERATIONS, operationStats, resolveOperation } from '../src/operations';
import { resolveRoute, normalizeDomains, virtualHostBucket } from '../src/http/route';
import { parseServeArgs } from '../src/cli';
import { ERROR_TABLE, statusOf } from '../src/errors';

describe('route.ts', () => {
  const domains = normalizeDomains(['s3.localhost', 'localhost', 'S3.Example.COM:9000']);
  test('domains normalised, longest first', () => {
    expect(domains).toEqual(['s3.example.com', 's3.localhost', 'localhost']);
  });
  test.each([
    ['/', '127.0.0.1:9000', { style: 'path', bucket: undefined, key: undefined }],
    ['/bkt', '127.0.0.1', { style: 'path', bucket: 'bkt', key: undefined }],
    ['/bkt/', 'localhost:9000', { style: 'path', bucket: 'bkt', key: undefined }],
    ['/bkt/a%20b+c', 's3.localhost', { style: 'path', bucket: 'bkt', key: 'a b+c' }],
    ['/bkt/a%252Fb', 'x', { style: 'path', bucket: 'bkt', key: 'a%2Fb' }],
    ['/bkt//double/', 'x', { style: 'path', bucket: 'bkt', key: '/double/' }],
    ['/bkt/x/../y?acl', 'x', { style: 'path', bucket: 'bkt', key: 'x/../y' }],
    ['/', 'bkt.s3.localhost:9000', { style: 'virtual-host', bucket: 'bkt', key: undefined }],
    ['/k%2Fey', 'my.dotted.bucket.s3.localhost', { style: 'virtual-host', bucket: 'my.dotted.bucket', key: 'k/ey' }],
    ['//k', 'BKT.S3.LOCALHOST', { style: 'virtual-host', bucket: 'bkt', key: '/k' }],
    ['/k', 'bkt.s3.example.com:9000', { style: 'virtual-host', bucket: 'bkt', key: 'k' }],
    ['/k', 'bkt.localhost', { style: 'virtual-host', bucket: 'bkt', key: 'k' }],
    ['/x/y', '[::1]:9000', { style: 'path', bucket: 'x', key: 'y' }],
    ['http://bkt.s3.localhost/k?x=1', 'bkt.s3.localhost', { style: 'virtual-host', bucket: 'bkt', key: 'k' }],
  ])('%s with Host %s', (url, host, want) => {
    expect(resolveRoute(url, host, domains)).toMatchObject(want);
  });
  test('malformed percent-encoding → InvalidURI', () => {
    expect(() => resolveRoute('/bkt/%E0%A4%A', 'x', domains)).toThrow(expect.objectContaining({ code: 'InvalidURI' }));
    expect(() => resolveRoute('/bkt/%zz', 'x', domains)).toThrow(expect.objectContaining({ code: 'InvalidURI' }));
  });
  test('virtualHostBucket ignores IPs and bare domains', () => {
    expect(virtualHostBucket('127.0.0.1:80', domains)).toBeUndefined();
    expect(virtualHostBucket('s3.localhost', domains)).toBeUndefined();
    expect(virtualHostBucket(undefined, domains)).toBeUndefined();
  });
});

describe('operations.ts', () => {
  const q = (s: string) => new URLSearchParams(s);
  test.each([
    ['GET', 'service', '', {}, 'ListBuckets'],
    ['GET', 'bucket', '', {}, 'ListObjects'],
    ['GET', 'bucket', 'list-type=2&prefix=a', {}, 'ListObjectsV2'],
    ['GET', 'bucket', 'list-type=1', {}, 'ListObjects'],
    ['GET', 'bucket', 'acl', {}, 'GetBucketAcl'],
    ['GET', 'bucket', 'location', {}, 'GetBucketLocation'],
    ['GET', 'bucket', 'versions', {}, 'ListObjectVersions'],
    ['GET', 'bucket', 'uploads', {}, 'ListMultipartUploads'],
    ['PUT', 'bucket', '', {}, 'CreateBucket'],
    ['PUT', 'bucket', 'versioning', {}, 'PutBucketVersioning'],
    ['DELETE', 'bucket', 'lifecycle', {}, 'DeleteBucketLifecycle'],
    ['POST', 'bucket', 'delete', {}, 'DeleteObjects'],
    ['POST', 'bucket', '', {}, 'PostObject'],
    ['HEAD', 'bucket', '', {}, 'HeadBucket'],
    ['GET', 'object', '', {}, 'GetObject'],
    ['GET', 'object', 'versionId=1', {}, 'GetObject'],
    ['GET', 'object', 'uploadId=u', {}, 'ListParts'],
    ['PUT', 'object', '', {}, 'PutObject'],
    ['PUT', 'object', '', { 'x-amz-copy-source': '/b/k' }, 'CopyObject'],
    ['PUT', 'object', 'partNumber=1&uploadId=u', {}, 'UploadPart'],
    ['PUT', 'object', 'partNumber=1&uploadId=u', { 'x-amz-copy-source': '/b/k' }, 'UploadPartCopy'],
    ['PUT', 'object', 'tagging', {}, 'PutObjectTagging'],
    ['POST', 'object', 'uploads', {}, 'CreateMultipartUpload'],
    ['POST', 'object', 'uploadId=u', {}, 'CompleteMultipartUpload'],
    ['DELETE', 'object', 'uploadId=u', {}, 'AbortMultipartUpload'],
    ['DELETE', 'object', '', {}, 'DeleteObject'],
  ] as const)('%s %s ?%s %j → %s', (method, target, query, headers, name) => {
    expect(resolveOperation(method, target, q(query), headers).name).toBe(name);
  });
  test('unknown method or shape → MethodNotAllowed', () => {
    expect(() => resolveOperation('PATCH', 'object', q(''), {})).toThrow(expect.objectContaining({ code: 'MethodNotAllowed' }));
    expect(() => resolveOperation('POST', 'object', q(''), {})).toThrow(expect.objectContaining({ code: 'MethodNotAllowed' }));
    expect(() => resolveOperation('DELETE', 'service', q(''), {})).toThrow(expect.objectContaining({ code: 'MethodNotAllowed' }));
  });
  test('names are unique; the implemented set is what this server serves', () => {
    const names = OPERATIONS.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    expect(
      OPERATIONS.filter((o) => o.implemented)
        .map((o) => o.name)
        .sort(),
    ).toEqual(
      [
        'CopyObject',
        'CreateBucket',
        'DeleteBucket',
        'DeleteObject',
        'DeleteObjects',
        'GetBucketLocation',
        'GetObject',
        'GetObjectAttributes',
        'HeadBucket',
        'HeadObject',
        'ListBuckets',
        'ListObjects',
        'ListObjectsV2',
        'PutObject',
        // multipart, CORS, requester pays
        'AbortMultipartUpload',
        'CompleteMultipartUpload',
        'CreateMultipartUpload',
        'ListMultipartUploads',
        'ListParts',
        'UploadPart',
        'UploadPartCopy',
        'DeleteBucketCors',
        'GetBucketCors',
        'PutBucketCors',
        'OptionsBucket',
        'OptionsObject',
        'GetBucketRequestPayment',
        'PutBucketRequestPayment',
        'PostObject',
        // access control
        'GetBucketAcl',
        'PutBucketAcl',
        'GetObjectAcl',
        'PutObjectAcl',
        'GetBucketPolicy',
        'PutBucketPolicy',
        'DeleteBucketPolicy',
        'GetBucketPolicyStatus',
        'GetPublicAccessBlock',
        'PutPublicAccessBlock',
        'DeletePublicAccessBlock',
        'GetBucketOwnershipControls',
        'PutBucketOwnershipControls',
        'DeleteBucketOwnershipControls',
        // versioning and tagging
        'GetBucketVersioning',
        'PutBucketVersioning',
        'ListObjectVersions',
        'GetBucketTagging',
        'PutBucketTagging',
        'DeleteBucketTagging',
        'GetObjectTagging',
        'PutObjectTagging',
        'DeleteObjectTagging',
        // Object Lock
        'GetObjectLockConfiguration',
        'PutObjectLockConfiguration',
        'GetObjectRetention',
        'PutObjectRetention',
        'GetObjectLegalHold',
        'PutObjectLegalHold',
        // static website
        'GetBucketWebsite',
        'PutBucketWebsite',
        'DeleteBucketWebsite',
        // lifecycle
        'GetBucketLifecycleConfiguration',
        'PutBucketLifecycleConfiguration',
        'DeleteBucketLifecycle',
        // bucket notifications
        'GetBucketNotificationConfiguration',
        'PutBucketNotificationConfiguration',
        // zone replication (ReplicateObject / ReplicateDelete: Cairn's internal write path between zones)
        'GetBucketReplication',
        'PutBucketReplication',
        'DeleteBucketReplication',
        'ReplicateObject',
        'ReplicateDelete',
      ].sort(),
    );
    const s = operationStats();
    expect(s.implemented + s.notImplemented).toBe(s.total);
  });

  test("README's list of 501 operations is exactly the table's notImplemented rows", async () => {
    const readme = await readFile(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const block = /<!-- 501-list:start -->([\s\S]*?)<!-- 501-list:end -->/.exec(readme);
    expect(block).not.toBeNull();
    const listed = [...block![1].matchAll(/^- `([A-Za-z]+)`$/gm)].map((m) => m[1]).sort();
    const table = [...new Set(OPERATIONS.filter((o) => !o.implemented).map((o) => o.name))].sort();
    expect(listed).toEqual(table);
  });
});

describe('errors.ts', () => {
  test('statuses from the table', () => {
    expect(statusOf('NoSuchKey')).toBe(404);
    expect(statusOf('InvalidRange')).toBe(416);
    expect(statusOf('MissingContentLength')).toBe(411);
    expect(statusOf('NotImplemented')).toBe(501);
    expect(statusOf('PreconditionFailed')).toBe(412);
    expect(statusOf('UnprocessableEntity')).toBe(422);
    for (const [code, spec] of Object.entries(ERROR_TABLE)) expect({ code, ok: spec.message.length > 0 && spec.status >= 300 }).toEqual({ code, ok: true });
  });
});

describe('cli.ts', () => {
  test('defaults and flags', () => {
    const d = parseServeArgs([]);
    expect(d).toMatchObject({ port: 9000, host: '127.0.0.1', region: 'us-east-1', fsync: true, domains: undefined });
    expect(d.data.endsWith('/data')).toBe(true);
    const a = parseServeArgs([
      '--data',
      '/tmp/x',
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--domain',
      'a.test',
      '--domain',
      'b.test',
      '--fsync',
      'false',
      '--region',
      'eu-west-1',
    ]);
    expect(a).toMatchObject({ data: '/tmp/x', port: 0, host: '0.0.0.0', domains: ['a.test', 'b.test'], fsync: false, region: 'eu-west-1' });
    expect(() => parseServeArgs(['--port', 'x'])).toThrow();
    expect(() => parseServeArgs(['--fsync', 'maybe'])).toThrow();
    expect(() => parseServeArgs(['--nope'])).toThrow();
  });
});

describe('over HTTP', () => {
  let ts: TestServer;
  const log: Record<string, unknown>[] = [];
  beforeAll(async () => {
    ts = await startTestServer({ quiet: false, accessLog: (l) => log.push(l) });
    await ts.client().send(new CreateBucketCommand({ Bucket: 'srv' }));
  });
  afterAll(async () => ts?.stop());

  test('every response carries x-amz-request-id (unique), x-amz-id-2, Server and Date', async () => {
    const ids = new Set<string>();
    for (const o of [{ path: '/' }, { path: '/srv' }, { path: '/srv/missing' }, { path: '/nope', method: 'HEAD' }, { path: '/srv', method: 'PATCH' }]) {
      const r = await rawRequest(ts.endpoint, { method: 'GET', ...o });
      expect(r.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
      expect(r.headers['x-amz-id-2']).toMatch(/\S/);
      expect(r.headers.server).toBe('Cairn');
      expect(r.headers.date).toMatch(/GMT$/);
      ids.add(String(r.headers['x-amz-request-id']));
    }
    expect(ids.size).toBe(5);
  });

  test('an error document carries Code, Message, Resource and the request id', async () => {
    const r = await rawRequest(ts.endpoint, { method: 'GET', path: '/srv/no%20such' });
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('application/xml');
    expect(r.body).toContain('<Code>NoSuchKey</Code>');
    expect(r.body).toContain('<Key>no such</Key>');
    expect(r.body).toContain('<Resource>/srv/no%20such</Resource>');
    expect(r.body).toContain(`<RequestId>${r.headers['x-amz-request-id']}</RequestId>`);
  });

  test('unknown method → 405 MethodNotAllowed with Allow', async () => {
    const r = await rawRequest(ts.endpoint, { method: 'PATCH', path: '/srv/k' });
    expect(r.status).toBe(405);
    expect(r.body).toContain('<Code>MethodNotAllowed</Code>');
    expect(r.headers.allow).toContain('GET');
  });

  test('unimplemented operations → 501 NotImplemented through the SDK', async () => {
    const s3 = ts.client();
    const e = await s3Err(s3.send(new GetBucketLoggingCommand({ Bucket: 'srv' })));
    expect(e.name).toBe('NotImplemented');
    expect(e.$metadata.httpStatusCode).toBe(501);
    const e2 = await s3Err(s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket: 'srv' })));
    expect(e2.$metadata.httpStatusCode).toBe(501);
  });

  test('missing Content-Length on PUT (and no chunked transfer coding) → 411 MissingContentLength', async () => {
    const r = await rawRequest(ts.endpoint, {
      method: 'PUT',
      path: '/srv/no-length',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      writer: (req) => {
        req.removeHeader('Content-Length');
        req.useChunkedEncodingByDefault = false;
        req.end();
      },
    });
    expect(r.status).toBe(411);
    expect(r.body).toContain('<Code>MissingContentLength</Code>');
  });

  test('a declared size over 5 GiB → EntityTooLarge before any byte is read', async () => {
    const r = await rawRequest(ts.endpoint, {
      method: 'PUT',
      path: '/srv/huge',
      headers: { 'Content-Length': String(5 * 1024 ** 3 + 1), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', Expect: '100-continue' },
      writer: (req) => {
        req.flushHeaders(); // the body is never sent: the server must answer from the headers alone
      },
    });
    expect(r.status).toBe(400);
    expect(r.body).toContain('<Code>EntityTooLarge</Code>');
  });

  test('GET /-/health (path style only)', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        .get(`${ts.endpoint}/-/health`, (res) => {
          let b = '';
          res.on('data', (d) => (b += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: b }));
        })
        .on('error', reject);
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'ok' });
  });

  test('one structured access-log line per request, without signatures', async () => {
    log.length = 0;
    await rawRequest(ts.endpoint, { method: 'GET', path: '/srv', auth: 'presign', expires: 60 });
    await new Promise((r) => setTimeout(r, 50));
    const line = log.find((l) => l.operation === 'ListObjects');
    expect(line).toMatchObject({ method: 'GET', bucket: 'srv', status: 200, user: 'root', requestId: expect.any(String) });
    expect(String(line!.query)).toContain('X-Amz-Signature=REDACTED');
    expect(JSON.stringify(line)).not.toMatch(/X-Amz-Signature=[0-9a-f]{64}/);
  });
});

describe('startServer options and lifecycle', () => {
  test('usersFile provisions users (idempotently across restarts); data persists', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cairn-users-'));
    const usersFile = join(dataDir, '..', `users-${Date.now()}.json`);
    await writeFile(
      usersFile,
      JSON.stringify([{ id: 'carol', displayName: 'Carol', accessKeyId: 'CAROLKEY000000000001', secretAccessKey: 'carol-secret-0000000000000000000000' }]),
    );
    try {
      for (let run = 0; run < 2; run++) {
        const ts = await startTestServer({ dataDir, usersFile });
        const carol = ts.client({ accessKeyId: 'CAROLKEY000000000001', secretAccessKey: 'carol-secret-0000000000000000000000' });
        if (run === 0) await carol.send(new CreateBucketCommand({ Bucket: 'carols' }));
        const list = await carol.send(new ListBucketsCommand({}));
        expect(list.Buckets?.map((b) => b.Name)).toEqual(['carols']);
        expect(list.Owner).toEqual({ ID: 'carol', DisplayName: 'Carol' });
        await ts.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await rm(usersFile, { force: true });
    }
  });

  test('close() lets an in-flight upload finish, then refuses connections', async () => {
    const ts = await startTestServer();
    await ts.client().send(new CreateBucketCommand({ Bucket: 'closing' }));
    let closed: Promise<void> | undefined;
    const body = Buffer.alloc(200_000, 7);
    const r = await rawRequest(ts.endpoint, {
      method: 'PUT',
      path: '/closing/in-flight',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'Content-Length': String(body.length) },
      writer: async (req) => {
        req.write(body.subarray(0, 1000));
        await new Promise((res) => setTimeout(res, 100));
        closed = ts.server.close();
        await new Promise((res) => setTimeout(res, 100));
        req.end(body.subarray(1000));
      },
    });
    expect(r.status).toBe(200);
    expect(r.headers.connection).toBe('close');
    await closed;
    const after = await rawRequest(ts.endpoint, { method: 'GET', path: '/' });
    expect(after.status).toBe(0);
    await ts.stop(); // idempotent
  });

  test('a users file that is not an array is refused at start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-badusers-'));
    const f = join(dir, 'users.json');
    await writeFile(f, '{"id":"x"}');
    await expect(startTestServer({ dataDir: join(dir, 'data'), usersFile: f })).rejects.toThrow(/array/);
    await rm(dir, { recursive: true, force: true });
  });
});
