/**
 * The bucket policy engine (src/policy): parsing/validation and evaluation, including the
 * examples of the Amazon S3 User Guide's "Bucket policy examples" page.
 */
import { evaluatePolicy, isPublicPolicy, parsePolicy, type PolicyRequest } from '../src/policy';
import { S3Error } from '../src/errors';

const B = 'amzn-s3-demo-bucket';

function req(over: Partial<PolicyRequest> & { ctx?: PolicyRequest['context'] }): PolicyRequest {
  const { ctx, ...rest } = over;
  return {
    principal: { userId: 'alice' },
    action: 's3:GetObject',
    resource: `arn:aws:s3:::${B}/photo.jpg`,
    context: { 'aws:sourceip': '203.0.113.5', 'aws:securetransport': 'true', ...(ctx ?? {}) },
    ...rest,
  };
}

const decide = (doc: object, r: PolicyRequest): string => evaluatePolicy(parsePolicy(JSON.stringify(doc), { bucket: B }), r);

function malformed(text: string, bucket = B): string {
  try {
    parsePolicy(text, { bucket });
  } catch (e) {
    expect(e).toBeInstanceOf(S3Error);
    expect((e as S3Error).code).toBe('MalformedPolicy');
    return (e as S3Error).message;
  }
  throw new Error('expected MalformedPolicy');
}

