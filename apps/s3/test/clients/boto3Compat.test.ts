/**
 * boto3, unchanged, on two behaviours botocore decodes or models itself: listings under the
 * encoding-type=url boto3 sets on its own (keys with spaces and '+' must round-trip through
 * botocore's unquote_plus, across paginator pages of v1, v2 and versions), and
 * GetObjectAttributes (botocore's parser for the document and its headers).
 * The Python script prints one JSON report; assertions are made here.
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

const KEYS = ['dir one/a b', 'dir one/a+b', 'dir one/sub dir/x', 'dir one/100%.csv', 'dir one/ü ö', 'top level'];

const SCRIPT = String.raw`
import base64, hashlib, json, os
import boto3
from botocore.config import Config

s3 = boto3.client("s3", endpoint_url=os.environ["CAIRN_ENDPOINT"], region_name="us-east-1",
    aws_access_key_id=os.environ["CAIRN_KEY"], aws_secret_access_key=os.environ["CAIRN_SECRET"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
keys = json.loads(os.environ["CAIRN_KEYS"])
b = "boto-compat"
r = {}
s3.create_bucket(Bucket=b)
s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
for k in keys:
    s3.put_object(Bucket=b, Key=k, Body=k.encode())

def pages(name, **kw):
    out = []
    for p in s3.get_paginator(name).paginate(Bucket=b, PaginationConfig={"PageSize": 2}, **kw):
        out.append(p)
    return out

v2 = pages("list_objects_v2", Prefix="dir one/", Delimiter="/")
r["v2_keys"] = [o["Key"] for p in v2 for o in p.get("Contents", [])]
r["v2_prefixes"] = [c["Prefix"] for p in v2 for c in p.get("CommonPrefixes", [])]
r["v2_prefix"] = v2[0]["Prefix"]
r["v2_pages"] = len(v2)
v1 = pages("list_objects", Prefix="dir one/", Delimiter="/")
r["v1_keys"] = [o["Key"] for p in v1 for o in p.get("Contents", [])]
r["v1_prefixes"] = [c["Prefix"] for p in v1 for c in p.get("CommonPrefixes", [])]
r["v1_prefix"] = v1[0]["Prefix"]
r["v1_pages"] = len(v1)
vv = pages("list_object_versions", Prefix="dir one/")
r["versions"] = [v["Key"] for p in vv for v in p.get("Versions", [])]
r["versions_prefix"] = vv[0]["Prefix"]
r["all_v2"] = sorted(o["Key"] for p in pages("list_objects_v2") for o in p.get("Contents", []))

# GetObjectAttributes
single = s3.put_object(Bucket=b, Key="attr one", Body=b"attribute body", ChecksumAlgorithm="SHA256")
a = s3.get_object_attributes(Bucket=b, Key="attr one", ObjectAttributes=["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"])
r["single"] = {"etag": a.get("ETag"), "put_etag": single["ETag"], "checksum": a.get("Checksum"), "parts": a.get("ObjectParts"),
               "class": a.get("StorageClass"), "size": a.get("ObjectSize"), "version": a.get("VersionId"),
               "put_version": single.get("VersionId"), "last_modified": a["LastModified"].isoformat()}
up = s3.create_multipart_upload(Bucket=b, Key="attr mpu", ChecksumAlgorithm="SHA1")
bodies = [b"1" * (5 * 1024 * 1024), b"2" * (5 * 1024 * 1024), b"end"]
done = []
for i, body in enumerate(bodies):
    p = s3.upload_part(Bucket=b, Key="attr mpu", UploadId=up["UploadId"], PartNumber=i + 1, Body=body, ChecksumAlgorithm="SHA1")
    done.append({"PartNumber": i + 1, "ETag": p["ETag"], "ChecksumSHA1": p["ChecksumSHA1"]})
c = s3.complete_multipart_upload(Bucket=b, Key="attr mpu", UploadId=up["UploadId"], MultipartUpload={"Parts": done})
first = s3.get_object_attributes(Bucket=b, Key="attr mpu", ObjectAttributes=["ObjectParts", "Checksum", "ObjectSize"], MaxParts=2)
second = s3.get_object_attributes(Bucket=b, Key="attr mpu", ObjectAttributes=["ObjectParts"], MaxParts=2,
                                  PartNumberMarker=int(first["ObjectParts"]["NextPartNumberMarker"]))
r["mpu"] = {"complete_checksum": c.get("ChecksumSHA1"), "checksum": first.get("Checksum"), "size": first.get("ObjectSize"),
            "first": first["ObjectParts"], "second": second["ObjectParts"], "uploaded": [d["ChecksumSHA1"] for d in done]}
s3.delete_object(Bucket=b, Key="attr one")
try:
    s3.get_object_attributes(Bucket=b, Key="attr one", ObjectAttributes=["ETag"])
    r["deleted"] = None
except s3.exceptions.NoSuchKey as e:
    r["deleted"] = {"code": e.response["Error"]["Code"], "marker": e.response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-delete-marker")}
print(json.dumps(r, default=str))
`;

let ts: TestServer;
let work: string;

if (requireClient('boto3 (python3 -c "import boto3")', !!PY, 'Debian: apt-get install python3-boto3; or pip install boto3')) {
  beforeAll(async () => {
    ts = await startTestServer();
    work = mkdtempSync(join(tmpdir(), 'cairn-boto3c-'));
  });
  afterAll(async () => {
    await ts?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('boto3: encoding-type=url listings round-trip spaces and +; GetObjectAttributes', async () => {
    const script = join(work, 'compat.py');
    writeFileSync(script, SCRIPT);
    const env = cleanEnv({ CAIRN_ENDPOINT: ts.endpoint, CAIRN_KEY: ts.accessKeyId, CAIRN_SECRET: ts.secretAccessKey, CAIRN_KEYS: JSON.stringify(KEYS) });
    const res = await run(PY!, [script], { env, cwd: work, timeoutMs: 200_000 });
    if (res.code !== 0) throw new Error(`boto3 script failed: ${res.stderr}`);
    const r = JSON.parse(res.stdout.trim().split('\n').pop()!);

    const direct = KEYS.filter((k) => k.startsWith('dir one/') && !k.slice('dir one/'.length).includes('/')).sort();
    expect(r.v2_keys).toEqual(direct);
    expect(r.v2_prefixes).toEqual(['dir one/sub dir/']);
    expect(r.v2_prefix).toBe('dir one/');
    expect(r.v2_pages).toBe(3);
    expect(r.v1_keys).toEqual(direct);
    expect(r.v1_prefixes).toEqual(['dir one/sub dir/']);
    expect(r.v1_prefix).toBe('dir one/');
    expect(r.v1_pages).toBe(3);
    expect(r.versions).toEqual(KEYS.filter((k) => k.startsWith('dir one/')).sort());
    expect(r.versions_prefix).toBe('dir one/');
    expect(r.all_v2).toEqual([...KEYS].sort());

    expect(r.single.etag).toBe(r.single.put_etag.replace(/"/g, ''));
    expect(r.single.checksum).toEqual({ ChecksumSHA256: expect.any(String), ChecksumType: 'FULL_OBJECT' });
    expect(r.single.parts).toBeNull();
    expect([r.single.class, r.single.size, r.single.version]).toEqual(['STANDARD', 14, r.single.put_version]);
    expect(r.single.last_modified).toMatch(/^\d{4}-\d\d-\d\dT/);

    expect(r.mpu.checksum).toEqual({ ChecksumSHA1: r.mpu.complete_checksum, ChecksumType: 'COMPOSITE' });
    expect(r.mpu.size).toBe(10 * 1024 * 1024 + 3);
    expect(r.mpu.first).toMatchObject({ TotalPartsCount: 3, MaxParts: 2, IsTruncated: true });
    expect(r.mpu.first.Parts.map((p: { PartNumber: number; ChecksumSHA1: string }) => [p.PartNumber, p.ChecksumSHA1])).toEqual([
      [1, r.mpu.uploaded[0]],
      [2, r.mpu.uploaded[1]],
    ]);
    expect(r.mpu.second).toMatchObject({ TotalPartsCount: 3, IsTruncated: false });
    expect(r.mpu.second.Parts).toEqual([{ PartNumber: 3, Size: 3, ChecksumSHA1: r.mpu.uploaded[2] }]);
    expect(r.deleted).toEqual({ code: 'NoSuchKey', marker: 'true' });
  });
}
