/**
 * boto3, unchanged, against versioned buckets: ListObjectVersions paging through boto3's own
 * paginator (KeyMarker / VersionIdMarker round trips), delete markers, GET by version, tagging,
 * Object Lock. The Python script prints one JSON report; assertions are made here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server';
import { cleanEnv, probeVersion, requireClient, run, which } from './clientEnv';

function findPython(): string | undefined {
  for (const path of [process.env.CAIRN_PYTHON, which('python3'), '/usr/bin/python3'].filter((p): p is string => !!p)) {
    if (probeVersion(path, ['-c', 'import boto3; print(boto3.__version__)'])) return path;
  }
  return undefined;
}

const PY = findPython();
jest.setTimeout(240_000);

const SCRIPT = String.raw`
import json, os
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client("s3", endpoint_url=os.environ["CAIRN_ENDPOINT"], region_name="us-east-1",
    aws_access_key_id=os.environ["CAIRN_KEY"], aws_secret_access_key=os.environ["CAIRN_SECRET"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
b = "boto-versions"
r = {}
s3.create_bucket(Bucket=b)
s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
r["status"] = s3.get_bucket_versioning(Bucket=b).get("Status")
ids = {}
for k in ["a", "b/x", "b/y", "c"]:
    ids[k] = [s3.put_object(Bucket=b, Key=k, Body=("%s-%d" % (k, i)).encode())["VersionId"] for i in range(5)]
r["marker"] = s3.delete_object(Bucket=b, Key="c")
r["marker"] = {"DeleteMarker": r["marker"].get("DeleteMarker"), "VersionId": r["marker"].get("VersionId")}
pages = []
for page in s3.get_paginator("list_object_versions").paginate(Bucket=b, PaginationConfig={"PageSize": 3}):
    pages.append({"versions": [(v["Key"], v["VersionId"], v["IsLatest"]) for v in page.get("Versions", [])],
                  "markers": [(m["Key"], m["VersionId"], m["IsLatest"]) for m in page.get("DeleteMarkers", [])],
                  "truncated": page["IsTruncated"]})
r["pages"] = pages
r["ids"] = ids
r["old"] = s3.get_object(Bucket=b, Key="a", VersionId=ids["a"][0])["Body"].read().decode()
try:
    s3.get_object(Bucket=b, Key="c")
    r["deleted_get"] = None
except ClientError as e:
    r["deleted_get"] = e.response["Error"]["Code"]
delim = s3.list_object_versions(Bucket=b, Delimiter="/")
r["prefixes"] = [p["Prefix"] for p in delim.get("CommonPrefixes", [])]
s3.put_object_tagging(Bucket=b, Key="a", VersionId=ids["a"][1], Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
r["tags"] = s3.get_object_tagging(Bucket=b, Key="a", VersionId=ids["a"][1])["TagSet"]
lb = "boto-lock"
s3.create_bucket(Bucket=lb, ObjectLockEnabledForBucket=True)
s3.put_object_lock_configuration(Bucket=lb, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
v = s3.put_object(Bucket=lb, Key="k", Body=b"x")["VersionId"]
r["retention"] = s3.get_object_retention(Bucket=lb, Key="k", VersionId=v)["Retention"]["Mode"]
try:
    s3.delete_object(Bucket=lb, Key="k", VersionId=v)
    r["locked_delete"] = None
except ClientError as e:
    r["locked_delete"] = e.response["Error"]["Code"]
s3.delete_object(Bucket=lb, Key="k", VersionId=v, BypassGovernanceRetention=True)
print(json.dumps(r))
`;

let ts: TestServer;
let work: string;

if (requireClient('boto3 (python3 -c "import boto3")', !!PY, 'Debian: apt-get install python3-boto3; or pip install boto3')) {
  beforeAll(async () => {
    ts = await startTestServer();
    work = mkdtempSync(join(tmpdir(), 'cairn-boto3v-'));
  });
  afterAll(async () => {
    await ts?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('boto3: versioning, ListObjectVersions paginator, tagging and Object Lock', async () => {
    const script = join(work, 'versions.py');
    writeFileSync(script, SCRIPT);
    const env = cleanEnv({ CAIRN_ENDPOINT: ts.endpoint, CAIRN_KEY: ts.accessKeyId, CAIRN_SECRET: ts.secretAccessKey });
    const res = await run(PY!, [script], { env, cwd: work, timeoutMs: 200_000 });
    if (res.code !== 0) throw new Error(`boto3 script failed: ${res.stderr}`);
    const r = JSON.parse(res.stdout.trim().split('\n').pop()!);
    expect(r.status).toBe('Enabled');
    expect(r.marker.DeleteMarker).toBe(true);
    // 20 versions + 1 marker over pages of at most 3 entries, every page but the last truncated.
    const entries = r.pages.flatMap((p: { versions: unknown[]; markers: unknown[] }) => [...p.versions, ...p.markers]) as [string, string, boolean][];
    for (const p of r.pages) expect(p.versions.length + p.markers.length).toBeLessThanOrEqual(3);
    expect(r.pages.length).toBe(7);
    expect(r.pages.slice(0, -1).every((p: { truncated: boolean }) => p.truncated)).toBe(true);
    expect(entries).toHaveLength(21);
    expect(new Set(entries.map((e) => `${e[0]}@${e[1]}`)).size).toBe(21);
    const ids = r.ids as Record<string, string[]>;
    for (const [k, vs] of Object.entries(ids)) {
      const listed = entries.filter((e) => e[0] === k && e[1] !== r.marker.VersionId).map((e) => e[1]);
      expect(listed).toEqual([...vs].reverse()); // newest first
    }
    expect(
      entries
        .filter((e) => e[2])
        .map((e) => e[0])
        .sort(),
    ).toEqual(['a', 'b/x', 'b/y', 'c']);
    expect(r.old).toBe('a-0');
    expect(r.deleted_get).toBe('NoSuchKey');
    expect(r.prefixes).toEqual(['b/']);
    expect(r.tags).toEqual([{ Key: 'k', Value: 'v' }]);
    expect(r.retention).toBe('GOVERNANCE');
    expect(r.locked_delete).toBe('AccessDenied');
  });
}