describe('AWS documentation examples', () => {
  test('granting read-only permission to anonymous users (public read)', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [`arn:aws:s3:::${B}/*`] }],
    };
    expect(decide(doc, req({ principal: null }))).toBe('Allow');
    expect(decide(doc, req({ principal: { userId: 'bob' } }))).toBe('Allow');
    expect(decide(doc, req({ principal: null, action: 's3:PutObject' }))).toBe('NoOpinion');
    expect(decide(doc, req({ principal: null, action: 's3:ListBucket', resource: `arn:aws:s3:::${B}` }))).toBe('NoOpinion');
    expect(isPublicPolicy(parsePolicy(JSON.stringify(doc), { bucket: B }))).toBe(true);
  });

  test('restricting access to specific IP addresses (IPv4 and IPv6)', () => {
    const doc = {
      Version: '2012-10-17',
      Id: 'S3PolicyId1',
      Statement: [
        {
          Sid: 'IPAllow',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`],
          Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '2001:DB8:1234:5678::/64'] } },
        },
      ],
    };
    expect(decide(doc, req({ ctx: { 'aws:sourceip': '192.0.2.77' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ ctx: { 'aws:sourceip': '2001:db8:1234:5678::1' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ ctx: { 'aws:sourceip': '::ffff:192.0.2.9' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ ctx: { 'aws:sourceip': '198.51.100.1' } }))).toBe('Deny');
    expect(decide(doc, req({ ctx: { 'aws:sourceip': '2001:db8:1234:5679::1' } }))).toBe('Deny');
  });

  test('allow a range except one address (IpAddress + NotIpAddress in one block)', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:*',
          Resource: `arn:aws:s3:::${B}/*`,
          Condition: { IpAddress: { 'aws:SourceIp': '54.240.143.0/24' }, NotIpAddress: { 'aws:SourceIp': '54.240.143.188/32' } },
        },
      ],
    };
    expect(decide(doc, req({ ctx: { 'aws:sourceip': '54.240.143.1' } }))).toBe('Allow');
    expect(decide(doc, req({ ctx: { 'aws:sourceip': '54.240.143.188' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ ctx: { 'aws:sourceip': '54.240.144.1' } }))).toBe('NoOpinion');
    // An IP-restricted grant to everyone is not "public" (GetBucketPolicyStatus).
    expect(isPublicPolicy(parsePolicy(JSON.stringify(doc), { bucket: B }))).toBe(false);
  });

  test('managing access based on HTTP or HTTPS requests (aws:SecureTransport)', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'RestrictToTLSRequestsOnly',
          Action: 's3:*',
          Effect: 'Deny',
          Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Principal: '*',
        },
      ],
    };
    expect(decide(doc, req({ ctx: { 'aws:securetransport': 'false' } }))).toBe('Deny');
    expect(decide(doc, req({ ctx: { 'aws:securetransport': 'true' } }))).toBe('NoOpinion');
  });

  test('granting permissions to another account, with bucket-owner-full-control required', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AddCannedAcl',
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::111122223333:root', 'arn:aws:iam::444455556666:root'] },
          Action: ['s3:PutObject', 's3:PutObjectAcl'],
          Resource: `arn:aws:s3:::${B}/*`,
          Condition: { StringEquals: { 's3:x-amz-acl': ['bucket-owner-full-control'] } },
        },
      ],
    };
    const put = { action: 's3:PutObject' };
    expect(decide(doc, req({ ...put, principal: { userId: '111122223333' }, ctx: { 's3:x-amz-acl': 'bucket-owner-full-control' } }))).toBe('Allow');
    expect(decide(doc, req({ ...put, principal: { userId: '444455556666' }, ctx: { 's3:x-amz-acl': 'bucket-owner-full-control' } }))).toBe('Allow');
    expect(decide(doc, req({ ...put, principal: { userId: '111122223333' }, ctx: { 's3:x-amz-acl': 'public-read' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ ...put, principal: { userId: '111122223333' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ ...put, principal: { userId: 'mallory' }, ctx: { 's3:x-amz-acl': 'bucket-owner-full-control' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ ...put, principal: null, ctx: { 's3:x-amz-acl': 'bucket-owner-full-control' } }))).toBe('NoOpinion');
    expect(isPublicPolicy(parsePolicy(JSON.stringify(doc), { bucket: B }))).toBe(false);
  });

  test('requiring server-side encryption (deny PutObject unless the header says so)', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyObjectsThatAreNotSSEKMS',
          Principal: '*',
          Effect: 'Deny',
          Action: 's3:PutObject',
          Resource: `arn:aws:s3:::${B}/*`,
          Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' } },
        },
      ],
    };
    expect(decide(doc, req({ action: 's3:PutObject' }))).toBe('Deny');
    expect(decide(doc, req({ action: 's3:PutObject', ctx: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'k1' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ action: 's3:GetObject' }))).toBe('NoOpinion');
  });

  test('per-user home folders with ${aws:username} and s3:prefix', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: ['alice', 'bob'] },
          Action: 's3:ListBucket',
          Resource: `arn:aws:s3:::${B}`,
          Condition: { StringLike: { 's3:prefix': ['', 'home/', 'home/${aws:username}/*'] } },
        },
        { Effect: 'Allow', Principal: { AWS: ['alice', 'bob'] }, Action: 's3:*', Resource: `arn:aws:s3:::${B}/home/\${aws:username}/*` },
      ],
    };
    const alice = { principal: { userId: 'alice' }, ctx: { 'aws:username': 'alice' } };
    expect(decide(doc, req({ ...alice, resource: `arn:aws:s3:::${B}/home/alice/notes.txt`, action: 's3:PutObject' }))).toBe('Allow');
    expect(decide(doc, req({ ...alice, resource: `arn:aws:s3:::${B}/home/bob/notes.txt`, action: 's3:GetObject' }))).toBe('NoOpinion');
    const list = (prefix: string): PolicyRequest =>
      req({ principal: { userId: 'alice' }, action: 's3:ListBucket', resource: `arn:aws:s3:::${B}`, ctx: { 'aws:username': 'alice', 's3:prefix': prefix } });
    expect(decide(doc, list('home/alice/'))).toBe('Allow');
    expect(decide(doc, list(''))).toBe('Allow');
    expect(decide(doc, list('home/bob/'))).toBe('NoOpinion');
  });

  test('limit listing with s3:max-keys and s3:delimiter (Numeric / StringEquals)', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:ListBucket',
          Resource: `arn:aws:s3:::${B}`,
          Condition: { NumericLessThanEquals: { 's3:max-keys': '10' }, StringEquals: { 's3:delimiter': '/' } },
        },
      ],
    };
    const list = (ctx: PolicyRequest['context']): PolicyRequest => req({ principal: null, action: 's3:ListBucket', resource: `arn:aws:s3:::${B}`, ctx });
    expect(decide(doc, list({ 's3:max-keys': '10', 's3:delimiter': '/' }))).toBe('Allow');
    expect(decide(doc, list({ 's3:max-keys': '11', 's3:delimiter': '/' }))).toBe('NoOpinion');
    expect(decide(doc, list({ 's3:max-keys': 'abc', 's3:delimiter': '/' }))).toBe('NoOpinion');
    expect(decide(doc, list({ 's3:delimiter': '/' }))).toBe('NoOpinion');
  });

  test('object tags: s3:ExistingObjectTag and ForAllValues:StringLike on s3:RequestObjectTagKeys', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'bob' },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${B}/*`,
          Condition: { StringEquals: { 's3:ExistingObjectTag/environment': 'production' } },
        },
        {
          Effect: 'Allow',
          Principal: { AWS: 'bob' },
          Action: 's3:PutObject',
          Resource: `arn:aws:s3:::${B}/*`,
          Condition: { 'ForAllValues:StringLike': { 's3:RequestObjectTagKeys': ['Owner', 'CreationDate'] } },
        },
      ],
    };
    const bob = { userId: 'bob' };
    expect(decide(doc, req({ principal: bob, ctx: { 's3:existingobjecttag/environment': 'production' } }))).toBe('Allow');
    expect(decide(doc, req({ principal: bob, ctx: { 's3:existingobjecttag/environment': 'test' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ principal: bob, action: 's3:PutObject', ctx: { 's3:requestobjecttagkeys': ['Owner'] } }))).toBe('Allow');
    expect(decide(doc, req({ principal: bob, action: 's3:PutObject', ctx: { 's3:requestobjecttagkeys': ['Owner', 'Secret'] } }))).toBe('NoOpinion');
    // ForAllValues is vacuously true when the key is absent (no tags sent).
    expect(decide(doc, req({ principal: bob, action: 's3:PutObject' }))).toBe('Allow');
  });
});

describe('evaluation rules', () => {
  const allowAll = { Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${B}`, `arn:aws:s3:::${B}/*`] };

  test('explicit Deny beats Allow, in any order', () => {
    const deny = { Effect: 'Deny', Principal: { AWS: 'bob' }, Action: 's3:Get*', Resource: `arn:aws:s3:::${B}/*` };
    expect(decide({ Statement: [allowAll, deny] }, req({ principal: { userId: 'bob' } }))).toBe('Deny');
    expect(decide({ Statement: [deny, allowAll] }, req({ principal: { userId: 'bob' } }))).toBe('Deny');
    expect(decide({ Statement: [deny, allowAll] }, req({ principal: { userId: 'carol' } }))).toBe('Allow');
  });

  test('principal forms: account id, root ARN, user ARN, CanonicalUser; anonymous only matches *', () => {
    for (const p of ['bob', 'arn:aws:iam::bob:root', 'arn:aws:iam::bob:user/bob']) {
      const doc = { Statement: [{ ...allowAll, Principal: { AWS: p } }] };
      expect(decide(doc, req({ principal: { userId: 'bob' } }))).toBe('Allow');
      expect(decide(doc, req({ principal: { userId: 'carol' } }))).toBe('NoOpinion');
      expect(decide(doc, req({ principal: null }))).toBe('NoOpinion');
    }
    expect(decide({ Statement: [{ ...allowAll, Principal: { CanonicalUser: 'bob' } }] }, req({ principal: { userId: 'bob' } }))).toBe('Allow');
    expect(decide({ Statement: [{ ...allowAll, Principal: { AWS: '*' } }] }, req({ principal: null }))).toBe('Allow');
  });

  test('Ceph RGW user forms: arn:aws:iam:::user/NAME and arn:aws:iam::TENANT:user/NAME name user NAME', () => {
    for (const p of ['arn:aws:iam:::user/bob', 'arn:aws:iam::acme:user/bob', 'arn:aws:iam::carol:user/bob']) {
      const doc = { Statement: [{ ...allowAll, Principal: { AWS: [p] } }] };
      expect([p, decide(doc, req({ principal: { userId: 'bob' } }))]).toEqual([p, 'Allow']);
      expect([p, decide(doc, req({ principal: { userId: 'carol' } }))]).toEqual([p, 'NoOpinion']);
      expect([p, decide(doc, req({ principal: null }))]).toEqual([p, 'NoOpinion']);
    }
    expect(malformed(JSON.stringify({ Statement: [{ ...allowAll, Principal: { AWS: 'arn:aws:iam:::user/*' } }] }))).toMatch(/Invalid principal/);
    expect(malformed(JSON.stringify({ Statement: [{ ...allowAll, Principal: { AWS: 'arn:aws:iam:::root' } }] }))).toMatch(/Invalid principal/);
  });

  test('NotPrincipal: everyone except the named', () => {
    const doc = { Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: ['alice'] }, Action: 's3:*', Resource: `arn:aws:s3:::${B}/*` }] };
    expect(decide(doc, req({ principal: { userId: 'alice' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ principal: { userId: 'bob' } }))).toBe('Deny');
    expect(decide(doc, req({ principal: null }))).toBe('Deny');
  });

  test('Action/NotAction wildcards are case-insensitive; Resource/NotResource wildcards case-sensitive with ?', () => {
    const doc = { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'S3:get*', Resource: `arn:aws:s3:::${B}/img/??.jpg` }] };
    expect(decide(doc, req({ resource: `arn:aws:s3:::${B}/img/ab.jpg` }))).toBe('Allow');
    expect(decide(doc, req({ resource: `arn:aws:s3:::${B}/img/abc.jpg` }))).toBe('NoOpinion');
    expect(decide(doc, req({ resource: `arn:aws:s3:::${B}/IMG/ab.jpg` }))).toBe('NoOpinion');
    expect(decide(doc, req({ resource: `arn:aws:s3:::${B}/img/ab.jpg`, action: 's3:PutObject' }))).toBe('NoOpinion');
    const not = { Statement: [{ Effect: 'Deny', Principal: '*', NotAction: 's3:GetObject', NotResource: `arn:aws:s3:::${B}/public/*` }] };
    expect(decide(not, req({ action: 's3:PutObject', resource: `arn:aws:s3:::${B}/x` }))).toBe('Deny');
    expect(decide(not, req({ action: 's3:PutObject', resource: `arn:aws:s3:::${B}/public/x` }))).toBe('NoOpinion');
    expect(decide(not, req({ action: 's3:GetObject', resource: `arn:aws:s3:::${B}/x` }))).toBe('NoOpinion');
  });

  test('string operators, IfExists, negation with a missing key, Null', () => {
    const st = (Condition: object): object => ({ Statement: [{ ...allowAll, Condition }] });
    expect(decide(st({ StringEqualsIgnoreCase: { 's3:x-amz-acl': 'PUBLIC-READ' } }), req({ ctx: { 's3:x-amz-acl': 'public-read' } }))).toBe('Allow');
    expect(decide(st({ StringNotEquals: { 's3:x-amz-acl': ['public-read', 'public-read-write'] } }), req({ ctx: { 's3:x-amz-acl': 'public-read' } }))).toBe(
      'NoOpinion',
    );
    expect(decide(st({ StringNotEquals: { 's3:x-amz-acl': ['public-read', 'public-read-write'] } }), req({ ctx: { 's3:x-amz-acl': 'private' } }))).toBe(
      'Allow',
    );
    expect(decide(st({ StringNotEquals: { 's3:x-amz-acl': 'public-read' } }), req({}))).toBe('Allow'); // absent key: negated → true
    expect(decide(st({ StringEquals: { 's3:x-amz-acl': 'private' } }), req({}))).toBe('NoOpinion');
    expect(decide(st({ StringEqualsIfExists: { 's3:x-amz-acl': 'private' } }), req({}))).toBe('Allow');
    expect(decide(st({ StringEqualsIfExists: { 's3:x-amz-acl': 'private' } }), req({ ctx: { 's3:x-amz-acl': 'public-read' } }))).toBe('NoOpinion');
    expect(decide(st({ StringNotLike: { 's3:prefix': 'secret/*' } }), req({ ctx: { 's3:prefix': 'secret/a' } }))).toBe('NoOpinion');
    expect(decide(st({ Null: { 's3:VersionId': 'false' } }), req({ ctx: { 's3:versionid': 'v1' } }))).toBe('Allow');
    expect(decide(st({ Null: { 's3:VersionId': 'false' } }), req({}))).toBe('NoOpinion');
    // condition key names are case-insensitive
    expect(decide(st({ StringEquals: { 'AWS:UserName': 'alice' } }), req({ ctx: { 'aws:username': 'alice' } }))).toBe('Allow');
  });

  test('date, epoch, numeric, bool and ARN operators', () => {
    const st = (Condition: object): object => ({ Statement: [{ ...allowAll, Condition }] });
    const now = { 'aws:currenttime': '2026-06-01T12:00:00Z', 'aws:epochtime': '1780315200' };
    expect(decide(st({ DateLessThan: { 'aws:CurrentTime': '2026-12-31T00:00:00Z' } }), req({ ctx: now }))).toBe('Allow');
    expect(decide(st({ DateGreaterThan: { 'aws:CurrentTime': '2026-12-31T00:00:00Z' } }), req({ ctx: now }))).toBe('NoOpinion');
    expect(decide(st({ DateGreaterThanEquals: { 'aws:EpochTime': '2026-06-01T12:00:00Z' } }), req({ ctx: now }))).toBe('Allow');
    expect(decide(st({ NumericGreaterThan: { 's3:max-keys': '5' } }), req({ ctx: { 's3:max-keys': '6' } }))).toBe('Allow');
    expect(decide(st({ NumericNotEquals: { 's3:max-keys': ['5', '6'] } }), req({ ctx: { 's3:max-keys': '6' } }))).toBe('NoOpinion');
    expect(decide(st({ Bool: { 'aws:SecureTransport': true } }), req({}))).toBe('Allow');
    expect(decide(st({ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::logs-*' } }), req({ ctx: { 'aws:sourcearn': 'arn:aws:s3:::logs-2026' } }))).toBe('Allow');
    expect(decide(st({ ArnNotEquals: { 'aws:SourceArn': 'arn:aws:s3:::logs' } }), req({ ctx: { 'aws:sourcearn': 'arn:aws:s3:::logs' } }))).toBe('NoOpinion');
    expect(decide(st({ 'ForAnyValue:StringEquals': { 's3:requestobjecttagkeys': ['a', 'b'] } }), req({ ctx: { 's3:requestobjecttagkeys': ['z', 'b'] } }))).toBe(
      'Allow',
    );
    expect(decide(st({ 'ForAnyValue:StringEquals': { 's3:requestobjecttagkeys': ['a'] } }), req({}))).toBe('NoOpinion');
  });

  test('several keys AND, several values OR', () => {
    const doc = { Statement: [{ ...allowAll, Condition: { StringEquals: { 's3:prefix': ['a/', 'b/'], 's3:delimiter': '/' } } }] };
    expect(decide(doc, req({ ctx: { 's3:prefix': 'b/', 's3:delimiter': '/' } }))).toBe('Allow');
    expect(decide(doc, req({ ctx: { 's3:prefix': 'b/', 's3:delimiter': '-' } }))).toBe('NoOpinion');
  });

  test('policy variables resolve literally; an unknown variable never matches', () => {
    const doc = { Statement: [{ ...allowAll, Resource: `arn:aws:s3:::${B}/\${aws:username}/*` }] };
    expect(decide(doc, req({ resource: `arn:aws:s3:::${B}/a*/x`, ctx: { 'aws:username': 'a*' } }))).toBe('Allow');
    expect(decide(doc, req({ resource: `arn:aws:s3:::${B}/ab/x`, ctx: { 'aws:username': 'a*' } }))).toBe('NoOpinion');
    expect(decide(doc, req({ resource: `arn:aws:s3:::${B}/ab/x` }))).toBe('NoOpinion');
  });
});

describe('validation → MalformedPolicy with a useful message', () => {
  const good = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}/*` };
  test.each([
    ['not json', '{"Statement": [', /invalid Json/],
    ['not an object', '[]', /first byte/],
    ['empty', '', /valid JSON/],
    ['no Statement', '{"Version":"2012-10-17"}', /Missing required field Statement/],
    ['bad version', JSON.stringify({ Version: '2020-01-01', Statement: [good] }), /version/],
    ['unknown field', JSON.stringify({ Statement: [{ ...good, Foo: 1 }] }), /Unknown field Foo/],
    ['bad effect', JSON.stringify({ Statement: [{ ...good, Effect: 'Maybe' }] }), /Invalid effect: Maybe/],
    ['no principal', JSON.stringify({ Statement: [{ ...good, Principal: undefined }] }), /Missing required field Principal/],
    ['bad principal', JSON.stringify({ Statement: [{ ...good, Principal: { AWS: 'arn:aws:iam::x:bogus' } }] }), /Invalid principal/],
    ['unknown action', JSON.stringify({ Statement: [{ ...good, Action: 's3:GetObjectz' }] }), /invalid action/],
    ['other service', JSON.stringify({ Statement: [{ ...good, Action: 'ec2:RunInstances' }] }), /invalid action/],
    ['no action', JSON.stringify({ Statement: [{ ...good, Action: undefined }] }), /Missing required field Action/],
    ['other bucket', JSON.stringify({ Statement: [{ ...good, Resource: 'arn:aws:s3:::other/*' }] }), /invalid resource/],
    ['not an s3 arn', JSON.stringify({ Statement: [{ ...good, Resource: 'arn:aws:sqs:::x' }] }), /invalid resource/],
    [
      'bad operator',
      JSON.stringify({ Statement: [{ ...good, Condition: { StringEqualz: { 'aws:username': 'a' } } }] }),
      /Invalid Condition type : StringEqualz/,
    ],
    ['bad key', JSON.stringify({ Statement: [{ ...good, Condition: { StringEquals: { username: 'a' } } }] }), /invalid condition key/],
    ['bad cidr', JSON.stringify({ Statement: [{ ...good, Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4/40' } } }] }), /CIDR/],
    [
      'duplicate sid',
      JSON.stringify({
        Statement: [
          { ...good, Sid: 'a' },
          { ...good, Sid: 'a' },
        ],
      }),
      /unique/,
    ],
    ['both Action and NotAction', JSON.stringify({ Statement: [{ ...good, NotAction: 's3:PutObject' }] }), /both Action and NotAction/],
  ])('%s', (_name, text, message) => {
    expect(malformed(text)).toMatch(message);
  });

  test('size limit', () => {
    const big = JSON.stringify({ Statement: [{ ...good, Sid: 'x'.repeat(21 * 1024) }] });
    expect(malformed(big)).toMatch(/maximum/);
  });

  test('valid forms parse: single statement object, wildcard bucket resource, numbers/bools as values', () => {
    const p = parsePolicy(
      JSON.stringify({
        Statement: { ...good, Resource: 'arn:aws:s3:::amzn-*', Condition: { Bool: { 'aws:SecureTransport': false }, NumericLessThan: { 's3:max-keys': 5 } } },
      }),
      { bucket: B },
    );
    expect(p.statements[0].condition).toEqual({ Bool: { 'aws:SecureTransport': ['false'] }, NumericLessThan: { 's3:max-keys': ['5'] } });
  });
});
