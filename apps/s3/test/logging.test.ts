/**
 * Structured logs (pino): one JSON line per S3 request with the documented fields, the admin
 * port's requests too, --log-level and --log-format pretty; and never a secret, a signature or a
 * presigned query string in any line, whatever the request carried.
 */
import { Writable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { adminToken } from '@cairn/admin';
import { rawRequest } from './helpers/rawRequest';
import { startTestServer, ROOT_KEY, ROOT_SECRET, type TestServer } from './helpers/server';
import { formatPretty } from '../src/observability/logger';
import { parseServeArgs } from '../src/cli';

function collector(): { stream: Writable; text: () => string; lines: () => Record<string, any>[] } {
  let buf = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  });
  return {
    stream,
    text: () => buf,
    lines: () =>
      buf
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}
const settle = () => new Promise((r) => setTimeout(r, 100));

describe('JSON request logs', () => {
  let t: TestServer;
  const out = collector();
  const USER_SECRET = 'logtest-user-secret-0000000000000000000';
  beforeAll(async () => {
    t = await startTestServer({
      quiet: false,
      adminPort: 0,
      logDestination: out.stream,
      users: [{ id: 'logan', accessKeyId: 'LOGANKEY000000000001', secretAccessKey: USER_SECRET }],
    });
    await t.client().send(new CreateBucketCommand({ Bucket: 'logs' }));
  });
  afterAll(() => t.stop());

  it('one line per request with time, request id, remote, user, operation, bucket, key, status, error, bytes, duration, user agent', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: 'logs', Key: 'dir/file.txt', Body: 'hello world' }));
    await expect(s3.send(new GetObjectCommand({ Bucket: 'logs', Key: 'nope' }))).rejects.toThrow();
    await settle();
    const lines = out.lines();
    for (const l of lines) {
      expect(l).toMatchObject({ level: expect.any(String), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), msg: expect.any(String) });
    }
    const put = lines.find((l) => l.msg === 'request' && l.operation === 'PutObject');
    expect(put).toMatchObject({
      level: 'info',
      requestId: expect.stringMatching(/^[0-9A-F]{16}$/),
      remote: '127.0.0.1',
      user: 'root',
      bucket: 'logs',
      key: 'dir/file.txt',
      status: 200,
      bytesIn: expect.any(Number),
      ms: expect.any(Number),
      ttfbMs: expect.any(Number),
      userAgent: expect.stringContaining('aws-sdk-js'),
    });
    const miss = lines.find((l) => l.msg === 'request' && l.operation === 'GetObject' && l.key === 'nope');
    expect(miss).toMatchObject({ status: 404, error: 'NoSuchKey' });
  });

  it('no secrets, signatures or presigned query strings in any line (S3 and admin port)', async () => {
    const s3 = t.client();
    await s3.send(new PutObjectCommand({ Bucket: 'logs', Key: 'shared.txt', Body: 'x' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'logs', Key: 'shared.txt' }), { expiresIn: 600 });
    expect((await fetch(url)).status).toBe(200);
    const q = new URL(url).searchParams;
    // SigV2 presigned and header-signed requests, an anonymous one
    await rawRequest(t.endpoint, { path: '/logs/shared.txt', auth: 'sigv2' });
    await rawRequest(t.endpoint, { path: '/logs/shared.txt', auth: 'none' });
    // a user's S3 request, a console sign-in (secret in the body), a wrong one, an admin API call
    await rawRequest(t.endpoint, { path: '/logs', auth: 'sigv4', accessKeyId: 'LOGANKEY000000000001', secretAccessKey: USER_SECRET });
    const admin = t.server.adminEndpoint!;
    const signIn = await fetch(`${admin}/console/api/session`, {
      method: 'POST',
      headers: { 'x-cairn-console': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ accessKeyId: 'LOGANKEY000000000001', secretAccessKey: USER_SECRET }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
    await fetch(`${admin}/console/api/session`, {
      method: 'POST',
      headers: { 'x-cairn-console': '1' },
      body: JSON.stringify({ accessKeyId: ROOT_KEY, secretAccessKey: 'wrong-' + ROOT_SECRET }),
    });
    await fetch(`${admin}/console/s3/logs?list-type=2`, { headers: { 'x-cairn-console': '1', cookie } });
    await fetch(`${admin}/admin/users`, { headers: { Authorization: `Bearer ${adminToken(ROOT_KEY, ROOT_SECRET)}` } });
    await settle();
    const text = out.text();
    expect(text).toContain('"path":"/logs/shared.txt"');
    expect(text).toContain('"msg":"admin request"');
    for (const secret of [
      ROOT_SECRET,
      USER_SECRET,
      q.get('X-Amz-Signature')!,
      q.get('X-Amz-Credential')!,
      adminToken(ROOT_KEY, ROOT_SECRET).split(':')[1],
      cookie.split('=')[1],
    ]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
    }
    expect(text).not.toMatch(/Signature=[0-9a-f]{40,}/i);
    expect(text).not.toMatch(/AWS4-HMAC-SHA256 Credential/);
    expect(text).not.toMatch(/X-Amz-(Credential|Signature|Security-Token)=(?!REDACTED)/i);
    expect(text).toContain('X-Amz-Signature=REDACTED'); // the presigned GET was logged, redacted
  });
});

describe('log level and pretty format', () => {
  it('--log-level warn drops info lines; 5xx and errors still pass', async () => {
    const out = collector();
    const t = await startTestServer({ quiet: false, logDestination: out.stream, logLevel: 'warn' });
    try {
      await t.client().send(new CreateBucketCommand({ Bucket: 'quiet-logs' }));
      await settle();
      expect(out.text()).toBe('');
    } finally {
      await t.stop();
    }
  });

  it('--log-format pretty prints one short line per request', async () => {
    const out = collector();
    const t = await startTestServer({ quiet: false, logDestination: out.stream, logFormat: 'pretty' });
    try {
      await t.client().send(new CreateBucketCommand({ Bucket: 'pretty-logs' }));
      await settle();
      expect(out.text()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}request PUT \/pretty-logs\/ 200 CreateBucket \d+\.\dms .*user=root/m);
    } finally {
      await t.stop();
    }
    expect(formatPretty('{"level":"error","time":"2026-01-02T03:04:05.678Z","msg":"boom","code":7}', true)).toBe(
      '03:04:05.678 \x1b[31mERROR\x1b[0m boom code=7',
    );
    expect(formatPretty('not json', false)).toBe('not json');
  });

  it('parses --log-level, --log-format and --metrics-token', () => {
    expect(parseServeArgs([])).toMatchObject({ logLevel: 'info', logFormat: 'json', metricsToken: undefined });
    expect(parseServeArgs(['--log-level', 'debug', '--log-format', 'pretty', '--metrics-token', 'T', '--metrics-max-buckets', '5'])).toMatchObject({
      logLevel: 'debug',
      logFormat: 'pretty',
      metricsToken: 'T',
      metricsMaxBuckets: 5,
    });
    expect(() => parseServeArgs(['--log-level', 'loud'])).toThrow(/log-level/);
    expect(() => parseServeArgs(['--log-format', 'xml'])).toThrow(/log-format/);
    expect(() => parseServeArgs(['--metrics-token', ''])).toThrow(/metrics-token/);
  });
});
