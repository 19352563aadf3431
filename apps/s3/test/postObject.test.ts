/**
 * POST Object (browser form uploads) with raw multipart bodies: SigV4 and V2 policies, every
 * condition kind, success_action_*, anonymous uploads, malformed forms; and the streaming
 * multipart reader on its own (delimiters split across chunks, a large file).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketAclCommand } from '@aws-sdk/client-s3';
import { MultipartFormReader, formBoundary, parseContentDisposition } from '../src/http/multipartForm';
import { parsePostPolicy } from '../src/auth/postPolicy';
import { rawRequest, parseS3Error, type RawResponse } from './helpers/rawRequest';
import { BOUNDARY, multipartBody, multipartContentType, signPostV2, signPostV4, encodePolicy } from './helpers/postForm';
import { startTestServer, type TestServer } from './helpers/server';

const CAROL = { id: 'carol', accessKeyId: 'CAROLPOSTKEY00000001', secretAccessKey: 'carol-post-secret-00000000000000000000' };

describe('multipart form reader', () => {
  async function readAll(chunks: Buffer[], boundary = BOUNDARY) {
    const r = new MultipartFormReader(Readable.from(chunks), boundary);
    const out: { name: string; filename?: string; value: string }[] = [];
    for (let p = await r.nextPart(); p; p = await r.nextPart()) {
      const parts: Buffer[] = [];
      for await (const b of r.partBody()) parts.push(Buffer.from(b));
      out.push({ name: p.name, filename: p.filename, value: Buffer.concat(parts).toString('latin1') });
    }
    return out;
  }

  it('parses fields and files, whatever the chunking', async () => {
    const content = Buffer.from('line1\r\n--not-the-boundary\r\n\r\n--' + BOUNDARY.slice(0, 10) + ' tail');
    const body = multipartBody(
      [
        ['key', 'a/${filename}'],
        ['x-amz-meta-ü', 'välue'],
      ],
      { filename: 'f.bin', content },
      [['after', 'ignored?']],
    );
    const expected = [
      { name: 'key', filename: undefined, value: 'a/${filename}' },
      { name: 'x-amz-meta-ü', filename: undefined, value: Buffer.from('välue').toString('latin1') },
      { name: 'file', filename: 'f.bin', value: content.toString('latin1') },
      { name: 'after', filename: undefined, value: 'ignored?' },
    ];
    expect(await readAll([body])).toEqual(expected.map((e) => (e.name === 'x-amz-meta-ü' ? { ...e, name: Buffer.from('x-amz-meta-ü').toString('utf8') } : e)));
    for (const size of [1, 2, 3, 7, 41]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
      expect((await readAll(chunks)).map((p) => p.value)).toEqual(expected.map((e) => e.value));
    }
  });

  it('rejects malformed forms', async () => {
    const good = multipartBody([['a', 'b']]);
    await expect(readAll([good.subarray(0, good.length - 10)])).rejects.toMatchObject({ code: 'MalformedPOSTRequest' });
    await expect(readAll([Buffer.from(`--${BOUNDARY}\r\nX-Nothing: 1\r\n\r\nv\r\n--${BOUNDARY}--\r\n`)])).rejects.toMatchObject({
      code: 'MalformedPOSTRequest',
    });
    await expect(readAll([Buffer.from('no boundary at all')])).rejects.toMatchObject({ code: 'MalformedPOSTRequest' });
  });

  it('reads the boundary and Content-Disposition', () => {
    expect(formBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(formBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b"')).toBe('a b');
    expect(formBoundary('application/x-www-form-urlencoded')).toBeUndefined();
    expect(formBoundary('multipart/form-data')).toBeUndefined();
    expect(parseContentDisposition('form-data; name="file"; filename="a \\"q\\".txt"')).toEqual({ name: 'file', filename: 'a "q".txt' });
  });

  it('parses POST policies', () => {
    const p = parsePostPolicy(encodePolicy([{ bucket: 'b' }, ['starts-with', '$Key', 'u/'], ['content-length-range', 1, 10]]));
    expect(p.conditions).toEqual([
      { op: 'eq', field: 'bucket', value: 'b', source: '{"bucket":"b"}' },
      { op: 'starts-with', field: 'key', value: 'u/', source: '["starts-with","$Key","u/"]' },
      { op: 'content-length-range', min: 1, max: 10, source: '["content-length-range",1,10]' },
    ]);
    expect(() => parsePostPolicy('not base64 json')).toThrow(expect.objectContaining({ code: 'InvalidPolicyDocument' }));
    expect(() => parsePostPolicy(Buffer.from('{"conditions":[]}').toString('base64'))).toThrow(/missing expiration/);
    expect(() => parsePostPolicy(encodePolicy([['matches', '$key', 'x']]))).toThrow(expect.objectContaining({ code: 'InvalidPolicyDocument' }));
  });
});

describe('POST Object', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ users: [CAROL] });
    const s3 = t.client();
    await s3.send(new CreateBucketCommand({ Bucket: 'forms' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'open-forms' }));
    await s3.send(new PutBucketAclCommand({ Bucket: 'open-forms', ACL: 'public-read-write' }));
  });
  afterAll(() => t.stop());

  const post = (bucket: string, body: Buffer, headers: Record<string, string> = {}): Promise<RawResponse> =>
    rawRequest(t.endpoint, { method: 'POST', path: `/${bucket}`, auth: 'none', body, headers: { 'Content-Type': multipartContentType(), ...headers } });

  async function getText(bucket: string, key: string): Promise<{ body: string; contentType?: string; meta?: Record<string, string> }> {
    const r = await t.client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { body: await r.Body!.transformToString(), contentType: r.ContentType, meta: r.Metadata };
  }

  async function exists(bucket: string, key: string): Promise<boolean> {
    return t
      .client()
      .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      .then(
        () => true,
        () => false,
      );
  }

  it('uploads with a SigV4 policy: ${filename}, metadata, Content-Type, 201 PostResponse; fields after the file are ignored', async () => {
    const { fields } = signPostV4(
      'forms',
      [
        ['key', 'uploads/${filename}'],
        ['Content-Type', 'text/plain'],
        ['x-amz-meta-color', 'blue'],
        ['success_action_status', '201'],
      ],
      [
        ['starts-with', '$key', 'uploads/'],
        ['starts-with', '$Content-Type', 'text/'],
        { 'x-amz-meta-color': 'blue' },
        { success_action_status: '201' },
        ['content-length-range', 1, 1024],
      ],
    );
    const r = await post('forms', multipartBody(fields, { filename: 'C:\\Users\\me\\hello.txt', content: 'hello, form' }, [['x-amz-meta-late', 'nope']]));
    expect(r.status).toBe(201);
    const etag = `"${createHash('md5').update('hello, form').digest('hex')}"`;
    expect(r.headers.etag).toBe(etag);
    expect(r.body).toContain('<Bucket>forms</Bucket><Key>uploads/hello.txt</Key>');
    expect(r.body).toContain(`<ETag>${etag}</ETag>`);
    expect(r.headers.location).toBe(`http://127.0.0.1:${t.port}/forms/uploads/hello.txt`);
    const got = await getText('forms', 'uploads/hello.txt');
    expect(got).toEqual({ body: 'hello, form', contentType: 'text/plain', meta: { color: 'blue' } });
  });

  it('uploads with a SigV2 policy; default 204, 200 and a 303 redirect', async () => {
    const v2 = signPostV2([['key', 'v2.txt']], [{ bucket: 'forms' }, ['eq', '$key', 'v2.txt']]);
    const r = await post('forms', multipartBody(v2.fields, { filename: 'x', content: 'version two' }));
    expect(r.status).toBe(204);
    expect((await getText('forms', 'v2.txt')).body).toBe('version two');

    const s200 = signPostV4(
      'forms',
      [
        ['key', 'k200'],
        ['success_action_status', '200'],
      ],
      [
        ['starts-with', '$key', ''],
        ['starts-with', '$success_action_status', ''],
      ],
    );
    const r200 = await post('forms', multipartBody(s200.fields, { filename: 'x', content: '2' }));
    expect(r200.status).toBe(200);
    expect(r200.body).toBe('');

    const redirect = 'https://app.example.com/done?from=form';
    const s303 = signPostV4(
      'forms',
      [
        ['key', 'k303'],
        ['success_action_redirect', redirect],
      ],
      [['starts-with', '$key', 'k'], { success_action_redirect: redirect }],
    );
    const r303 = await post('forms', multipartBody(s303.fields, { filename: 'x', content: '3' }));
    expect(r303.status).toBe(303);
    const loc = new URL(r303.headers.location as string);
    expect(loc.origin + loc.pathname).toBe('https://app.example.com/done');
    expect([...loc.searchParams]).toEqual([
      ['from', 'form'],
      ['bucket', 'forms'],
      ['key', 'k303'],
      ['etag', `"${createHash('md5').update('3').digest('hex')}"`],
    ]);
  });

  it('enforces the policy: conditions, extra fields, expiry, signature, content-length-range', async () => {
    const expectDenied = async (r: RawResponse, message: string | RegExp, code = 'AccessDenied', status = 403) => {
      expect(r.status).toBe(status);
      const e = parseS3Error(r.body);
      expect(e.code).toBe(code);
      if (typeof message === 'string') expect(e.message).toBe(message);
      else expect(e.message).toMatch(message);
    };
    const file = { filename: 'f', content: 'data' };
    const wrongKey = signPostV4('forms', [['key', 'other/k']], [['starts-with', '$key', 'uploads/']]);
    await expectDenied(
      await post('forms', multipartBody(wrongKey.fields, file)),
      'Invalid according to Policy: Policy Condition failed: ["starts-with","$key","uploads/"]',
    );

    const extra = signPostV4(
      'forms',
      [
        ['key', 'k'],
        ['x-amz-meta-sneaky', '1'],
        ['x-ignore-me', 'fine'],
      ],
      [['eq', '$key', 'k']],
    );
    await expectDenied(await post('forms', multipartBody(extra.fields, file)), 'Invalid according to Policy: Extra input fields: x-amz-meta-sneaky');

    const expired = signPostV4('forms', [['key', 'k']], [['eq', '$key', 'k']], { expiresInMs: -1000 });
    await expectDenied(await post('forms', multipartBody(expired.fields, file)), 'Invalid according to Policy: Policy expired.');

    const forged = signPostV4('forms', [['key', 'k']], [['eq', '$key', 'k']], { tamper: true });
    await expectDenied(await post('forms', multipartBody(forged.fields, file)), /signature/, 'SignatureDoesNotMatch');

    const otherBucket = signPostV4('open-forms', [['key', 'k']], [['eq', '$key', 'k']]);
    await expectDenied(
      await post('forms', multipartBody(otherBucket.fields, file)),
      'Invalid according to Policy: Policy Condition failed: {"bucket":"open-forms"}',
    );

    const small = signPostV4(
      'forms',
      [['key', 'range/k']],
      [
        ['eq', '$key', 'range/k'],
        ['content-length-range', 10, 20],
      ],
    );
    await expectDenied(await post('forms', multipartBody(small.fields, { filename: 'f', content: 'tiny' })), /smaller than the minimum/, 'EntityTooSmall', 400);
    await expectDenied(
      await post('forms', multipartBody(small.fields, { filename: 'f', content: 'x'.repeat(21) })),
      /exceeds the maximum/,
      'EntityTooLarge',
      400,
    );
    expect(await exists('forms', 'range/k')).toBe(false);
    expect((await post('forms', multipartBody(small.fields, { filename: 'f', content: 'x'.repeat(20) }))).status).toBe(204);

    const unknownKey = signPostV4('forms', [['key', 'k']], [['eq', '$key', 'k']], { accessKeyId: 'NOSUCHKEY', secretAccessKey: 'x' });
    await expectDenied(await post('forms', multipartBody(unknownKey.fields, file)), /does not exist/, 'InvalidAccessKeyId');
    const noPolicy = signPostV4('forms', [['key', 'k']], []).fields.filter(([k]) => k !== 'Policy');
    const r = await post('forms', multipartBody(noPolicy, file));
    expect(r.status).toBe(400);
  });

  it('authorizes as PutObject: other accounts and anonymous callers need write access', async () => {
    const file = { filename: 'f', content: 'by carol' };
    const carol = signPostV4('forms', [['key', 'carol.txt']], [['eq', '$key', 'carol.txt']], CAROL);
    expect(parseS3Error((await post('forms', multipartBody(carol.fields, file))).body).code).toBe('AccessDenied');
    const carolOpen = signPostV4('open-forms', [['key', 'carol.txt']], [['eq', '$key', 'carol.txt']], CAROL);
    expect((await post('open-forms', multipartBody(carolOpen.fields, file))).status).toBe(204);

    // anonymous: no policy needed, but the bucket must grant public write
    const anonPrivate = await post('forms', multipartBody([['key', 'anon.txt']], { filename: 'f', content: 'anon' }));
    expect(anonPrivate.status).toBe(403);
    expect(parseS3Error(anonPrivate.body).code).toBe('AccessDenied');
    const anonOpen = await post('open-forms', multipartBody([['key', 'anon.txt']], { filename: 'f', content: 'anon' }));
    expect(anonOpen.status).toBe(204);
    const listed = await t.client().send(new ListObjectsV2Command({ Bucket: 'open-forms' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([
      ['anon.txt', 4],
      ['carol.txt', 8],
    ]);
  });

  it('a suspended user cannot upload', async () => {
    await t.server.engine.setUserSuspended('carol', true);
    try {
      const carolOpen = signPostV4('open-forms', [['key', 'susp.txt']], [['eq', '$key', 'susp.txt']], CAROL);
      const r = await post('open-forms', multipartBody(carolOpen.fields, { filename: 'f', content: 'x' }));
      expect(r.status).toBe(403);
      expect(parseS3Error(r.body).code).toBe('UserSuspended');
    } finally {
      await t.server.engine.setUserSuspended('carol', false);
    }
  });

  it('rejects malformed requests with S3 codes', async () => {
    const notForm = await rawRequest(t.endpoint, {
      method: 'POST',
      path: '/forms',
      auth: 'none',
      body: 'key=k',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(parseS3Error(notForm.body).code).toBe('RequestIsNotMultiPartContent');
    const noFile = signPostV4('forms', [['key', 'k']], [['eq', '$key', 'k']]);
    expect(parseS3Error((await post('forms', multipartBody(noFile.fields))).body).code).toBe('IncorrectNumberOfFilesInPostRequest');
    const noKey = signPostV4('forms', [], []);
    const r = await post('forms', multipartBody(noKey.fields, { filename: 'f', content: 'x' }));
    expect(parseS3Error(r.body)).toMatchObject({ code: 'InvalidArgument' });
    const truncated = multipartBody([['key', 'k']], { filename: 'f', content: 'x' });
    expect(parseS3Error((await post('open-forms', truncated.subarray(0, truncated.length - 12))).body).code).toBe('MalformedPOSTRequest');
    const huge = await post(
      'forms',
      multipartBody(
        [
          ['key', 'k'],
          ['x-ignore-pad', 'p'.repeat(70 * 1024)],
        ],
        { filename: 'f', content: 'x' },
      ),
    );
    expect(parseS3Error(huge.body).code).toBe('MaxPostPreDataLengthExceededError');
    expect((await post('no-such-bucket-here', multipartBody([['key', 'k']], { filename: 'f', content: 'x' }))).status).toBe(404);
  });

  it('streams a large file into the store', async () => {
    const size = 12 * 1024 * 1024 + 5;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) data.writeUInt32BE(i, i);
    const { fields } = signPostV4(
      'forms',
      [['key', 'big.bin']],
      [
        ['eq', '$key', 'big.bin'],
        ['content-length-range', 0, 64 * 1024 * 1024],
      ],
    );
    const body = multipartBody(fields, { filename: 'big.bin', content: data });
    const r = await rawRequest(t.endpoint, {
      method: 'POST',
      path: '/forms',
      auth: 'none',
      headers: { 'Content-Type': multipartContentType(), 'Content-Length': String(body.length) },
      writer: async (req) => {
        for (let i = 0; i < body.length; i += 65536) {
          if (!req.write(body.subarray(i, i + 65536))) await new Promise((res) => req.once('drain', res));
        }
        req.end();
      },
    });
    expect(r.status).toBe(204);
    expect(r.headers.etag).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
    const got = await t.client().send(new GetObjectCommand({ Bucket: 'forms', Key: 'big.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(data)).toBe(true);
  });
});
