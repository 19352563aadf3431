/**
 * Per-operation query-parameter parsers (src/params/, named by each row of the operation table)
 * through the running server: every bad value gets S3's exact error (status, Code, Message,
 * ArgumentName), parsing happens after authorization (an anonymous caller learns nothing about
 * parameters), and valid values still page as S3 does.
 */
import { CreateBucketCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './helpers/server';
import { rawRequest, parseS3Error, type RawRequestOptions, type RawResponse } from './helpers/rawRequest';
import { OPERATIONS } from '../src/operations';
import { objectReadParams, versionParams } from '../src/params/objectParams';

const B = 'query-params';
const KEY = 'dir/obj.txt';
let ts: TestServer;
let uploadId: string;

const send = (o: RawRequestOptions): Promise<RawResponse> => rawRequest(ts.endpoint, o);
const argumentName = (body: string): string | undefined => /<ArgumentName>([^<]*)<\/ArgumentName>/.exec(body)?.[1];

/** status, Code, Message and ArgumentName of an error response (HEAD: status only). */
function error(r: RawResponse): { status: number; code?: string; message?: string; argument?: string } {
  const e = parseS3Error(r.body);
  return { status: r.status, code: e.code, message: e.message, argument: argumentName(r.body) };
}

beforeAll(async () => {
  ts = await startTestServer();
  const s3 = ts.client();
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(new PutObjectCommand({ Bucket: B, Key: KEY, Body: 'hello', ACL: 'public-read' }));
  uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'mpu' }))).UploadId!;
  await s3.send(new UploadPartCommand({ Bucket: B, Key: 'mpu', UploadId: uploadId, PartNumber: 1, Body: 'p1' }));
  await s3.send(new UploadPartCommand({ Bucket: B, Key: 'mpu', UploadId: uploadId, PartNumber: 2, Body: 'p2' }));
});

afterAll(async () => {
  await ts?.stop();
});

describe('versionId', () => {
  // Every operation whose row parses a versionId, straight from the table: a new one is covered too.
  const rows = OPERATIONS.filter((o) => o.params === versionParams || o.params === objectReadParams);

  test('the table names a versionId parser for the object operations that take one', () => {
    expect(rows.map((o) => o.name).sort()).toEqual(
      [
        'DeleteObject',
        'DeleteObjectTagging',
        'GetObject',
        'GetObjectAcl',
        'GetObjectAttributes',
        'GetObjectLegalHold',
        'GetObjectRetention',
        'GetObjectTagging',
        'HeadObject',
        'PutObjectAcl',
        'PutObjectLegalHold',
        'PutObjectRetention',
        'PutObjectTagging',
      ].sort(),
    );
  });

  test.each(rows.map((o) => [o.name, o] as const))('%s: an empty versionId is InvalidArgument', async (_name, o) => {
    const query: Record<string, string> = { versionId: '' };
    for (const k of o.selector.queryKeys) query[k] = '';
    Object.assign(query, o.selector.queryValues);
    const headers: Record<string, string> = o.name === 'GetObjectAttributes' ? { 'x-amz-object-attributes': 'ETag' } : {};
    const r = await send({ method: o.method, path: `/${B}/${KEY}`, query, headers });
    if (o.method === 'HEAD') expect(r.status).toBe(400);
    else expect(error(r)).toEqual({ status: 400, code: 'InvalidArgument', message: 'Version id cannot be the empty string', argument: 'versionId' });
  });
});

describe('multipart parameters', () => {
  const maxParts = 'Argument max-parts must be an integer between 0 and 2147483647';
  test.each([
    ['max-parts', '-1', maxParts],
    ['max-parts', 'ten', maxParts],
    ['max-parts', '2147483648', maxParts],
    ['part-number-marker', 'x', 'Argument partNumberMarker must be an integer.'],
    ['part-number-marker', '-2', 'Argument partNumberMarker must be an integer.'],
    ['encoding-type', 'base64', 'Invalid Encoding Method specified in Request'],
  ])('ListParts %s=%s: InvalidArgument', async (name, value, message) => {
    const r = await send({ method: 'GET', path: `/${B}/mpu`, query: { uploadId, [name]: value } });
    expect(error(r)).toEqual({ status: 400, code: 'InvalidArgument', message, argument: name });
  });

  test('ListParts: max-parts and part-number-marker page (max-parts over 1000 is capped)', async () => {
    const first = await send({ method: 'GET', path: `/${B}/mpu`, query: { uploadId, 'max-parts': '1' } });
    expect([first.status, /<MaxParts>1<\/MaxParts>/.test(first.body), /<NextPartNumberMarker>1<\/NextPartNumberMarker>/.test(first.body)]).toEqual([
      200,
      true,
      true,
    ]);
    const rest = await send({ method: 'GET', path: `/${B}/mpu`, query: { uploadId, 'part-number-marker': '1', 'max-parts': '5000' } });
    expect([rest.status, /<MaxParts>1000<\/MaxParts>/.test(rest.body), [...rest.body.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => m[1])]).toEqual([
      200,
      true,
      ['2'],
    ]);
  });

  test.each([['ListParts', 'GET'] as const, ['CompleteMultipartUpload', 'POST'] as const, ['AbortMultipartUpload', 'DELETE'] as const])(
    '%s with an empty uploadId: NoSuchUpload',
    async (_name, method) => {
      const r = await send({ method, path: `/${B}/mpu`, query: { uploadId: '' }, body: method === 'POST' ? '<CompleteMultipartUpload/>' : undefined });
      expect([r.status, parseS3Error(r.body).code]).toEqual([404, 'NoSuchUpload']);
    },
  );

  test.each(['0', '10001', 'abc', '1.5', ''])('UploadPart partNumber=%s: InvalidArgument', async (partNumber) => {
    const r = await send({ method: 'PUT', path: `/${B}/mpu`, query: { uploadId, partNumber }, body: 'x' });
    expect(error(r)).toEqual({
      status: 400,
      code: 'InvalidArgument',
      message: 'Part number must be an integer between 1 and 10000, inclusive',
      argument: 'partNumber',
    });
  });

  test('ListMultipartUploads max-uploads=ten: InvalidArgument; max-uploads=0 lists nothing', async () => {
    const bad = await send({ method: 'GET', path: `/${B}`, query: { uploads: '', 'max-uploads': 'ten' } });
    expect(error(bad)).toEqual({
      status: 400,
      code: 'InvalidArgument',
      message: 'Argument max-uploads must be an integer between 0 and 2147483647',
      argument: 'max-uploads',
    });
    const none = await send({ method: 'GET', path: `/${B}`, query: { uploads: '', 'max-uploads': '0' } });
    expect([none.status, /<MaxUploads>0<\/MaxUploads>/.test(none.body), /<Upload>/.test(none.body)]).toEqual([200, true, false]);
  });
});

