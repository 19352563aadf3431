/**
 * THE permission matrix: principals (bucket owner / another account / anonymous) × bucket setups
 * × operations, every cell asserted against the outcome S3 documents:
 *
 * - ACL permission mapping ("Access control list (ACL) overview" → "Mapping of ACL permissions
 *   and access policy permissions"): bucket READ = list; bucket WRITE = put/delete objects;
 *   object READ = GET/HEAD; READ_ACP / WRITE_ACP = Get/PutObjectAcl; FULL_CONTROL = all. A
 *   canned public-read grants AllUsers READ; public-read-write READ + WRITE (no *_ACP).
 * - Policy evaluation: explicit Deny overrides every Allow — including the bucket owner's
 *   implicit rights; an Allow from the policy OR the ACL grants access; otherwise implicit deny.
 * - Block Public Access: IgnorePublicAcls makes AllUsers/AuthenticatedUsers grants ineffective,
 *   RestrictPublicBuckets limits a public policy to the owner's account, BlockPublicAcls refuses
 *   PUTs that carry a public ACL (here: the owner re-putting the object's public-read-write ACL).
 *
 * Anonymous cells are unsigned HTTP requests (like curl). Each setup is its own bucket holding
 * `obj.txt` and `victim.txt` written by the owner with the setup's object ACL.
 */
import {
  CreateBucketCommand,
  GetObjectAclCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type ObjectCannedACL,
  type BucketCannedACL,
} from '@aws-sdk/client-s3';
import { rawRequest, type RawResponse } from './helpers/rawRequest';
import { startTestServer, type TestServer } from './helpers/server';

type Principal = 'owner' | 'other' | 'anonymous';
type Op = 'list' | 'get' | 'head' | 'put' | 'delete' | 'get-acl' | 'put-acl';
type Setup = 'private' | 'public-read' | 'public-read-write' | 'explicit-grant' | 'policy-allow' | 'policy-deny' | 'public-access-block';
type Outcome = 'ok' | 'denied';

const PRINCIPALS: Principal[] = ['owner', 'other', 'anonymous'];
const OPS: Op[] = ['list', 'get', 'head', 'put', 'delete', 'get-acl', 'put-acl'];

const Y: Outcome = 'ok';
const N: Outcome = 'denied';

/** Expected outcomes, in OPS order: list, get, head, put, delete, get-acl, put-acl. */
const EXPECTED: Record<Setup, Record<Principal, Outcome[]>> = {
  // Default ACLs: only the owner.
  private: {
    owner: [Y, Y, Y, Y, Y, Y, Y],
    other: [N, N, N, N, N, N, N],
    anonymous: [N, N, N, N, N, N, N],
  },
  // Bucket AllUsers READ (list), object AllUsers READ (get/head); no WRITE, no *_ACP.
  'public-read': {
    owner: [Y, Y, Y, Y, Y, Y, Y],
    other: [Y, Y, Y, N, N, N, N],
    anonymous: [Y, Y, Y, N, N, N, N],
  },
  // Bucket AllUsers READ + WRITE (list, put, delete), object AllUsers READ; still no *_ACP.
  'public-read-write': {
    owner: [Y, Y, Y, Y, Y, Y, Y],
    other: [Y, Y, Y, Y, Y, N, N],
    anonymous: [Y, Y, Y, Y, Y, N, N],
  },
  // Bucket: READ + WRITE to the other account; object: READ + READ_ACP to it (not WRITE_ACP).
  'explicit-grant': {
    owner: [Y, Y, Y, Y, Y, Y, Y],
    other: [Y, Y, Y, Y, Y, Y, N],
    anonymous: [N, N, N, N, N, N, N],
  },
  // Policy: "*" may ListBucket + GetObject; the other account also PutObject, DeleteObject, GetObjectAcl.
  'policy-allow': {
    owner: [Y, Y, Y, Y, Y, Y, Y],
    other: [Y, Y, Y, Y, Y, Y, N],
    anonymous: [Y, Y, Y, N, N, N, N],
  },
  // Public-read-write ACLs, but the policy denies "*" PutObject + DeleteObject (the owner too)
  // and denies the other account GetObject (HEAD is GetObject too).
  'policy-deny': {
    owner: [Y, Y, Y, N, N, Y, Y],
    other: [Y, N, N, N, N, N, N],
    anonymous: [Y, Y, Y, N, N, N, N],
  },
  // Public-read-write ACLs and a public policy, neutralised by all four Block Public Access
  // settings; the owner's re-put of the public object ACL is refused by BlockPublicAcls.
  'public-access-block': {
    owner: [Y, Y, Y, Y, Y, Y, N],
    other: [N, N, N, N, N, N, N],
    anonymous: [N, N, N, N, N, N, N],
  },
};

