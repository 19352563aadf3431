import { Readable } from 'node:stream';
import { authenticate, Sha256Verifier } from './authenticate';
import type { AuthOptions, RawRequest } from './types';
import { rejectsWith } from '../../test/helpers/rejectsWith';

const opts: AuthOptions = {
  region: 'us-east-1',
  now: () => new Date('2013-05-24T00:00:00Z'),
  lookup: async () => undefined,
};

function req(target: string, headers: Record<string, string> = {}, method = 'GET'): RawRequest {
  const q = target.indexOf('?');
  return { method, rawPath: q < 0 ? target : target.slice(0, q), rawQuery: q < 0 ? '' : target.slice(q + 1), headers };
}

async function readAll(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

describe('scheme detection', () => {
  test('anonymous: no credentials anywhere, body passes through untouched', async () => {
    const res = await authenticate(req('/b/k', { 'content-length': '5', 'x-amz-content-sha256': 'f'.repeat(64) }, 'PUT'), opts);
    expect(res).toMatchObject({ userId: null, accessKeyId: null, signatureVersion: null, authType: null, decodedContentLength: 5 });
    const raw = Readable.from([Buffer.from('hello')]);
    expect(res.wrapBody(raw)).toBe(raw);
    expect(res.trailers()).toEqual({});
  });

  test('anonymous aws-chunked unsigned upload is decoded', async () => {
    const res = await authenticate(
      req('/b/k', { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-decoded-content-length': '3' }, 'PUT'),
      opts,
    );
    const out = await readAll(res.wrapBody(Readable.from([Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n')])));
    expect(out.toString()).toBe('abc');
    expect(res.trailers()).toEqual({ 'x-amz-checksum-crc32': 'NSRBwg==' });
  });

  test('anonymous request cannot claim a signed streaming payload', async () => {
    await rejectsWith(authenticate(req('/b/k', { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }, 'PUT'), opts), 'InvalidRequest');
  });

  test('routes each scheme to its verifier (all with an unknown key here)', async () => {
    await rejectsWith(
      authenticate(
        req('/b/k', {
          authorization:
            'AWS4-HMAC-SHA256 Credential=NOPE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=' +
            '0'.repeat(64),
          host: 'h',
          'x-amz-date': '20130524T000000Z',
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
        }),
        opts,
      ),
      'InvalidAccessKeyId',
    );
    await rejectsWith(
      authenticate(
        req(
          '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=NOPE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00',
          { host: 'h' },
        ),
        opts,
      ),
      'InvalidAccessKeyId',
    );
    await rejectsWith(authenticate(req('/b/k', { authorization: 'AWS NOPE:abc=', date: 'Fri, 24 May 2013 00:00:00 GMT' }), opts), 'InvalidAccessKeyId');
    await rejectsWith(authenticate(req('/b/k?AWSAccessKeyId=NOPE&Expires=1999999999&Signature=abc'), opts), 'InvalidAccessKeyId');
  });

  test('two mechanisms at once, or an unknown one', async () => {
    const e = await rejectsWith(
      authenticate(req('/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00', { authorization: 'AWS a:b' }), opts),
      'InvalidArgument',
    );
    expect(e.message).toContain('Only one auth mechanism allowed');
    await rejectsWith(authenticate(req('/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&AWSAccessKeyId=a&Signature=b'), opts), 'InvalidArgument');
    const u = await rejectsWith(authenticate(req('/b/k', { authorization: 'Bearer xyz' }), opts), 'InvalidArgument');
    expect(u.message).toBe('Unsupported Authorization Type');
    expect(u.fields).toEqual({ ArgumentName: 'Authorization', ArgumentValue: 'Bearer xyz' });
    await rejectsWith(
      authenticate(req('/b/k', { authorization: 'AWS4-ECDSA-P256-SHA256 Credential=a/20130524/s3/aws4_request, SignedHeaders=host, Signature=00' }), opts),
      'InvalidArgument',
    );
  });

  test('bad lengths are rejected', async () => {
    await rejectsWith(authenticate(req('/b/k', { 'content-length': 'abc' }, 'PUT'), opts), 'InvalidArgument');
    await rejectsWith(
      authenticate(req('/b/k', { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-decoded-content-length': '-1' }, 'PUT'), opts),
      'InvalidArgument',
    );
  });
});

describe('Sha256Verifier', () => {
  test('passes matching bodies through in any split, rejects others', async () => {
    const hex = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'; // sha256("hello world")
    const v = new Sha256Verifier(hex.toUpperCase());
    const out = await readAll(Readable.from([Buffer.from('hel'), Buffer.from('lo wo'), Buffer.from('rld')]).pipe(v));
    expect(out.toString()).toBe('hello world');
    const bad = Readable.from([Buffer.from('hello')]).pipe(new Sha256Verifier(hex));
    const e = await rejectsWith(readAll(bad), 'XAmzContentSHA256Mismatch');
    expect(e.message).toBe("The provided 'x-amz-content-sha256' header does not match what was computed.");
    expect(e.fields.S3ComputedContentSHA256).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
  });

  test('an error on the raw body reaches the wrapped stream', async () => {
    const res = await authenticate(req('/b/k', { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' }, 'PUT'), opts);
    const raw = new Readable({ read() {} });
    const wrapped = res.wrapBody(raw);
    const p = readAll(wrapped);
    raw.push(Buffer.from('3\r\nab'));
    raw.destroy(new Error('socket reset'));
    await expect(p).rejects.toThrow(/socket reset|Premature close/);
  });
});
