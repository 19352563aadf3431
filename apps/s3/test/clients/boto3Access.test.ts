/**
 * Access control through boto3, unchanged: two accounts and an anonymous (UNSIGNED) client
 * against the real server — canned and explicit ACLs (put/get bucket and object ACLs,
 * AccessControlPolicy bodies, email grantees), bucket policies and their status, Block Public
 * Access, ownership controls, and the S3 error codes boto3 surfaces.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server';
import { cleanEnv, probeVersion, requireClient, run, which } from './clientEnv';

function findPython(): { path: string; version: string } | undefined {
  const candidates = [process.env.CAIRN_PYTHON, which('python3'), '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const path of candidates) {
    const version = probeVersion(path, ['-c', 'import boto3; print("boto3", boto3.__version__)']);
    if (version) return { path, version };
  }
  return undefined;
}

const PY = findPython();
jest.setTimeout(180_000);

const OWNER = {
  id: 'owner',
  displayName: 'Owner',
  email: 'owner@example.com',
  accessKeyId: 'B3OWNERKEY0000000001',
  secretAccessKey: 'b3-owner-secret-00000000000000000000001',
};
const OTHER = {
  id: 'other',
  displayName: 'Other',
  email: 'other@example.com',
  accessKeyId: 'B3OTHERKEY0000000001',
  secretAccessKey: 'b3-other-secret-00000000000000000000001',
};

const SCRIPT = String.raw`
import json, os
import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = os.environ["CAIRN_ENDPOINT"]
def client(key=None, secret=None):
    cfg = Config(signature_version=UNSIGNED if key is None else "s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key or "x", aws_secret_access_key=secret or "x", config=cfg)

owner = client(os.environ["OWNER_KEY"], os.environ["OWNER_SECRET"])
other = client(os.environ["OTHER_KEY"], os.environ["OTHER_SECRET"])
anon = client()
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
r = {"errors": {}}

def code(fn):
    try:
        fn()
        return "ok"
    except ClientError as e:
        return e.response["Error"].get("Code") or str(e.response["ResponseMetadata"]["HTTPStatusCode"])

def section(name, fn):
    try:
        fn()
    except Exception as e:  # noqa
        import traceback
        r["errors"][name] = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=3))

def grants(acl):
    out = []
    for g in acl["Grants"]:
        ge = g["Grantee"]
        out.append([ge.get("ID") or ge.get("URI"), g["Permission"]])
    return out

def acls():
    b = "b3-acl"
    owner.create_bucket(Bucket=b, ACL="public-read")
    r["bucket_acl"] = grants(owner.get_bucket_acl(Bucket=b))
    owner.put_object(Bucket=b, Key="pub.txt", Body=b"public", ACL="public-read")
    owner.put_object(Bucket=b, Key="priv.txt", Body=b"private")
    r["anon_list"] = sorted(o["Key"] for o in anon.list_objects_v2(Bucket=b).get("Contents", []))
    r["anon_get_pub"] = anon.get_object(Bucket=b, Key="pub.txt")["Body"].read().decode()
    r["anon_get_priv"] = code(lambda: anon.get_object(Bucket=b, Key="priv.txt"))
    r["other_get_priv"] = code(lambda: other.get_object(Bucket=b, Key="priv.txt"))
    owner.put_object_acl(Bucket=b, Key="priv.txt", GrantRead='emailAddress="other@example.com"', GrantFullControl='id="owner"')
    r["other_get_priv_granted"] = other.get_object(Bucket=b, Key="priv.txt")["Body"].read().decode()
    r["object_acl"] = grants(owner.get_object_acl(Bucket=b, Key="priv.txt"))
    acl = owner.get_object_acl(Bucket=b, Key="priv.txt")
    acl["Grants"].append({"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"})
    owner.put_object_acl(Bucket=b, Key="priv.txt", AccessControlPolicy={"Owner": acl["Owner"], "Grants": acl["Grants"]})
    r["anon_get_priv_after_body"] = anon.get_object(Bucket=b, Key="priv.txt")["Body"].read().decode()
    r["unresolvable"] = code(lambda: owner.put_object_acl(Bucket=b, Key="priv.txt", GrantRead='emailAddress="nobody@example.com"'))
    r["other_put_acl"] = code(lambda: other.put_object_acl(Bucket=b, Key="priv.txt", ACL="private"))
    r["anon_put"] = code(lambda: anon.put_object(Bucket=b, Key="x", Body=b"x"))
    owner.put_bucket_acl(Bucket=b, ACL="private")
    r["anon_list_after_private"] = code(lambda: anon.list_objects_v2(Bucket=b))

def policies():
    b = "b3-policy"
    owner.create_bucket(Bucket=b)
    owner.put_object(Bucket=b, Key="a.txt", Body=b"a")
    r["no_policy"] = code(lambda: owner.get_bucket_policy(Bucket=b))
    pol = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::%s/*" % b]},
        {"Sid": "OtherList", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::other:root"]}, "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::%s" % b},
    ]})
    owner.put_bucket_policy(Bucket=b, Policy=pol)
    r["policy_roundtrip"] = owner.get_bucket_policy(Bucket=b)["Policy"] == pol
    r["policy_status"] = owner.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"]
    r["anon_get"] = anon.get_object(Bucket=b, Key="a.txt")["Body"].read().decode()
    r["anon_list_policy"] = code(lambda: anon.list_objects_v2(Bucket=b))
    r["other_list"] = [o["Key"] for o in other.list_objects_v2(Bucket=b).get("Contents", [])]
    r["malformed"] = code(lambda: owner.put_bucket_policy(Bucket=b, Policy='{"Statement": "nope"}'))
    owner.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    r["pab"] = owner.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
    r["anon_get_blocked"] = code(lambda: anon.get_object(Bucket=b, Key="a.txt"))
    r["other_list_blocked"] = code(lambda: other.list_objects_v2(Bucket=b))
    r["public_acl_blocked"] = code(lambda: owner.put_object(Bucket=b, Key="p", Body=b"p", ACL="public-read"))
    r["public_policy_blocked"] = code(lambda: owner.put_bucket_policy(Bucket=b, Policy=pol))
    owner.delete_public_access_block(Bucket=b)
    r["pab_deleted"] = code(lambda: owner.get_public_access_block(Bucket=b))
    owner.delete_bucket_policy(Bucket=b)
    r["anon_get_after_delete"] = code(lambda: anon.get_object(Bucket=b, Key="a.txt"))

def ownership():
    b = "b3-ownership"
    owner.create_bucket(Bucket=b, ObjectOwnership="BucketOwnerEnforced")
    r["ownership"] = owner.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
    r["acl_disabled"] = code(lambda: owner.put_bucket_acl(Bucket=b, ACL="public-read"))

section("acls", acls)
section("policies", policies)
section("ownership", ownership)
print("CAIRN-REPORT " + json.dumps(r))
`;

let ts: TestServer;
let work: string;
let report: any;

if (requireClient('boto3 (python3 -c "import boto3")', !!PY, 'Debian: apt-get install python3-boto3; or pip install boto3')) {
  beforeAll(async () => {
    ts = await startTestServer({ users: [OWNER, OTHER] });
    work = mkdtempSync(join(tmpdir(), 'cairn-boto3-access-'));
    const script = join(work, 'access.py');
    writeFileSync(script, SCRIPT);
    const env = cleanEnv({
      AWS_CONFIG_FILE: join(work, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      CAIRN_ENDPOINT: ts.endpoint,
      OWNER_KEY: OWNER.accessKeyId,
      OWNER_SECRET: OWNER.secretAccessKey,
      OTHER_KEY: OTHER.accessKeyId,
      OTHER_SECRET: OTHER.secretAccessKey,
      PYTHONIOENCODING: 'utf-8',
    });
    const r = await run(PY!.path, [script], { env, cwd: work, timeoutMs: 150_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('CAIRN-REPORT '));
    if (r.code !== 0 || !line) throw new Error(`boto3 script failed (exit ${r.code})\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    report = JSON.parse(line.slice('CAIRN-REPORT '.length));
  }, 170_000);

  afterAll(async () => {
    await ts?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const sectionOk = (name: string) => expect({ section: name, error: report.errors[name] }).toEqual({ section: name, error: undefined });
  const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

  describe(`boto3 access control (${PY?.version})`, () => {
    test('ACLs: canned, grant headers (email), AccessControlPolicy bodies; anonymous reads; error codes', () => {
      sectionOk('acls');
      expect(report.bucket_acl).toEqual([
        ['owner', 'FULL_CONTROL'],
        [ALL_USERS, 'READ'],
      ]);
      expect(report.anon_list).toEqual(['priv.txt', 'pub.txt']);
      expect(report.anon_get_pub).toBe('public');
      expect(report.anon_get_priv).toBe('AccessDenied');
      expect(report.other_get_priv).toBe('AccessDenied');
      expect(report.other_get_priv_granted).toBe('private');
      expect(report.object_acl).toEqual([
        ['owner', 'FULL_CONTROL'],
        ['other', 'READ'],
      ]);
      expect(report.anon_get_priv_after_body).toBe('private');
      expect(report.unresolvable).toBe('UnresolvableGrantByEmailAddress');
      expect(report.other_put_acl).toBe('AccessDenied');
      expect(report.anon_put).toBe('AccessDenied');
      expect(report.anon_list_after_private).toBe('AccessDenied');
    });

    test('bucket policies, policy status, Block Public Access', () => {
      sectionOk('policies');
      expect(report.no_policy).toBe('NoSuchBucketPolicy');
      expect(report.policy_roundtrip).toBe(true);
      expect(report.policy_status).toBe(true);
      expect(report.anon_get).toBe('a');
      expect(report.anon_list_policy).toBe('AccessDenied');
      expect(report.other_list).toEqual(['a.txt']);
      expect(report.malformed).toBe('MalformedPolicy');
      expect(report.pab).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
      expect(report.anon_get_blocked).toBe('AccessDenied');
      expect(report.other_list_blocked).toBe('AccessDenied');
      expect(report.public_acl_blocked).toBe('AccessDenied');
      expect(report.public_policy_blocked).toBe('AccessDenied');
      expect(report.pab_deleted).toBe('NoSuchPublicAccessBlockConfiguration');
      expect(report.anon_get_after_delete).toBe('AccessDenied');
    });

    test('ownership controls: BucketOwnerEnforced disables ACLs', () => {
      sectionOk('ownership');
      expect(report.ownership).toBe('BucketOwnerEnforced');
      expect(report.acl_disabled).toBe('AccessControlListNotSupported');
    });
  });
}