describe('listing parameters', () => {
  const maxKeys = 'Provided max-keys not an integer or within integer range';
  test.each([
    ['ListObjects', {}],
    ['ListObjectsV2', { 'list-type': '2' }],
    ['ListObjectVersions', { versions: '' }],
  ] as const)('%s: a bad max-keys is InvalidArgument', async (_name, q) => {
    for (const v of ['-1', 'x', '99999999999']) {
      const r = await send({ method: 'GET', path: `/${B}`, query: { ...q, 'max-keys': v } });
      expect(error(r)).toEqual({ status: 400, code: 'InvalidArgument', message: maxKeys, argument: 'max-keys' });
    }
  });

  test('ListObjectsV2: an empty or foreign continuation-token is InvalidArgument', async () => {
    for (const token of ['', 'bm90LW91cnM=']) {
      const r = await send({ method: 'GET', path: `/${B}`, query: { 'list-type': '2', 'continuation-token': token } });
      expect(error(r)).toEqual({
        status: 400,
        code: 'InvalidArgument',
        message: 'The continuation token provided is incorrect',
        argument: 'continuation-token',
      });
    }
  });

  test.each(['0', '10001', 'many'])('ListBuckets max-buckets=%s: InvalidArgument', async (v) => {
    const r = await send({ method: 'GET', path: '/', query: { 'max-buckets': v } });
    expect(error(r)).toEqual({
      status: 400,
      code: 'InvalidArgument',
      message: 'Argument max-buckets must be an integer between 1 and 10000',
      argument: 'max-buckets',
    });
  });
});

describe('object reads', () => {
  test.each(['0', '10001', 'x'])('GetObject partNumber=%s: InvalidArgument (HEAD: 400)', async (partNumber) => {
    const r = await send({ method: 'GET', path: `/${B}/${KEY}`, query: { partNumber } });
    expect(error(r)).toEqual({
      status: 400,
      code: 'InvalidArgument',
      message: 'Part number must be an integer between 1 and 10000, inclusive',
      argument: 'partNumber',
    });
    expect((await send({ method: 'HEAD', path: `/${B}/${KEY}`, query: { partNumber } })).status).toBe(400);
  });

  test('response-* overrides: applied for signed requests, InvalidRequest for anonymous ones', async () => {
    const signed = await send({ method: 'GET', path: `/${B}/${KEY}`, query: { 'response-content-type': 'text/x-test', 'response-cache-control': 'no-store' } });
    expect([signed.status, signed.headers['content-type'], signed.headers['cache-control'], signed.body]).toEqual([200, 'text/x-test', 'no-store', 'hello']);
    const plain = await send({ method: 'GET', path: `/${B}/${KEY}`, auth: 'none' });
    expect([plain.status, plain.body]).toEqual([200, 'hello']); // the object is public-read
    const anonymous = await send({ method: 'GET', path: `/${B}/${KEY}`, query: { 'response-content-type': 'text/x-test' }, auth: 'none' });
    expect([anonymous.status, parseS3Error(anonymous.body).code, parseS3Error(anonymous.body).message]).toEqual([
      400,
      'InvalidRequest',
      'Request specific response headers cannot be used for anonymous GET requests.',
    ]);
  });
});

test('parameters are parsed after authorization: an anonymous caller gets AccessDenied, not a parameter error', async () => {
  const r = await send({ method: 'GET', path: `/${B}/mpu`, query: { uploadId, 'max-parts': 'bad' }, auth: 'none' });
  expect([r.status, parseS3Error(r.body).code]).toEqual([403, 'AccessDenied']);
  const list = await send({ method: 'GET', path: `/${B}`, query: { 'max-keys': 'bad' }, auth: 'none' });
  expect([list.status, parseS3Error(list.body).code]).toEqual([403, 'AccessDenied']);
});

test('every row carries its authorization facts and a parser', () => {
  for (const o of OPERATIONS) {
    expect({
      name: o.name,
      auth: ['signed', 'self', 'none'].includes(o.auth),
      action: /^s3:[A-Za-z]+$/.test(o.access.action),
      params: typeof o.params,
    }).toEqual({
      name: o.name,
      auth: true,
      action: true,
      params: 'function',
    });
  }
  // The modes the dispatcher acts on come from the same rows.
  expect(OPERATIONS.filter((o) => o.auth !== 'signed').map((o) => `${o.name}:${o.auth}`)).toEqual([
    'PostObject:self',
    'OptionsBucket:none',
    'OptionsObject:none',
  ]);
});