const SETUPS = Object.keys(EXPECTED) as Setup[];

const OWNER = {
  id: 'owner',
  displayName: 'Owner',
  email: 'owner@example.com',
  accessKeyId: 'OWNERKEY000000000001',
  secretAccessKey: 'owner-secret-000000000000000000000000001',
};
const OTHER = {
  id: 'other',
  displayName: 'Other',
  email: 'other@example.com',
  accessKeyId: 'OTHERKEY000000000001',
  secretAccessKey: 'other-secret-000000000000000000000000001',
};

let ts: TestServer;
/** The object ACL document of each setup's obj.txt, as GetObjectAcl returned it to the owner. */
const aclXml = new Map<Setup, string>();

const bucketOf = (s: Setup): string => `matrix-${s}`;

function send(p: Principal, o: Parameters<typeof rawRequest>[1]): Promise<RawResponse> {
  if (p === 'anonymous') return rawRequest(ts.endpoint, { ...o, auth: 'none' });
  const creds = p === 'owner' ? OWNER : OTHER;
  return rawRequest(ts.endpoint, { ...o, accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey });
}

function perform(setup: Setup, p: Principal, op: Op): Promise<RawResponse> {
  const b = bucketOf(setup);
  switch (op) {
    case 'list':
      return send(p, { method: 'GET', path: `/${b}`, query: { 'list-type': '2' } });
    case 'get':
      return send(p, { method: 'GET', path: `/${b}/obj.txt` });
    case 'head':
      return send(p, { method: 'HEAD', path: `/${b}/obj.txt` });
    case 'put':
      return send(p, { method: 'PUT', path: `/${b}/put-by-${p}.txt`, body: `written by ${p}` });
    case 'delete':
      return send(p, { method: 'DELETE', path: `/${b}/victim.txt` });
    case 'get-acl':
      return send(p, { method: 'GET', path: `/${b}/obj.txt`, query: 'acl' });
    case 'put-acl':
      // Re-puts the object's current ACL, so a successful cell leaves the setup unchanged.
      return send(p, { method: 'PUT', path: `/${b}/obj.txt`, query: 'acl', body: aclXml.get(setup)!, headers: { 'content-type': 'application/xml' } });
  }
}

const ownerClient = () => ts.client({ accessKeyId: OWNER.accessKeyId, secretAccessKey: OWNER.secretAccessKey });

