import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { authenticate } from './authenticate';
import { AwsChunkedDecoder, type AwsChunkedOptions } from './chunked';
import { getSigningKey } from './sigv4';
import type { AuthOptions, RawRequest } from './types';

const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const DATE = '20130524T000000Z';
const SCOPE = '20130524/us-east-1/s3/aws4_request';
const KEY = getSigningKey(SECRET, '20130524', 'us-east-1');
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const opts: AuthOptions = {
  region: 'us-east-1',
  now: () => new Date('2013-05-24T00:00:00Z'),
  lookup: async (id) => (id === AKID ? { secretAccessKey: SECRET, userId: 'u1' } : undefined),
};

function feed(parts: Buffer[]): Readable {
  return Readable.from(parts, { objectMode: false });
}

async function readAll(r: Readable): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(Buffer.from(c));
  return Buffer.concat(out);
}

async function expectError(p: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await p;
  } catch (e) {
    expect((e as { code: string }).code).toBe(code);
    return e as Error & { code: string };
  }
  throw new Error(`expected ${code}`);
}

function splitEvery(buf: Buffer, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += n) out.push(buf.subarray(i, i + n));
  return out;
}

function splitRandom(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  while (i < buf.length) {
    const n = 1 + Math.floor(Math.random() * (Math.random() < 0.5 ? 7 : 5000));
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

// An encoder written from the S3 docs, independent of the decoder.
function chunkSig(prev: string, data: Buffer): string {
  const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${DATE}\n${SCOPE}\n${prev}\n${EMPTY}\n${createHash('sha256').update(data).digest('hex')}`;
  return createHmac('sha256', KEY).update(sts).digest('hex');
}

function encodeSigned(seed: string, data: Buffer, chunkSize: number, trailers?: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  let prev = seed;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  for (const c of chunks) {
    prev = chunkSig(prev, c);
    parts.push(Buffer.from(`${c.length.toString(16)};chunk-signature=${prev}\r\n`), c, Buffer.from(c.length ? '\r\n' : ''));
  }
  if (trailers) {
    const canonical = trailers.map(([k, v]) => `${k}:${v}\n`).join('');
    const sts = `AWS4-HMAC-SHA256-TRAILER\n${DATE}\n${SCOPE}\n${prev}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const sig = createHmac('sha256', KEY).update(sts).digest('hex');
    parts.push(Buffer.from(trailers.map(([k, v]) => `${k}:${v}\r\n`).join('') + `x-amz-trailer-signature:${sig}\r\n\r\n`));
  } else {
    parts.push(Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

function encodeUnsigned(data: Buffer, chunkSize: number, trailers: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) {
    const c = data.subarray(i, i + chunkSize);
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n' + trailers.map(([k, v]) => `${k}:${v}\r\n`).join('') + '\r\n'));
  return Buffer.concat(parts);
}

const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const signedOpts = (extra: Partial<AwsChunkedOptions> = {}): AwsChunkedOptions => ({
  signing: { signingKey: KEY, amzDate: DATE, scope: SCOPE, seedSignature: SEED },
  trailer: false,
  ...extra,
});

// ---------------------------------------------------------------------------------------------
// "Signature Calculations for the Authorization Header: Transferring Payload in Multiple Chunks"

const DOC_DATA = Buffer.alloc(66560, 'a');

function docChunkedBody(): Buffer {
  return Buffer.concat([
    Buffer.from('10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n'),
    DOC_DATA.subarray(0, 65536),
    Buffer.from('\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n'),
    DOC_DATA.subarray(65536),
    Buffer.from('\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n'),
  ]);
}

function docChunkedRequest(): RawRequest {
  return {
    method: 'PUT',
    rawPath: '/examplebucket/chunkObject.txt',
    rawQuery: '',
    headers: {
      host: 's3.amazonaws.com',
      'x-amz-date': DATE,
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,' +
        `Signature=${SEED}`,
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560',
      'content-length': '66824',
    },
  };
}

describe('AWS documentation example: chunked upload', () => {
  test('seed signature, chunk signatures, decoded body', async () => {
    const body = docChunkedBody();
    expect(body.length).toBe(66824);
    const res = await authenticate(docChunkedRequest(), opts);
    expect(res.decodedContentLength).toBe(66560);
    const out = await readAll(res.wrapBody(feed([body])));
    expect(out.equals(DOC_DATA)).toBe(true);
    expect(res.trailers()).toEqual({});
  });

  test('our encoder reproduces the published chunk signatures', () => {
    const enc = encodeSigned(SEED, DOC_DATA, 65536);
    expect(enc.equals(docChunkedBody())).toBe(true);
  });

  test('byte-by-byte and random splits', async () => {
    const body = docChunkedBody();
    const res = await authenticate(docChunkedRequest(), opts);
    expect((await readAll(res.wrapBody(feed(splitEvery(body, 1))))).equals(DOC_DATA)).toBe(true);
    for (let t = 0; t < 10; t++) {
      expect((await readAll(res.wrapBody(feed(splitRandom(body))))).equals(DOC_DATA)).toBe(true);
    }
  });

  test('a flipped data byte fails the chunk signature and emits nothing of that chunk', async () => {
    const body = docChunkedBody();
    body[100] = 'b'.charCodeAt(0);
    const res = await authenticate(docChunkedRequest(), opts);
    const stream = res.wrapBody(feed([body]));
    let emitted = 0;
    stream.on('data', (c: Buffer) => (emitted += c.length));
    const e = await expectError(readAll(stream), 'SignatureDoesNotMatch');
    expect(e.message).toContain('does not match');
    expect(emitted).toBe(0);
  });

  test('a tampered second chunk signature is rejected after the first chunk', async () => {
    const body = Buffer.from(docChunkedBody().toString('latin1').replace('0055627c', '0055627d'), 'latin1');
    const res = await authenticate(docChunkedRequest(), opts);
    await expectError(readAll(res.wrapBody(feed([body]))), 'SignatureDoesNotMatch');
  });

  test('chunks replayed in another order fail', async () => {
    const a = encodeSigned(SEED, Buffer.from('first-chunk-data'), 8);
    const s = a.toString('latin1').split('\r\n');
    // swap the two data chunks (header+data pairs)
    const swapped = [s[2], s[3], s[0], s[1], ...s.slice(4)].join('\r\n');
    await expectError(readAll(new AwsChunkedDecoder(signedOpts()).end(Buffer.from(swapped, 'latin1'))), 'SignatureDoesNotMatch');
  });

  test('truncated at every interesting point → IncompleteBody', async () => {
    const body = docChunkedBody();
    for (const cut of [0, 1, 50, 88, 1000, 65624, 65625, 65626, 65700, 66700, body.length - 90, body.length - 3]) {
      const res = await authenticate(docChunkedRequest(), opts);
      const e = await expectError(readAll(res.wrapBody(feed([body.subarray(0, cut)]))), 'IncompleteBody');
      expect(e.message).toBeTruthy();
    }
    // the final CRLF alone may be missing
    const res = await authenticate(docChunkedRequest(), opts);
    expect((await readAll(res.wrapBody(feed([body.subarray(0, body.length - 2)])))).length).toBe(66560);
  });

  test('decoded length must equal x-amz-decoded-content-length', async () => {
    const r = docChunkedRequest();
    r.headers['x-amz-decoded-content-length'] = '66561';
    await expectError(authenticate(r, opts), 'SignatureDoesNotMatch'); // the header is signed
    const short = new AwsChunkedDecoder(signedOpts({ decodedContentLength: 66561 }));
    await expectError(readAll(feed([docChunkedBody()]).pipe(short)), 'IncompleteBody');
    const long = new AwsChunkedDecoder(signedOpts({ decodedContentLength: 100 }));
    await expectError(readAll(feed([docChunkedBody()]).pipe(long)), 'InvalidArgument');
  });
});

describe('AWS documentation example: chunked upload with a signed trailer', () => {
  const TRAILER_SEED = '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e';
  function request(): RawRequest {
    return {
      method: 'PUT',
      rawPath: '/examplebucket/chunkObject.txt',
      rawQuery: '',
      headers: {
        host: 's3.amazonaws.com',
        'x-amz-date': DATE,
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
          'SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,' +
          `Signature=${TRAILER_SEED}`,
        'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '66560',
        'x-amz-trailer': 'x-amz-checksum-crc32c',
      },
    };
  }
  const head = () =>
    Buffer.concat([
      Buffer.from('10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n'),
      DOC_DATA.subarray(0, 65536),
      Buffer.from('\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n'),
      DOC_DATA.subarray(65536),
      Buffer.from('\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n'),
    ]);
  const TRAILER = 'x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n';

  test.each([
    ['with the final empty line', TRAILER + '\r\n'],
    ['without the final empty line', TRAILER],
    ['with an empty line before the trailers', '\r\n' + TRAILER + '\r\n'],
  ])('%s', async (_name, tail) => {
    const body = Buffer.concat([head(), Buffer.from(tail)]);
    for (const parts of [[body], splitEvery(body, 1), splitRandom(body)]) {
      const res = await authenticate(request(), opts);
      const out = await readAll(res.wrapBody(feed(parts)));
      expect(out.equals(DOC_DATA)).toBe(true);
      expect(res.trailers()).toEqual({ 'x-amz-checksum-crc32c': 'sOO8/Q==' });
    }
  });

  test('a changed trailer value or signature fails', async () => {
    for (const tail of [TRAILER.replace('sOO8/Q==', 'AAAAAA=='), TRAILER.replace('d81f82fc', 'd81f82fd')]) {
      const res = await authenticate(request(), opts);
      await expectError(readAll(res.wrapBody(feed([head(), Buffer.from(tail + '\r\n')]))), 'SignatureDoesNotMatch');
    }
  });

  test('missing trailer signature or declared trailer', async () => {
    let res = await authenticate(request(), opts);
    await expectError(readAll(res.wrapBody(feed([head(), Buffer.from('x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n')]))), 'MalformedTrailerError');
    res = await authenticate(request(), opts);
    await expectError(readAll(res.wrapBody(feed([head()]))), 'IncompleteBody');
    const data = randomBytes(1000);
    const other = encodeSigned(TRAILER_SEED, data, 300, [['x-amz-checksum-crc32', 'AAAAAA==']]);
    const dec = new AwsChunkedDecoder({
      ...signedOpts(),
      signing: { ...signedOpts().signing!, seedSignature: TRAILER_SEED },
      trailer: true,
      declaredTrailers: ['x-amz-checksum-crc32c'],
    });
    await expectError(readAll(feed([other]).pipe(dec)), 'MalformedTrailerError');
  });
});

describe('unsigned chunks with trailers (STREAMING-UNSIGNED-PAYLOAD-TRAILER)', () => {
  function request(): RawRequest {
    return {
      method: 'PUT',
      rawPath: '/b/k',
      rawQuery: '',
      headers: {
        host: 'localhost',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '100000',
        'x-amz-trailer': 'x-amz-checksum-crc64nvme',
      },
    };
  }

  test('anonymous request: decoded, trailers exposed, any split', async () => {
    const data = randomBytes(100000);
    const body = encodeUnsigned(data, 65536, [['x-amz-checksum-crc64nvme', 'AAAAAAAAAAA=']]);
    for (const parts of [[body], splitEvery(body, 1), splitRandom(body), splitRandom(body)]) {
      const res = await authenticate(request(), opts);
      expect(res.userId).toBeNull();
      expect(res.decodedContentLength).toBe(100000);
      const out = await readAll(res.wrapBody(feed(parts)));
      expect(out.equals(data)).toBe(true);
      expect(res.trailers()).toEqual({ 'x-amz-checksum-crc64nvme': 'AAAAAAAAAAA=' });
    }
  });

  test('one huge unsigned chunk streams without being held', async () => {
    const dec = new AwsChunkedDecoder({ trailer: true });
    const size = 40 * 1024 * 1024; // larger than any signed-chunk cap
    let seen = 0;
    dec.on('data', (c: Buffer) => (seen += c.length));
    const done = new Promise<void>((resolve, reject) => {
      dec.on('end', resolve);
      dec.on('error', reject);
    });
    dec.write(Buffer.from(size.toString(16) + '\r\n'));
    const block = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 40; i++) {
      dec.write(block);
      expect(seen).toBe((i + 1) * block.length); // passed straight through
    }
    dec.end(Buffer.from('\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'));
    await done;
    expect(dec.trailers()).toEqual({ 'x-amz-checksum-crc32': 'AAAAAA==' });
  });

  test('syntax errors', async () => {
    const cases: Array<[string, string]> = [
      ['zz\r\nabc\r\n0\r\n\r\n', 'InvalidArgument'], // bad hex
      ['3\nabc\r\n0\r\n\r\n', 'InvalidArgument'], // bare LF
      ['3\r\nabcd\r\n0\r\n\r\n', 'InvalidArgument'], // data longer than declared
      ['3\r\nabc0\r\n\r\n', 'InvalidArgument'], // missing CRLF after data
      ['3\r\nabc\r\n0\r\nno-colon-here\r\n\r\n', 'MalformedTrailerError'],
      ['3\r\nabc\r\n0\r\nbad name:x\r\n\r\n', 'MalformedTrailerError'],
      ['3\r\nabc\r\n0\r\na:1\r\na:2\r\n\r\n', 'MalformedTrailerError'],
      ['3\r\nabc\r\n0\r\n\r\nx:1\r\n\r\ngarbage', 'InvalidArgument'],
      ['3\r\nabc\r\n0\r\nconstructor:1\r\n\r\n', ''],
      ['11111111111111111\r\n', 'InvalidArgument'], // 17 hex digits
      ['1' + 'f'.repeat(15) + '\r\n', 'InvalidArgument'], // beyond 2^53
      ['3;' + 'x'.repeat(5000) + '\r\nabc\r\n0\r\n\r\n', 'InvalidArgument'], // line too long
      ['3\r\nab', 'IncompleteBody'],
      ['3\r\nabc\r', 'IncompleteBody'],
      ['', 'IncompleteBody'],
    ];
    for (const [body, code] of cases) {
      const p = readAll(feed([Buffer.from(body)]).pipe(new AwsChunkedDecoder({ trailer: true })));
      if (code) await expectError(p, code);
      else await expect(p).resolves.toEqual(Buffer.from('abc'));
    }
  });

  test('chunk extensions are ignored on unsigned chunks', async () => {
    const out = await readAll(feed([Buffer.from('3;foo=bar\r\nabc\r\n0\r\n\r\n')]).pipe(new AwsChunkedDecoder({ trailer: true })));
    expect(out.toString()).toBe('abc');
  });
});

describe('signed chunk syntax and limits', () => {
  test('signed chunks require a chunk-signature', async () => {
    const p = readAll(feed([Buffer.from('3\r\nabc\r\n0\r\n\r\n')]).pipe(new AwsChunkedDecoder(signedOpts())));
    await expectError(p, 'InvalidArgument');
  });

  test('oversized signed chunk is refused before buffering', async () => {
    const dec = new AwsChunkedDecoder(signedOpts({ maxSignedChunkSize: 1024 }));
    const p = readAll(dec);
    dec.end(Buffer.from(`801;chunk-signature=${'0'.repeat(64)}\r\n`));
    const e = await expectError(p, 'InvalidArgument');
    expect(e.message).toContain('exceeds');
  });

  test('random data, random chunk sizes, random splits round-trip', async () => {
    for (let t = 0; t < 10; t++) {
      const data = randomBytes(Math.floor(Math.random() * 200000));
      const body = encodeSigned(SEED, data, 1 + Math.floor(Math.random() * 70000));
      const out = await readAll(feed(splitRandom(body)).pipe(new AwsChunkedDecoder(signedOpts({ decodedContentLength: data.length }))));
      expect(out.equals(data)).toBe(true);
    }
  });

  test('data after the final chunk is rejected', async () => {
    const body = Buffer.concat([encodeSigned(SEED, Buffer.from('hello'), 5), Buffer.from('extra')]);
    await expectError(readAll(feed([body]).pipe(new AwsChunkedDecoder(signedOpts()))), 'InvalidArgument');
  });
});
