/**
 * `GET /-/health/live` and `GET /-/health/ready` on the S3 port, without credentials: ready is
 * 200 only while the store answers, every chunk directory takes a new file and the server is
 * not draining. And RFC 9112 §3.2: two Host headers are refused with 400, never served.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { rawRequest, parseS3Error, prepareRawRequest } from './helpers/rawRequest';
import { startTestServer, type TestServer } from './helpers/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' }, () => sock.write(bytes));
    let got = '';
    sock.on('data', (d) => (got += d.toString('latin1')));
    const timer = setTimeout(() => sock.destroy(), 5000);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    sock.on('error', () => undefined);
  });
}

describe('health endpoints', () => {
  let ts: TestServer;
  let cold: string;
  beforeAll(async () => {
    cold = await mkdtemp(path.join(tmpdir(), 'cairn-health-cold-'));
    ts = await startTestServer({ placements: { cold } });
  });
  afterAll(async () => {
    await ts.stop();
    await rm(cold, { recursive: true, force: true });
  });

  test('live: 200 JSON with the escaped-error count, no credentials needed', async () => {
    const r = await rawRequest(ts.endpoint, { method: 'GET', path: '/-/health/live', auth: 'none' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(r.body)).toEqual({ status: 'ok', escapedErrors: expect.any(Number) });
  });

  test('ready: 200 with every check ok, including each placement chunk directory', async () => {
    const r = await rawRequest(ts.endpoint, { method: 'GET', path: '/-/health/ready', auth: 'none' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks).sort()).toEqual(
      ['chunks:' + path.join(cold, 'chunks', 'tmp'), 'chunks:' + path.join(ts.dataDir, 'chunks', 'tmp'), 'draining', 'store'].sort(),
    );
    // nothing left behind by the write probes
    expect(fs.readdirSync(path.join(ts.dataDir, 'chunks', 'tmp')).filter((f) => f.startsWith('.health-'))).toEqual([]);
  });

  test('ready: 503 naming the chunk directory that takes no new file, 200 again once it does', async () => {
    const tmp = path.join(cold, 'chunks', 'tmp');
    fs.rmSync(tmp, { recursive: true });
    fs.writeFileSync(tmp, 'not a directory');
    try {
      const r = await rawRequest(ts.endpoint, { method: 'GET', path: '/-/health/ready', auth: 'none' });
      expect(r.status).toBe(503);
      const body = JSON.parse(r.body);
      expect(body.status).toBe('unavailable');
      expect(body.checks[`chunks:${tmp}`]).toBe('ENOTDIR');
      expect(body.checks.store).toBe('ok');
    } finally {
      fs.rmSync(tmp);
      fs.mkdirSync(tmp);
    }
    expect((await rawRequest(ts.endpoint, { method: 'GET', path: '/-/health/ready', auth: 'none' })).status).toBe(200);
  });

  test('the paths belong to no bucket: a bucket can never be named "-"', async () => {
    const r = await rawRequest(ts.endpoint, { method: 'PUT', path: '/-' });
    expect(r.status).toBe(400);
    expect(parseS3Error(r.body).code).toBe('InvalidBucketName');
  });
});

describe('health while shutting down', () => {
  test('a request already on its way during the drain gets ready = 503 (draining)', async () => {
    const ts = await startTestServer();
    // Half a request (headers not finished) is an active connection: close() waits for it.
    const port = ts.port;
    const half = 'GET /-/health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\n';
    const sock = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((r) => sock.on('connect', () => r()));
    sock.write(half);
    let got = '';
    sock.on('data', (d) => (got += d));
    const answered = new Promise<void>((r) => sock.on('close', () => r()));
    await sleep(100);
    const closing = ts.server.close();
    expect(ts.server.draining).toBe(true);
    sock.write('\r\n');
    await answered;
    await closing;
    expect(got).toMatch(/^HTTP\/1\.1 503 /);
    const body = JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4));
    expect(body.checks.draining).toBe('shutting down');
    await rm(ts.dataDir, { recursive: true, force: true });
  });
});

test('ready: 503 once the metadata store is closed', async () => {
  const ts = await startTestServer();
  try {
    await ts.server.engine.close();
    const r = await rawRequest(ts.endpoint, { method: 'GET', path: '/-/health/ready', auth: 'none' });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).checks.store).toMatch(/closed/);
  } finally {
    await ts.stop();
  }
});

describe('two Host headers (RFC 9112 §3.2)', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
    expect((await rawRequest(ts.endpoint, { method: 'PUT', path: '/hosts' })).status).toBe(200);
    expect((await rawRequest(ts.endpoint, { method: 'PUT', path: '/hosts/k', body: 'secret' })).status).toBe(200);
  });
  afterAll(() => ts.stop());

  test.each([
    ['the same value twice', (h: string) => [h, h]],
    ['two different values', (h: string) => [h, 'hosts.s3.localhost']],
  ])('%s → 400 InvalidArgument XML, connection closed, not served', async (_t, hosts) => {
    const prep = prepareRawRequest(ts.endpoint, { method: 'GET', path: '/hosts/k' });
    let head = `GET ${prep.fullPath} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(prep.headers)) if (k !== 'host') head += `${k}: ${v}\r\n`;
    for (const h of hosts(prep.headers.host)) head += `Host: ${h}\r\n`;
    const got = await rawExchange(ts.port, head + '\r\n');
    expect(got).toMatch(/^HTTP\/1\.1 400 /);
    expect(got).toMatch(/\r\nconnection: close\r\n/i);
    expect(got).toMatch(/\r\nx-amz-request-id: /i);
    const xml = got.slice(got.indexOf('\r\n\r\n') + 4);
    expect(parseS3Error(xml)).toMatchObject({ code: 'InvalidArgument' });
    expect(xml).toContain('<ArgumentName>Host</ArgumentName>');
    expect(got).not.toContain('secret');
  });

  test('one Host header is served', async () => {
    const r = await rawRequest(ts.endpoint, { method: 'GET', path: '/hosts/k' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('secret');
  });
});