async function prepare(setup: Setup): Promise<void> {
  const s3 = ownerClient();
  const Bucket = bucketOf(setup);
  const cannedBucket: Partial<Record<Setup, BucketCannedACL>> = {
    'public-read': 'public-read',
    'public-read-write': 'public-read-write',
    'policy-deny': 'public-read-write',
    'public-access-block': 'public-read-write',
  };
  const cannedObject: Partial<Record<Setup, ObjectCannedACL>> = {
    'public-read': 'public-read',
    'public-read-write': 'public-read-write',
    'policy-deny': 'public-read-write',
    'public-access-block': 'public-read-write',
  };
  if (setup === 'explicit-grant') {
    await s3.send(new CreateBucketCommand({ Bucket, GrantRead: `id="${OTHER.id}"`, GrantWrite: `id="${OTHER.id}"` }));
  } else {
    await s3.send(new CreateBucketCommand({ Bucket, ACL: cannedBucket[setup] }));
  }
  for (const Key of ['obj.txt', 'victim.txt']) {
    if (setup === 'explicit-grant') {
      // Explicit grants replace the default ACL entirely (the owner keeps only READ_ACP/WRITE_ACP),
      // so the owner grants itself FULL_CONTROL, as S3 users must. The grantee given by email
      // resolves to the same account as by id.
      await s3.send(
        new PutObjectCommand({
          Bucket,
          Key,
          Body: 'content',
          GrantFullControl: `id="${OWNER.id}"`,
          GrantRead: `emailAddress="${OTHER.email}"`,
          GrantReadACP: `id="${OTHER.id}"`,
        }),
      );
    } else {
      await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'content', ACL: cannedObject[setup] }));
    }
  }
  const arn = `arn:aws:s3:::${Bucket}`;
  if (setup === 'policy-allow') {
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'PublicList', Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: arn },
            { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${arn}/*` },
            {
              Sid: 'OtherWrites',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${OTHER.id}:root` },
              Action: ['s3:PutObject', 's3:DeleteObject', 's3:GetObjectAcl'],
              Resource: `${arn}/*`,
            },
          ],
        }),
      }),
    );
  }
  if (setup === 'policy-deny') {
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'NoWrites', Effect: 'Deny', Principal: '*', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `${arn}/*` },
            { Sid: 'NotOther', Effect: 'Deny', Principal: { AWS: OTHER.id }, Action: 's3:GetObject', Resource: `${arn}/*` },
          ],
        }),
      }),
    );
  }
  if (setup === 'public-access-block') {
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket,
        Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [arn, `${arn}/*`] }] }),
      }),
    );
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      }),
    );
  }
  // The document put-acl cells send back.
  const got = await rawRequest(ts.endpoint, {
    method: 'GET',
    path: `/${Bucket}/obj.txt`,
    query: 'acl',
    accessKeyId: OWNER.accessKeyId,
    secretAccessKey: OWNER.secretAccessKey,
  });
  expect(got.status).toBe(200);
  aclXml.set(setup, got.body);
  // sanity: the SDK reads the same ACL
  const sdk = await s3.send(new GetObjectAclCommand({ Bucket, Key: 'obj.txt' }));
  expect(sdk.Owner?.ID).toBe(OWNER.id);
}

beforeAll(async () => {
  ts = await startTestServer({ users: [OWNER, OTHER] });
  for (const s of SETUPS) await prepare(s);
});
afterAll(async () => ts?.stop());

const OK_STATUS: Record<Op, number> = { list: 200, get: 200, head: 200, put: 200, delete: 204, 'get-acl': 200, 'put-acl': 200 };

const CELLS: [Setup, Principal, Op, Outcome][] = SETUPS.flatMap((s) =>
  PRINCIPALS.flatMap((p) => OPS.map((op, i): [Setup, Principal, Op, Outcome] => [s, p, op, EXPECTED[s][p][i]])),
);

test('the matrix has 7 setups × 3 principals × 7 operations = 147 cells', () => {
  expect(CELLS).toHaveLength(147);
});

describe.each(SETUPS)('%s', (setup) => {
  test.each(CELLS.filter((c) => c[0] === setup).map((c) => [c[1], c[2], c[3]] as const))('%s %s → %s', async (principal, op, outcome) => {
    const res = await perform(setup, principal, op);
    if (outcome === 'ok') {
      if (res.status !== OK_STATUS[op]) throw new Error(`${setup}/${principal}/${op}: expected ${OK_STATUS[op]}, got ${res.status} ${res.body}`);
    } else {
      expect(res.status).toBe(403);
      if (op !== 'head') expect(res.body).toContain('<Code>AccessDenied</Code>');
    }
  });
});
