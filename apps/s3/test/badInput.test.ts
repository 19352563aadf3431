/**
 * Bad input against the real server (in-process, port 0, temp data dir), sent with the raw
 * signed-request helper so nothing is "fixed up" by an SDK on the way.
 *
 * Each case asserts S3's real status and error code, an S3 XML error body
 * (<Code>, <Message>, <RequestId> = the x-amz-request-id header), and that no partial or
 * misplaced object becomes visible. The last test lists the bucket (over HTTP and through the
 * engine) and requires exactly the objects that were acknowledged.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type http from 'node:http';
import { parseString } from 'xml2js';
import { startTestServer, type TestServer } from './helpers/server';
import { rawRequest, parseS3Error, sha256Hex, amzDate, type RawRequestOptions, type RawResponse } from './helpers/rawRequest';
import { NASTY_KEYS, KEY_1024, KEY_1025, encodeKey } from './helpers/nastyKeys';
import { OPERATIONS, type OperationDef } from '../src/operations';

const BUCKET = 'bad-input';

let ts: TestServer;
/** Every key this file successfully wrote to BUCKET (and did not delete): what a listing must show. */
const expected = new Map<string, string>();

const send = (o: RawRequestOptions): Promise<RawResponse> => rawRequest(ts.endpoint, o);
const md5b64 = (b: Buffer | string) => createHash('md5').update(b).digest('base64');
const objPath = (key: string, bucket = BUCKET) => `/${bucket}/${encodeKey(key)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Headers every S3 response carries (issue 2: x-amz-request-id, x-amz-id-2, Server). */
function expectCommonHeaders(r: RawResponse): void {
  expect(r.error).toBeUndefined();
  expect(r.headers['x-amz-request-id']).toEqual(expect.stringMatching(/\S/));
  expect(r.headers['x-amz-id-2']).toEqual(expect.stringMatching(/\S/));
  expect(r.headers['server']).toEqual(expect.stringMatching(/\S/));
}

/**
 * The body is well-formed XML 1.0 (xml2js / sax strict, like the parsers SDKs use: botocore's
 * expat rejects e.g. `&#x0;`, and then the client cannot even read the error code).
 */
function expectWellFormedXml(body: string): void {
  let problem: string | undefined = 'parser did not finish';
  parseString(body, (err: Error | null) => {
    problem = err ? err.message.split('\n')[0] : undefined;
  });
  expect({ wellFormed: problem === undefined, problem, body: body.slice(0, 600) }).toEqual({ wellFormed: true, problem: undefined, body: body.slice(0, 600) });
}

/** An S3 error response: status, well-formed XML body with Code/Message/RequestId (= header). */
function expectS3Error(r: RawResponse, status: number, code?: string): void {
  const ctx = `${r.status} ${r.body.slice(0, 400)}`;
  expect({ status: r.status, ctx }).toEqual({ status, ctx });
  expectCommonHeaders(r);
  expect(r.headers['content-type']).toMatch(/xml/);
  expect(r.body).toMatch(/^(<\?xml[^>]*\?>\s*)?<Error>/);
  expectWellFormedXml(r.body);
  const e = parseS3Error(r.body);
  if (code !== undefined) expect(e.code).toBe(code);
  else expect(e.code).toMatch(/^[A-Za-z0-9]+$/);
  expect(e.message).toEqual(expect.stringMatching(/\S/));
  expect(e.requestId).toBe(r.headers['x-amz-request-id']);
}

function expectOk(r: RawResponse, status = 200): void {
  const ctx = `${r.status} ${r.body.slice(0, 400)}`;
  expect({ status: r.status, ctx }).toEqual({ status, ctx });
  expectCommonHeaders(r);
}

async function put(key: string, body: string | Buffer, extra: Partial<RawRequestOptions> = {}): Promise<RawResponse> {
  const r = await send({ method: 'PUT', path: objPath(key), body, ...extra });
  if (r.status === 200) expected.set(key, Buffer.from(body).toString('utf8'));
  return r;
}

async function getBody(path: string): Promise<RawResponse> {
  return send({ method: 'GET', path });
}

/** HEAD says the key does not exist: 404, no body. */
async function expectAbsent(key: string, bucket = BUCKET): Promise<void> {
  const r = await send({ method: 'HEAD', path: objPath(key, bucket) });
  expect({ key, status: r.status }).toEqual({ key, status: 404 });
  expect(r.rawBody.length).toBe(0);
}

