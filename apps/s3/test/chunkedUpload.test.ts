/**
 * Beyond S3: `Transfer-Encoding: chunked` uploads without Content-Length (curl -T -, streaming
 * clients) are accepted on PutObject and UploadPart, as Ceph RGW does, and stored exactly like a
 * sized body: unsigned payloads, presigned URLs, signed aws-chunked streams without
 * x-amz-decoded-content-length, unsigned aws-chunked with a trailing checksum. No length and no
 * chunked coding stays 411 (badInput.test.ts / server.test.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startTestServer, type TestServer } from './helpers/server';
import { rawRequest, type RawResponse } from './helpers/rawRequest';
import { which } from './clients/clientEnv';
import { crc32 } from 'node:zlib';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

let ts: TestServer;
let s3: S3Client;
beforeAll(async () => {
  ts = await startTestServer();
  s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: 'te-chunked' }));
});
afterAll(() => ts.stop());

async function getBytes(key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket: 'te-chunked', Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

/** Writes `data` in uneven pieces with pauses, so it really goes out as several HTTP chunks. */
function chunkedWriter(data: Buffer) {
  return async (req: import('node:http').ClientRequest): Promise<void> => {
    req.removeHeader('content-length');
    req.setHeader('transfer-encoding', 'chunked');
    for (let off = 0, i = 0; off < data.length; i++) {
      const n = Math.min(data.length - off, [1, 70_000, 300_001, 1 * MiB + 13][i % 4]);
      req.write(data.subarray(off, off + n));
      off += n;
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    req.end();
  };
}

function expectStored(r: RawResponse, data: Buffer): void {
  expect({ status: r.status, body: r.status === 200 ? '' : r.body }).toEqual({ status: 200, body: '' });
  expect(r.headers.etag).toBe(`"${md5(data)}"`);
}

test('PutObject, UNSIGNED-PAYLOAD, chunked transfer coding, no Content-Length: stored like a sized body', async () => {
  const data = randomBytes(3 * MiB + 12345);
  const r = await rawRequest(ts.endpoint, { method: 'PUT', path: '/te-chunked/unsigned', payloadHash: 'UNSIGNED-PAYLOAD', writer: chunkedWriter(data) });
  expectStored(r, data);
  expect((await getBytes('unsigned')).equals(data)).toBe(true);
  const head = await rawRequest(ts.endpoint, { method: 'HEAD', path: '/te-chunked/unsigned' });
  expect(head.headers['content-length']).toBe(String(data.length));
});

test('a tiny and an empty chunked body', async () => {
  const r1 = await rawRequest(ts.endpoint, {
    method: 'PUT',
    path: '/te-chunked/tiny',
    payloadHash: 'UNSIGNED-PAYLOAD',
    writer: chunkedWriter(Buffer.from('hi')),
  });
  expectStored(r1, Buffer.from('hi'));
  expect((await getBytes('tiny')).toString()).toBe('hi');
  const r0 = await rawRequest(ts.endpoint, {
    method: 'PUT',
    path: '/te-chunked/empty',
    payloadHash: 'UNSIGNED-PAYLOAD',
    writer: chunkedWriter(Buffer.alloc(0)),
  });
  expectStored(r0, Buffer.alloc(0));
  expect((await getBytes('empty')).length).toBe(0);
});

test('signed streaming (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) without x-amz-decoded-content-length, chunked transfer coding', async () => {
  const data = randomBytes(200_000);
  const r = await rawRequest(ts.endpoint, {
    method: 'PUT',
    path: '/te-chunked/signed-stream',
    chunked: { data, chunkSize: 64 * 1024 },
    unsignedHeaders: ['x-amz-decoded-content-length'],
    afterSign: (h) => {
      delete h['x-amz-decoded-content-length'];
      delete h['content-length'];
      h['transfer-encoding'] = 'chunked';
    },
  });
  expectStored(r, data);
  expect((await getBytes('signed-stream')).equals(data)).toBe(true);

  // Every chunk signature is still verified: a tampered one is refused and stores nothing.
  const bad = await rawRequest(ts.endpoint, {
    method: 'PUT',
    path: '/te-chunked/signed-stream-bad',
    chunked: { data, chunkSize: 64 * 1024, tamper: 'last-signature' },
    unsignedHeaders: ['x-amz-decoded-content-length'],
    afterSign: (h) => {
      delete h['x-amz-decoded-content-length'];
      delete h['content-length'];
      h['transfer-encoding'] = 'chunked';
    },
  });
  expect(bad.status).toBe(403);
  expect(bad.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  expect((await rawRequest(ts.endpoint, { method: 'HEAD', path: '/te-chunked/signed-stream-bad' })).status).toBe(404);
});

test('unsigned aws-chunked with a trailing checksum (STREAMING-UNSIGNED-PAYLOAD-TRAILER), chunked transfer coding', async () => {
  const data = randomBytes(100_000);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data) >>> 0);
  const half = 60_000;
  const wire = Buffer.concat([
    Buffer.from(`${half.toString(16)}\r\n`),
    data.subarray(0, half),
    Buffer.from(`\r\n${(data.length - half).toString(16)}\r\n`),
    data.subarray(half),
    Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${crc.toString('base64')}\r\n\r\n`),
  ]);
  const r = await rawRequest(ts.endpoint, {
    method: 'PUT',
    path: '/te-chunked/trailer',
    payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    headers: { 'content-encoding': 'aws-chunked', 'x-amz-trailer': 'x-amz-checksum-crc32' },
    writer: chunkedWriter(wire),
  });
  expectStored(r, data);
  expect(r.headers['x-amz-checksum-crc32']).toBe(crc.toString('base64'));
  expect((await getBytes('trailer')).equals(data)).toBe(true);
});

test('a presigned PUT URL, chunked transfer coding', async () => {
  const data = randomBytes(1 * MiB + 1);
  const url = new URL(await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'te-chunked', Key: 'presigned' }), { expiresIn: 300 }));
  const r = await rawRequest(ts.endpoint, { method: 'PUT', path: url.pathname, query: url.search.slice(1), auth: 'none', writer: chunkedWriter(data) });
  expectStored(r, data);
  expect((await getBytes('presigned')).equals(data)).toBe(true);
});

test('UploadPart with chunked transfer coding; the upload completes', async () => {
  const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'te-chunked', Key: 'mp' }));
  const p1 = randomBytes(5 * MiB);
  const p2 = randomBytes(12345);
  const etags: string[] = [];
  for (const [n, data] of [
    [1, p1],
    [2, p2],
  ] as const) {
    const r = await rawRequest(ts.endpoint, {
      method: 'PUT',
      path: '/te-chunked/mp',
      query: { partNumber: String(n), uploadId: mpu.UploadId! },
      payloadHash: 'UNSIGNED-PAYLOAD',
      writer: chunkedWriter(data),
    });
    expectStored(r, data);
    etags.push(r.headers.etag as string);
  }
  await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: 'te-chunked',
      Key: 'mp',
      UploadId: mpu.UploadId,
      MultipartUpload: { Parts: etags.map((ETag, i) => ({ PartNumber: i + 1, ETag })) },
    }),
  );
  expect((await getBytes('mp')).equals(Buffer.concat([p1, p2]))).toBe(true);
});

const CURL = which('curl');
(CURL ? test : test.skip)('curl -T - (stdin, chunked) to a presigned URL', async () => {
  const data = randomBytes(2 * MiB + 3);
  const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'te-chunked', Key: 'curl' }), { expiresIn: 300 });
  const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(CURL!, ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-T', '-', url], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(data);
  });
  expect(out).toMatchObject({ code: 0, stdout: '200' });
  expect((await getBytes('curl')).equals(data)).toBe(true);
});
