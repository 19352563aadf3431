import { amzDate, canonicalPath, canonicalQuery, EMPTY_SHA256, SigV4Signer, uriEncode } from '../src/sigv4';

describe('SigV4 signer', () => {
  // AWS documentation example: "GET Object" (Signature Calculations for the Authorization Header)
  it('matches the AWS GET Object example', () => {
    const s = new SigV4Signer('AKIAIOSFODNN7EXAMPLE', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'us-east-1');
    const auth = s.authorization({
      method: 'GET',
      path: '/test.txt',
      query: '',
      headers: {
        host: 'examplebucket.s3.amazonaws.com',
        range: 'bytes=0-9',
        'x-amz-content-sha256': EMPTY_SHA256,
        'x-amz-date': '20130524T000000Z',
      },
    });
    expect(auth).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('caches the signing key per day', () => {
    const s = new SigV4Signer('AK', 'SECRET');
    const a = s.signingKey('20240101');
    expect(s.signingKey('20240101')).toBe(a);
    expect(s.signingKey('20240102')).not.toEqual(a);
  });

  it('builds canonical paths and queries', () => {
    expect(canonicalPath('b', 'a b/c+d~e*')).toBe('/b/a%20b/c%2Bd~e%2A');
    expect(canonicalPath('b')).toBe('/b');
    expect(
      canonicalQuery([
        ['uploadId', 'x/y='],
        ['partNumber', '2'],
      ]),
    ).toBe('partNumber=2&uploadId=x%2Fy%3D');
    expect(canonicalQuery([['uploads', '']])).toBe('uploads=');
    expect(uriEncode("!'()")).toBe('%21%27%28%29');
    expect(amzDate(new Date(Date.UTC(2013, 4, 24, 0, 0, 0, 123)))).toBe('20130524T000000Z');
  });
});