/** The server still answers ordinary requests correctly. */
async function expectHealthy(): Promise<void> {
  expectOk(await send({ method: 'GET', path: '/' }));
  const probe = `health/${randomBytes(4).toString('hex')}`;
  expectOk(await send({ method: 'PUT', path: objPath(probe), body: 'alive' }));
  const g = await getBody(objPath(probe));
  expectOk(g);
  expect(g.body).toBe('alive');
  expectOk(await send({ method: 'DELETE', path: objPath(probe) }), 204);
}

/** Decode a key from a ListObjects response with encoding-type=url (S3 encodes space as '+'). */
const urlDecodeKey = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

async function listAllKeys(bucket = BUCKET): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const query: Record<string, string> = { 'list-type': '2', 'encoding-type': 'url', 'max-keys': '1000' };
    if (token) query['continuation-token'] = token;
    const r = await send({ method: 'GET', path: `/${bucket}`, query });
    expectOk(r);
    expectWellFormedXml(r.body);
    const re = /<Contents>[\s\S]*?<Key>([\s\S]*?)<\/Key>[\s\S]*?<\/Contents>/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(r.body))) keys.push(urlDecodeKey(m[1]));
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(r.body);
    if (!truncated) return keys;
    token = /<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(r.body)?.[1];
    token = token
      ?.replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'");
  }
  throw new Error('listing did not terminate');
}

beforeAll(async () => {
  ts = await startTestServer();
  expectOk(await send({ method: 'PUT', path: `/${BUCKET}` }));
});

afterAll(async () => {
  await ts?.stop();
});

// ------------------------------------------------------------------------------------ malformed XML
describe('malformed XML', () => {
  test.each([
    ['truncated document', '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1'],
    ['not XML at all', 'this is { not xml'],
    ['mismatched tags', '<CreateBucketConfiguration><LocationConstraint>us-east-1</Location></CreateBucketConfiguration>'],
  ])('CreateBucket with a %s body → 400 MalformedXML, no bucket', async (_label, xml) => {
    const bucket = `malformed-${randomBytes(4).toString('hex')}`;
    const r = await send({ method: 'PUT', path: `/${bucket}`, body: xml, headers: { 'content-type': 'application/xml' } });
    expectS3Error(r, 400, 'MalformedXML');
    const h = await send({ method: 'HEAD', path: `/${bucket}` });
    expect(h.status).toBe(404);
    expect(h.rawBody.length).toBe(0);
  });

  test.each([
    ['truncated document', '<Delete><Object><Key>victim</Key></Object>'],
    ['not XML at all', 'garbage <<<>>>'],
    ['Object without Key', '<Delete><Object></Object></Delete>'],
    ['no Object at all', '<Delete></Delete>'],
  ])('DeleteObjects with a %s body → 400 MalformedXML, nothing deleted', async (_label, xml) => {
    expectOk(await put('victim', 'still here'));
    const r = await send({
      method: 'POST',
      path: `/${BUCKET}`,
      query: 'delete',
      body: xml,
      headers: { 'content-md5': md5b64(xml), 'content-type': 'application/xml' },
    });
    expectS3Error(r, 400, 'MalformedXML');
    const g = await getBody(objPath('victim'));
    expectOk(g);
    expect(g.body).toBe('still here');
  });
});

describe('DeleteObjects integrity and limits', () => {
  const doc = (keys: string[]) => `<Delete>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;

  test('without Content-MD5 or a checksum header → 400 InvalidRequest, nothing deleted', async () => {
    expectOk(await put('victim', 'still here'));
    const xml = doc(['victim']);
    const r = await send({ method: 'POST', path: `/${BUCKET}`, query: 'delete', body: xml });
    expectS3Error(r, 400, 'InvalidRequest');
    expect((await getBody(objPath('victim'))).body).toBe('still here');
  });

  test('with a wrong Content-MD5 → 400 BadDigest, nothing deleted', async () => {
    const xml = doc(['victim']);
    const r = await send({ method: 'POST', path: `/${BUCKET}`, query: 'delete', body: xml, headers: { 'content-md5': md5b64('other') } });
    expectS3Error(r, 400, 'BadDigest');
    expect((await getBody(objPath('victim'))).body).toBe('still here');
  });

  test('more than 1000 keys → 400 MalformedXML, nothing deleted', async () => {
    const xml = doc(['victim', ...Array.from({ length: 1000 }, (_, i) => `k${i}`)]);
    const r = await send({ method: 'POST', path: `/${BUCKET}`, query: 'delete', body: xml, headers: { 'content-md5': md5b64(xml) } });
    expectS3Error(r, 400, 'MalformedXML');
    expect((await getBody(objPath('victim'))).body).toBe('still here');
  });
});

// ------------------------------------------------------------------------------------ Content-MD5
describe('Content-MD5', () => {
  test('wrong Content-MD5 → 400 BadDigest, object not created', async () => {
    const r = await put('md5/new', 'the real body', { headers: { 'content-md5': md5b64('another body') } });
    expectS3Error(r, 400, 'BadDigest');
    await expectAbsent('md5/new');
  });

  test('wrong Content-MD5 over an existing object → 400 BadDigest, old content unchanged', async () => {
    expectOk(await put('md5/existing', 'old content', { headers: { 'content-md5': md5b64('old content') } }));
    const r = await send({ method: 'PUT', path: objPath('md5/existing'), body: 'new content', headers: { 'content-md5': md5b64('nope') } });
    expectS3Error(r, 400, 'BadDigest');
    const g = await getBody(objPath('md5/existing'));
    expectOk(g);
    expect(g.body).toBe('old content');
    expect(g.headers.etag).toBe(`"${createHash('md5').update('old content').digest('hex')}"`);
  });

  test.each([
    ['not base64', 'not-base64!!'],
    ['base64 of 15 bytes', Buffer.alloc(15, 1).toString('base64')],
    ['hex instead of base64', createHash('md5').update('x').digest('hex')],
  ])('malformed Content-MD5 (%s) → 400 InvalidDigest, object not created', async (_label, value) => {
    const key = `md5/invalid-${randomBytes(3).toString('hex')}`;
    const r = await put(key, 'x', { headers: { 'content-md5': value } });
    expectS3Error(r, 400, 'InvalidDigest');
    await expectAbsent(key);
  });

  test('malformed Content-MD5 over an existing object leaves it unchanged', async () => {
    expectOk(await put('md5/existing2', 'keep me'));
    const r = await send({ method: 'PUT', path: objPath('md5/existing2'), body: 'replace', headers: { 'content-md5': 'zz' } });
    expectS3Error(r, 400, 'InvalidDigest');
    expect((await getBody(objPath('md5/existing2'))).body).toBe('keep me');
  });
});

// ------------------------------------------------------------------------------------ short bodies
describe('short bodies (Content-Length larger than what is sent)', () => {
  /** Writes `sent` bytes of a declared `declared`, then either destroys or half-closes the socket. */
  const shortWriter =
    (sent: number, how: 'destroy' | 'half-close') =>
    async (req: http.ClientRequest): Promise<void> => {
      const socket = await new Promise<import('node:net').Socket>((res) => req.once('socket', res));
      if (socket.connecting) await new Promise((res) => socket.once('connect', res));
      req.write(randomBytes(sent));
      await sleep(150);
      if (how === 'destroy') req.destroy();
      else socket.end();
    };

  test('client disconnects mid-body → no object, server healthy', async () => {
    const key = 'short/destroyed';
    const r = await send({
      method: 'PUT',
      path: objPath(key),
      headers: { 'content-length': String(1024 * 1024) },
      writer: shortWriter(100 * 1024, 'destroy'),
    });
    expect(r.status).toBe(0); // we hung up; no response can arrive
    await sleep(100);
    await expectAbsent(key);
    await expectHealthy();
  });

  test('client disconnects mid-body over an existing object → old content unchanged', async () => {
    const key = 'short/existing';
    expectOk(await put(key, 'original'));
    const r = await send({
      method: 'PUT',
      path: objPath(key),
      headers: { 'content-length': '5000' },
      writer: shortWriter(1000, 'destroy'),
    });
    expect(r.status).toBe(0);
    await sleep(100);
    const g = await getBody(objPath(key));
    expectOk(g);
    expect(g.body).toBe('original');
  });

  test('client half-closes mid-body → 400 IncompleteBody (or no response), no object', async () => {
    const key = 'short/half-closed';
    const r = await send({
      method: 'PUT',
      path: objPath(key),
      headers: { 'content-length': '20000' },
      writer: shortWriter(5000, 'half-close'),
      timeoutMs: 10000,
    });
    // The server may answer before closing (S3 answers 400 IncompleteBody) or just drop the
    // connection; if it answers, it must be S3's error.
    if (r.status !== 0) expectS3Error(r, 400, 'IncompleteBody');
    await sleep(100);
    await expectAbsent(key);
    await expectHealthy();
  });
});

describe('request framing', () => {
  test('PUT with neither Content-Length nor Transfer-Encoding: chunked → 411 MissingContentLength, no object', async () => {
    // (Transfer-Encoding: chunked without a length is accepted: chunkedUpload.test.ts.)
    const key = 'framing/no-length';
    const r = await send({
      method: 'PUT',
      path: objPath(key),
      headers: { 'content-length': '0' },
      afterSign: (h) => {
        delete h['content-length'];
      },
      writer: (req) => {
        req.removeHeader('content-length');
        req.removeHeader('transfer-encoding');
        req.useChunkedEncodingByDefault = false;
        req.end();
      },
    });
    expectS3Error(r, 411, 'MissingContentLength');
    await expectAbsent(key);
  });

  test('malformed percent-encoding in the path → 400 InvalidURI', async () => {
    expectS3Error(await send({ method: 'GET', path: `/${BUCKET}/bad%zzescape` }), 400, 'InvalidURI');
    expectS3Error(await send({ method: 'PUT', path: `/${BUCKET}/bad%E0%A4`, body: 'x' }), 400);
    expect((await listAllKeys()).filter((k) => k.startsWith('bad'))).toEqual([]);
  });

  test('a method S3 does not have (PATCH) → 405 MethodNotAllowed', async () => {
    expectS3Error(await send({ method: 'PATCH', path: objPath('private/patch'), body: 'x' }), 405, 'MethodNotAllowed');
    await expectAbsent('private/patch');
  });

  test('aws-chunked body shorter than x-amz-decoded-content-length → 400, no object', async () => {
    const key = 'framing/decoded-length';
    const data = randomBytes(20 * 1024);
    const r = await send({
      method: 'PUT',
      path: objPath(key),
      chunked: { data, chunkSize: 8 * 1024 },
      headers: { 'x-amz-decoded-content-length': String(data.length + 10) },
    });
    expectS3Error(r, 400);
    await expectAbsent(key);
  });
});

// ------------------------------------------------------------------------------------ oversized headers
describe('oversized headers', () => {
  test('one 64 KiB header → 400 RequestHeaderSectionTooLarge, server healthy', async () => {
    const r = await send({
      method: 'GET',
      path: `/${BUCKET}`,
      headers: { 'x-huge': 'h'.repeat(64 * 1024) },
      unsignedHeaders: ['x-huge'],
    });
    // S3 answers 400 RequestHeaderSectionTooLarge (its header limit is 8 KiB).
    expectS3Error(r, 400, 'RequestHeaderSectionTooLarge');
    await expectHealthy();
  });

  test('a 64 KiB user-metadata PUT → 400 (header section or metadata too large), no object', async () => {
    const key = 'meta/huge';
    const r = await send({
      method: 'PUT',
      path: objPath(key),
      body: 'x',
      headers: { 'x-amz-meta-big': 'm'.repeat(64 * 1024) },
    });
    expectS3Error(r, 400);
    expect(['RequestHeaderSectionTooLarge', 'MetadataTooLarge']).toContain(parseS3Error(r.body).code);
    await expectAbsent(key);
    await expectHealthy();
  });

  test('user metadata over 2 KiB (but a small header block) → 400 MetadataTooLarge, no object', async () => {
    const key = 'meta/too-large';
    const r = await put(key, 'x', { headers: { 'x-amz-meta-big': 'm'.repeat(3 * 1024) } });
    expectS3Error(r, 400, 'MetadataTooLarge');
    await expectAbsent(key);
  });
});

// ------------------------------------------------------------------------------------ keys
describe('object keys', () => {
  test('1024-byte key is accepted and round-trips', async () => {
    expectOk(await put(KEY_1024, 'max'));
    expect((await getBody(objPath(KEY_1024))).body).toBe('max');
  });

  test('key longer than 1024 bytes → 400 KeyTooLongError, no object', async () => {
    const r = await send({ method: 'PUT', path: objPath(KEY_1025), body: 'x' });
    expectS3Error(r, 400, 'KeyTooLongError');
    expect((await listAllKeys()).filter((k) => k.startsWith('long/') && k.length > 1024)).toEqual([]);
  });

  test('key of 1025 bytes because of multi-byte characters → 400 KeyTooLongError', async () => {
    const key = 'é'.repeat(512) + 'x'; // 1025 bytes, 513 characters
    const r = await send({ method: 'PUT', path: objPath(key), body: 'x' });
    expectS3Error(r, 400, 'KeyTooLongError');
  });

  test('NUL in key (%00) → 400 with an S3 XML error, no object', async () => {
    const r = await send({ method: 'PUT', path: `/${BUCKET}/nul%00byte`, body: 'x' });
    expectS3Error(r, 400);
    const keys = await listAllKeys();
    expect(keys.filter((k) => k.includes('\0') || k.startsWith('nul'))).toEqual([]);
  });

  test.each([
    ['/a/../b', 'a/../b'],
    ['/./x', './x'],
    ['/x/./y', 'x/./y'],
    ['/..', '..'],
    ['/../up', '../up'],
    ['/%2E%2E/encoded-dots', '../encoded-dots'],
    ['/dots/..%2F..%2Fslashes', 'dots/../../slashes'],
    ['//leading', '/leading'],
    ['/mid//double', 'mid//double'],
  ])('unnormalised path %s lands as key %j (no path resolution)', async (rawSuffix, key) => {
    const body = `dot:${key}`;
    const r = await send({ method: 'PUT', path: `/${BUCKET}${rawSuffix}`, body });
    expectOk(r);
    expected.set(key, body);
    const g = await getBody(`/${BUCKET}${rawSuffix}`);
    expectOk(g);
    expect(g.body).toBe(body);
    // ... and it is found under exactly that key, through a normal AWS-encoded path
    const g2 = await getBody(objPath(key));
    expectOk(g2);
    expect(g2.body).toBe(body);
    expect(await listAllKeys()).toContain(key);
  });

  test('"a/../b" did not land as "b"', async () => {
    const r = await send({ method: 'GET', path: objPath('b') });
    expectS3Error(r, 404, 'NoSuchKey');
  });

  test('a key that looks like a filesystem escape never touches the filesystem', async () => {
    const marker = `cairn-escape-${randomBytes(6).toString('hex')}`;
    const rawSuffix = `/${'../'.repeat(12)}${tmpdir().replace(/^\//, '')}/${marker}`;
    const r = await send({ method: 'PUT', path: `/${BUCKET}${rawSuffix}`, body: 'escape?' });
    if (r.status === 200) expected.set(rawSuffix.slice(1), 'escape?');
    else expectS3Error(r, 400);
    expect(existsSync(join(tmpdir(), marker))).toBe(false);
    expect(existsSync(join(ts.dataDir, marker))).toBe(false);
  });

  test.each(NASTY_KEYS.map((k) => [k.name, k.key] as [string, string]))('nasty key (%s) round-trips byte for byte', async (_name, key) => {
    const body = `nasty:${key}`;
    expectOk(await put(key, body));
    const g = await getBody(objPath(key));
    expectOk(g);
    expect(g.body).toBe(body);
    const h = await send({ method: 'HEAD', path: objPath(key) });
    expectOk(h);
    expect(h.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });
});

// ------------------------------------------------------------------------------------ bucket names
describe('bucket names', () => {
  test.each([
    'AB',
    'a',
    'ab',
    'a..b',
    '192.168.1.1',
    '-abc',
    'abc-',
    '.abc',
    'abc.',
    'a'.repeat(64),
    'has_underscore',
    'UpperCase',
    'a.-b',
    'xn--abc',
    'abc-s3alias',
  ])('CreateBucket %j → 400 InvalidBucketName, nothing created', async (name) => {
    const r = await send({ method: 'PUT', path: `/${name}` });
    expectS3Error(r, 400, 'InvalidBucketName');
    const list = await send({ method: 'GET', path: '/' });
    expectOk(list);
    expect(list.body).not.toContain(`<Name>${name}</Name>`);
  });

  test('a 63-character name and a dotted name are valid', async () => {
    for (const name of ['b'.repeat(63), 'dotted.bucket.name']) {
      expectOk(await send({ method: 'PUT', path: `/${name}` }));
      expectOk(await send({ method: 'DELETE', path: `/${name}` }), 204);
    }
  });
});

// ------------------------------------------------------------------------------------ authentication
describe('authentication', () => {
  beforeAll(async () => {
    expectOk(await put('private/object', 'secret bytes'));
  });

  test('request dated 20 minutes ago → 403 RequestTimeTooSkewed', async () => {
    const r = await send({ method: 'GET', path: objPath('private/object'), date: new Date(Date.now() - 20 * 60_000) });
    expectS3Error(r, 403, 'RequestTimeTooSkewed');
  });

  test('request dated 20 minutes ahead → 403 RequestTimeTooSkewed', async () => {
    const r = await send({ method: 'GET', path: objPath('private/object'), date: new Date(Date.now() + 20 * 60_000) });
    expectS3Error(r, 403, 'RequestTimeTooSkewed');
  });

  test('a PUT dated 20 minutes ago is refused and writes nothing', async () => {
    const r = await send({ method: 'PUT', path: objPath('auth/skewed-put'), body: 'x', date: new Date(Date.now() - 20 * 60_000) });
    expectS3Error(r, 403, 'RequestTimeTooSkewed');
    await expectAbsent('auth/skewed-put');
  });

  test('request dated 10 minutes ago is within S3’s 15-minute window', async () => {
    expectOk(await send({ method: 'GET', path: objPath('private/object'), date: new Date(Date.now() - 10 * 60_000) }));
  });

  test('wrong secret → 403 SignatureDoesNotMatch', async () => {
    const r = await send({ method: 'GET', path: objPath('private/object'), signingSecret: 'definitely-not-the-secret' });
    expectS3Error(r, 403, 'SignatureDoesNotMatch');
  });

  test('PUT signed with a wrong secret → 403 SignatureDoesNotMatch, nothing written', async () => {
    const r = await send({ method: 'PUT', path: objPath('auth/wrong-secret'), body: 'x', signingSecret: 'wrong' });
    expectS3Error(r, 403, 'SignatureDoesNotMatch');
    await expectAbsent('auth/wrong-secret');
  });

  test('header changed after signing → 403 SignatureDoesNotMatch', async () => {
    const r = await send({
      method: 'GET',
      path: objPath('private/object'),
      headers: { range: 'bytes=0-1' },
      afterSign: (h) => {
        h.range = 'bytes=0-5';
      },
    });
    expectS3Error(r, 403, 'SignatureDoesNotMatch');
  });

  test('x-amz-date changed after signing → 403 SignatureDoesNotMatch', async () => {
    // The date is part of the string to sign: a replayed signature with a fresh date must fail.
    const r = await send({
      method: 'GET',
      path: objPath('private/object'),
      afterSign: (h) => {
        h['x-amz-date'] = amzDate(new Date(Date.now() - 1000));
      },
    });
    expectS3Error(r, 403, 'SignatureDoesNotMatch');
  });

  test('SigV2 (old clients): a correct signature works, a wrong one → 403 SignatureDoesNotMatch', async () => {
    const good = await send({ method: 'GET', path: objPath('private/object'), auth: 'sigv2' });
    expectOk(good);
    expect(good.body).toBe('secret bytes');
    const put = await send({ method: 'PUT', path: objPath('auth/sigv2-put'), body: 'v2 body', auth: 'sigv2', headers: { 'content-type': 'text/plain' } });
    expectOk(put);
    expected.set('auth/sigv2-put', 'v2 body');
    expectS3Error(await send({ method: 'GET', path: objPath('private/object'), auth: 'sigv2', signingSecret: 'wrong' }), 403, 'SignatureDoesNotMatch');
    const badPut = await send({ method: 'PUT', path: objPath('auth/sigv2-bad'), body: 'x', auth: 'sigv2', signingSecret: 'wrong' });
    expectS3Error(badPut, 403, 'SignatureDoesNotMatch');
    await expectAbsent('auth/sigv2-bad');
  });

  test('SigV2 with a Date 20 minutes old → 403 RequestTimeTooSkewed', async () => {
    const r = await send({ method: 'GET', path: objPath('private/object'), auth: 'sigv2', date: new Date(Date.now() - 20 * 60_000) });
    expectS3Error(r, 403, 'RequestTimeTooSkewed');
  });

  test('unknown access key → 403 InvalidAccessKeyId', async () => {
    const r = await send({ method: 'GET', path: objPath('private/object'), accessKeyId: 'AKIDOESNOTEXIST00000', secretAccessKey: 'whatever' });
    expectS3Error(r, 403, 'InvalidAccessKeyId');
  });

  test('credential scope with the wrong region → 400 AuthorizationHeaderMalformed', async () => {
    const r = await send({ method: 'GET', path: objPath('private/object'), region: 'eu-west-1' });
    expectS3Error(r, 400, 'AuthorizationHeaderMalformed');
  });

  test('garbage Authorization header → 400 AuthorizationHeaderMalformed', async () => {
    const r = await send({
      method: 'GET',
      path: objPath('private/object'),
      auth: 'none',
      headers: { authorization: 'AWS4-HMAC-SHA256 this-is-not-a-valid-header', 'x-amz-date': amzDate(new Date()), 'x-amz-content-sha256': sha256Hex('') },
    });
    expect(r.status).toBe(400);
    expectS3Error(r, 400);
    expect(['AuthorizationHeaderMalformed', 'InvalidArgument']).toContain(parseS3Error(r.body).code);
  });

  test('anonymous GET of a private object → 403 AccessDenied', async () => {
    const r = await send({ method: 'GET', path: objPath('private/object'), auth: 'none' });
    expectS3Error(r, 403, 'AccessDenied');
    expect(r.body).not.toContain('secret bytes');
  });

  test('anonymous HEAD of a private object → 403, empty body', async () => {
    const r = await send({ method: 'HEAD', path: objPath('private/object'), auth: 'none' });
    expect(r.status).toBe(403);
    expectCommonHeaders(r);
    expect(r.rawBody.length).toBe(0);
  });

  test('anonymous list of a private bucket → 403 AccessDenied', async () => {
    const r = await send({ method: 'GET', path: `/${BUCKET}`, auth: 'none' });
    expectS3Error(r, 403, 'AccessDenied');
  });

  test('anonymous PUT into a private bucket → 403 AccessDenied, nothing written', async () => {
    const r = await send({ method: 'PUT', path: objPath('auth/anonymous-put'), body: 'x', auth: 'none' });
    expectS3Error(r, 403, 'AccessDenied');
    await expectAbsent('auth/anonymous-put');
  });

  test('presigned GET works; expired presigned GET → 403 AccessDenied', async () => {
    const ok = await send({ method: 'GET', path: objPath('private/object'), auth: 'presign', expires: 300 });
    expectOk(ok);
    expect(ok.body).toBe('secret bytes');
    const expired = await send({
      method: 'GET',
      path: objPath('private/object'),
      auth: 'presign',
      expires: 60,
      date: new Date(Date.now() - 2 * 3600_000),
    });
    expectS3Error(expired, 403, 'AccessDenied');
  });

  test('presigned URL with a wrong signature → 403 SignatureDoesNotMatch', async () => {
    const r = await send({ method: 'GET', path: objPath('private/object'), auth: 'presign', signingSecret: 'wrong' });
    expectS3Error(r, 403, 'SignatureDoesNotMatch');
  });
});

// ------------------------------------------------------------------------------------ HEAD errors
describe('HEAD errors', () => {
  test('HEAD of a missing key → 404, empty body, request id', async () => {
    const r = await send({ method: 'HEAD', path: objPath('no/such/key') });
    expect(r.status).toBe(404);
    expectCommonHeaders(r);
    expect(r.rawBody.length).toBe(0);
  });

  test('HEAD of a missing bucket → 404, empty body', async () => {
    const r = await send({ method: 'HEAD', path: '/no-such-bucket-here' });
    expect(r.status).toBe(404);
    expectCommonHeaders(r);
    expect(r.rawBody.length).toBe(0);
  });

  test('GET of a missing key → 404 NoSuchKey with XML', async () => {
    expectS3Error(await send({ method: 'GET', path: objPath('no/such/key') }), 404, 'NoSuchKey');
  });

  test('GET in a missing bucket → 404 NoSuchBucket with XML', async () => {
    expectS3Error(await send({ method: 'GET', path: '/no-such-bucket-here/k' }), 404, 'NoSuchBucket');
  });
});

// ------------------------------------------------------------------------------------ payload integrity
describe('payload integrity', () => {
  const data = randomBytes(40 * 1024 + 123);

  test('a correct aws-chunked signed upload works (control)', async () => {
    const key = 'chunked/good';
    const r = await send({ method: 'PUT', path: objPath(key), chunked: { data, chunkSize: 16 * 1024 } });
    expectOk(r);
    expected.set(key, data.toString('utf8'));
    const g = await getBody(objPath(key));
    expectOk(g);
    expect(g.rawBody.equals(data)).toBe(true);
  });

  test.each([
    ['first chunk signature', 'first-signature'],
    ['final chunk signature', 'last-signature'],
    ['chunk data', 'data'],
  ] as const)('aws-chunked body with a bad %s → 403 SignatureDoesNotMatch, no object', async (_label, tamper) => {
    const key = `chunked/bad-${tamper}`;
    const r = await send({ method: 'PUT', path: objPath(key), chunked: { data, chunkSize: 16 * 1024, tamper } });
    expectS3Error(r, 403, 'SignatureDoesNotMatch');
    await expectAbsent(key);
  });

  test('bad aws-chunked body over an existing object → old content unchanged', async () => {
    const key = 'chunked/existing';
    expectOk(await put(key, 'before'));
    const r = await send({ method: 'PUT', path: objPath(key), chunked: { data, chunkSize: 16 * 1024, tamper: 'last-signature' } });
    expectS3Error(r, 403, 'SignatureDoesNotMatch');
    expect((await getBody(objPath(key))).body).toBe('before');
  });

  test('x-amz-content-sha256 that does not match the body → 400 XAmzContentSHA256Mismatch, no object', async () => {
    const key = 'sha/mismatch';
    const r = await send({ method: 'PUT', path: objPath(key), body: 'actual body', payloadHash: sha256Hex('claimed body') });
    expectS3Error(r, 400, 'XAmzContentSHA256Mismatch');
    await expectAbsent(key);
  });

  test('x-amz-content-sha256 mismatch over an existing object → old content unchanged', async () => {
    const key = 'sha/existing';
    expectOk(await put(key, 'first'));
    const r = await send({ method: 'PUT', path: objPath(key), body: 'second', payloadHash: sha256Hex('third') });
    expectS3Error(r, 400, 'XAmzContentSHA256Mismatch');
    expect((await getBody(objPath(key))).body).toBe('first');
  });

  test('x-amz-content-sha256 that is not a hash → 400 (InvalidArgument), no object', async () => {
    const key = 'sha/garbage';
    const r = await send({ method: 'PUT', path: objPath(key), body: 'x', payloadHash: 'not-a-sha256' });
    expectS3Error(r, 400);
    await expectAbsent(key);
  });

  test('UNSIGNED-PAYLOAD upload works (control)', async () => {
    const key = 'sha/unsigned';
    expectOk(await put(key, 'unsigned body', { payloadHash: 'UNSIGNED-PAYLOAD' }));
    expect((await getBody(objPath(key))).body).toBe('unsigned body');
  });
});

// ------------------------------------------------------------------------------------ not implemented
describe('unimplemented operations (every entry the operation table marks notImplemented)', () => {
  const DUMMY: Record<string, string> = { uploadId: 'no-such-upload', partNumber: '1', id: 'cfg', versionId: 'null' };
  const notImplementedOps = OPERATIONS.filter((o) => !o.implemented);

  test('the table lists GetObjectTorrent (?torrent) and it answers 501 NotImplemented', async () => {
    const torrent = OPERATIONS.find((o) => o.name === 'GetObjectTorrent');
    expect(torrent).toBeDefined();
    if (torrent && !torrent.implemented) {
      expectS3Error(await send({ method: 'GET', path: objPath('private/object'), query: 'torrent' }), 501, 'NotImplemented');
    }
  });

  test.each(notImplementedOps.map((o) => [o.name, o] as [string, OperationDef]))('%s → 501 NotImplemented', async (_name, op) => {
    const query: Array<[string, string]> = [
      ...op.selector.queryKeys.map((k) => [k, DUMMY[k] ?? ''] as [string, string]),
      ...Object.entries(op.selector.queryValues),
    ];
    const headers: Record<string, string> = {};
    for (const h of op.selector.headers) headers[h] = h === 'x-amz-copy-source' ? `/${BUCKET}/private/object` : 'x';
    const path = op.target === 'service' ? '/' : op.target === 'bucket' ? `/${BUCKET}` : objPath('private/object');
    const r = await send({ method: op.method, path, query, headers });
    if (op.method === 'HEAD') {
      expect(r.status).toBe(501);
      expectCommonHeaders(r);
      expect(r.rawBody.length).toBe(0);
    } else {
      expectS3Error(r, 501, 'NotImplemented');
    }
  });
});

// ------------------------------------------------------------------------------------ aftermath
describe('after all of the above', () => {
  test('the server is healthy', async () => {
    await expectHealthy();
  });

  test('the bucket lists exactly the acknowledged objects (HTTP and engine), each with its bytes', async () => {
    const want = [...expected.keys()].sort();
    const viaHttp = (await listAllKeys()).sort();
    expect(viaHttp).toEqual(want);

    const viaEngine: string[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await ts.server.engine.listObjects(BUCKET, { maxKeys: 1000, startAfter });
      viaEngine.push(...page.objects.map((o) => o.key));
      if (!page.isTruncated) break;
      startAfter = page.nextStartAfter;
    }
    expect(viaEngine.sort()).toEqual(want);

    for (const [key, body] of expected) {
      const g = await getBody(objPath(key));
      expect({ key, status: g.status, body: g.body }).toEqual({ key, status: 200, body });
    }
  });
});
