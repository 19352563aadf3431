/**
 * boto3, unchanged, against the real server (in-process, port 0, temp data dir).
 *
 * A Python script (below) runs as a child process and prints one JSON report; the assertions
 * are made here on that report. The interpreter is the first of CAIRN_PYTHON, `python3` on PATH,
 * /usr/bin/python3 that can `import boto3`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server';
import { NASTY_KEYS } from '../helpers/nastyKeys';
import { probeVersion, requireClient, run, which } from './clientEnv';

function findPython(): { path: string; version: string } | undefined {
  const candidates = [process.env.CAIRN_PYTHON, which('python3'), '/usr/bin/python3'].filter((p): p is string => !!p);
  for (const path of candidates) {
    const version = probeVersion(path, ['-c', 'import boto3, botocore; print("boto3", boto3.__version__, "botocore", botocore.__version__)']);
    if (version) return { path, version };
  }
  return undefined;
}

const PY = findPython();

// Real clients are separate processes (Python start-up, 20 MiB transfers): allow slow CI machines.
jest.setTimeout(240_000);

const SCRIPT = String.raw`
import base64, hashlib, json, os, sys, urllib.request, urllib.error
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = os.environ["CAIRN_ENDPOINT"]
bucket = os.environ["CAIRN_BUCKET"]
nasty = json.loads(os.environ["CAIRN_NASTY_KEYS"])
big_path = os.environ["CAIRN_BIG_FILE"]
down_path = os.environ["CAIRN_DOWN_FILE"]
big24_path = os.environ["CAIRN_BIG24_FILE"]
down24_path = os.environ["CAIRN_DOWN24_FILE"]

s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=os.environ["CAIRN_KEY"],
    aws_secret_access_key=os.environ["CAIRN_SECRET"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
)
report = {"boto3": boto3.__version__, "botocore": __import__("botocore").__version__, "errors": {}}

def section(name, fn):
    """Run one part of the suite; a failure is recorded (and reported by the jest test) instead of stopping the rest."""
    try:
        fn()
    except Exception as e:  # noqa
        import traceback
        report["errors"][name] = "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=3))

def err_code(fn):
    try:
        fn()
        return None
    except ClientError as e:
        return {"code": e.response["Error"].get("Code"), "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                "request_id": e.response["ResponseMetadata"].get("RequestId")}

# buckets
def section_buckets():
    s3.create_bucket(Bucket=bucket)
    report["list_buckets"] = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    report["create_again"] = err_code(lambda: s3.create_bucket(Bucket=bucket))
    report["location"] = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")

section("buckets", section_buckets)

# put / get / head
def section_put_get_head():
    body = b"hello from boto3\n"
    put = s3.put_object(Bucket=bucket, Key="plain.txt", Body=body, ContentType="text/plain", Metadata={"Origin": "boto3"})
    report["put_etag"] = put["ETag"]
    got = s3.get_object(Bucket=bucket, Key="plain.txt")
    report["get"] = {"body": got["Body"].read().decode(), "content_type": got["ContentType"], "metadata": got["Metadata"],
                     "etag": got["ETag"], "length": got["ContentLength"]}
    rng = s3.get_object(Bucket=bucket, Key="plain.txt", Range="bytes=6-9")
    report["range"] = {"body": rng["Body"].read().decode(), "content_range": rng["ContentRange"],
                       "status": rng["ResponseMetadata"]["HTTPStatusCode"]}
    head = s3.head_object(Bucket=bucket, Key="plain.txt")
    report["head"] = {"length": head["ContentLength"], "etag": head["ETag"]}
    report["get_missing"] = err_code(lambda: s3.get_object(Bucket=bucket, Key="missing"))
    report["head_missing"] = err_code(lambda: s3.head_object(Bucket=bucket, Key="missing"))

section("put_get_head", section_put_get_head)

# nasty keys round-trip (put, get, list)
def section_nasty():
    nasty_results = {}
    for k in nasty:
        data = ("nasty:" + k).encode()
        try:
            s3.put_object(Bucket=bucket, Key=k, Body=data)
            back = s3.get_object(Bucket=bucket, Key=k)["Body"].read()
            nasty_results[k] = True if back == data else "got %r" % back[:80]
        except Exception as e:  # noqa
            nasty_results[k] = "%s: %s" % (type(e).__name__, e)
    report["nasty_roundtrip"] = nasty_results

section("nasty", section_nasty)

# listing (paginator, small pages) and delimiter
def section_listing():
    for i in range(5):
        s3.put_object(Bucket=bucket, Key="list/k%d" % i, Body=b"x" * i)
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="list/", PaginationConfig={"PageSize": 2})
    listed, page_count = [], 0
    for p in pages:
        page_count += 1
        listed += [(o["Key"], o["Size"]) for o in p.get("Contents", [])]
    report["list_v2"] = {"keys": [k for k, _ in listed], "sizes": [s for _, s in listed], "pages": page_count}
    v1 = s3.list_objects(Bucket=bucket, Prefix="list/", MaxKeys=3)
    report["list_v1"] = {"keys": [o["Key"] for o in v1.get("Contents", [])], "truncated": v1["IsTruncated"]}
    delim = s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="")
    report["common_prefixes"] = [p["Prefix"] for p in delim.get("CommonPrefixes", [])]
    all_keys = []
    for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        all_keys += [o["Key"] for o in p.get("Contents", [])]
    report["all_keys"] = all_keys

section("listing", section_listing)

# copy
def section_copy():
    cp = s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket, "Key": "plain.txt"})
    report["copy_etag"] = cp["CopyObjectResult"]["ETag"]
    report["copy_body"] = s3.get_object(Bucket=bucket, Key="copy.txt")["Body"].read().decode()
    s3.copy_object(Bucket=bucket, Key="copy-replaced.txt", CopySource={"Bucket": bucket, "Key": "plain.txt"},
                   MetadataDirective="REPLACE", Metadata={"new": "meta"}, ContentType="application/x-replaced")
    h = s3.head_object(Bucket=bucket, Key="copy-replaced.txt")
    report["copy_replaced"] = {"metadata": h["Metadata"], "content_type": h["ContentType"]}

section("copy", section_copy)

# presigned URLs: GET and PUT over plain urllib
def section_presigned():
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "plain.txt"}, ExpiresIn=300)
    with urllib.request.urlopen(url) as resp:
        report["presigned_get"] = {"status": resp.status, "body": resp.read().decode()}
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned-put.txt"}, ExpiresIn=300)
    req = urllib.request.Request(put_url, data=b"via presigned put", method="PUT")
    with urllib.request.urlopen(req) as resp:
        report["presigned_put_status"] = resp.status
    report["presigned_put_body"] = s3.get_object(Bucket=bucket, Key="presigned-put.txt")["Body"].read().decode()
    bad = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    try:
        urllib.request.urlopen(bad)
        report["presigned_tampered"] = {"status": 200}
    except urllib.error.HTTPError as e:
        report["presigned_tampered"] = {"status": e.code, "body": e.read().decode()}

section("presigned", section_presigned)

# upload_file / download_file (managed transfer, below the multipart threshold)
def section_transfer():
    from boto3.s3.transfer import TransferConfig
    tc = TransferConfig(multipart_threshold=64 * 1024 * 1024)
    s3.upload_file(big_path, bucket, "transfer/big.bin", Config=tc)
    s3.download_file(bucket, "transfer/big.bin", down_path, Config=tc)
    report["transfer_same"] = hashlib.sha256(open(big_path, "rb").read()).hexdigest() == hashlib.sha256(open(down_path, "rb").read()).hexdigest()

section("transfer", section_transfer)

# 24 MiB with a TransferConfig that splits into 5 MiB pieces, 4 in flight: downloads become
# concurrent ranged GETs, uploads become multipart
def section_transfer_split():
    from boto3.s3.transfer import TransferConfig
    mib = 1024 * 1024
    split = TransferConfig(multipart_threshold=5 * mib, multipart_chunksize=5 * mib, max_concurrency=4)
    whole = TransferConfig(multipart_threshold=64 * mib)
    want = hashlib.sha256(open(big24_path, "rb").read()).hexdigest()
    s3.upload_file(big24_path, bucket, "transfer/big24-single.bin", Config=whole)
    s3.download_file(bucket, "transfer/big24-single.bin", down24_path, Config=split)
    report["split_download_same"] = hashlib.sha256(open(down24_path, "rb").read()).hexdigest() == want
    os.remove(down24_path)
    s3.upload_file(big24_path, bucket, "transfer/big24-multipart.bin", Config=split)
    head = s3.head_object(Bucket=bucket, Key="transfer/big24-multipart.bin")
    report["multipart_upload"] = {"etag": head["ETag"], "length": head["ContentLength"]}
    s3.download_file(bucket, "transfer/big24-multipart.bin", down24_path, Config=split)
    report["multipart_same"] = hashlib.sha256(open(down24_path, "rb").read()).hexdigest() == want
    os.remove(down24_path)

section("transfer_split", section_transfer_split)

# checksum: explicit SHA256 checksum on PUT, returned with ChecksumMode
def section_checksum():
    sha_body = b"checksummed body"
    s3.put_object(Bucket=bucket, Key="checksum.txt", Body=sha_body, ChecksumAlgorithm="SHA256")
    hc = s3.head_object(Bucket=bucket, Key="checksum.txt", ChecksumMode="ENABLED")
    report["checksum_sha256"] = {"got": hc.get("ChecksumSHA256"), "want": base64.b64encode(hashlib.sha256(sha_body).digest()).decode()}

section("checksum", section_checksum)

# deletes
def section_deletes():
    s3.delete_object(Bucket=bucket, Key="copy.txt")
    report["deleted_gone"] = err_code(lambda: s3.head_object(Bucket=bucket, Key="copy.txt"))
    dr = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "list/k0"}, {"Key": "list/k1"}, {"Key": "never-existed"}]})
    report["delete_objects"] = {"deleted": sorted(d["Key"] for d in dr.get("Deleted", [])), "errors": dr.get("Errors", [])}
    dq = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "list/k2"}], "Quiet": True})
    report["delete_quiet"] = {"deleted": dq.get("Deleted", []), "errors": dq.get("Errors", [])}
    report["bucket_not_empty"] = err_code(lambda: s3.delete_bucket(Bucket=bucket))

section("deletes", section_deletes)

# empty the bucket and delete it
def section_cleanup():
    keys = []
    for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [{"Key": o["Key"]} for o in p.get("Contents", [])]
    for i in range(0, len(keys), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": keys[i:i + 1000], "Quiet": True})
    s3.delete_bucket(Bucket=bucket)
    report["bucket_gone"] = err_code(lambda: s3.head_bucket(Bucket=bucket))

section("cleanup", section_cleanup)

print("CAIRN-REPORT " + json.dumps(report))
`;

let ts: TestServer;
let work: string;
let report: any;
let bigHash: string;
const accessLog: Record<string, any>[] = [];
const MIB = 1024 * 1024;

if (requireClient('boto3 (python3 -c "import boto3")', !!PY, 'Debian: apt-get install python3-boto3; or pip install boto3')) {
  beforeAll(async () => {
    ts = await startTestServer({ quiet: false, accessLog: (line) => accessLog.push(line) });
    work = mkdtempSync(join(tmpdir(), 'cairn-boto3-'));
    writeFileSync(join(work, 'big24.bin'), randomBytes(24 * MIB + 1));
    const script = join(work, 'boto3_suite.py');
    writeFileSync(script, SCRIPT);
    const big = randomBytes(9 * 1024 * 1024 + 7);
    bigHash = createHash('sha256').update(big).digest('hex');
    writeFileSync(join(work, 'big.bin'), big);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
    Object.assign(env, {
      AWS_CONFIG_FILE: join(work, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
      CAIRN_ENDPOINT: ts.endpoint,
      CAIRN_KEY: ts.accessKeyId,
      CAIRN_SECRET: ts.secretAccessKey,
      CAIRN_BUCKET: 'boto3-suite',
      CAIRN_NASTY_KEYS: JSON.stringify(NASTY_KEYS.map((k) => k.key)),
      CAIRN_BIG_FILE: join(work, 'big.bin'),
      CAIRN_DOWN_FILE: join(work, 'big.down'),
      CAIRN_BIG24_FILE: join(work, 'big24.bin'),
      CAIRN_DOWN24_FILE: join(work, 'big24.down'),
      PYTHONIOENCODING: 'utf-8',
    });
    const r = await run(PY!.path, [script], { env, cwd: work, timeoutMs: 240_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('CAIRN-REPORT '));
    if (r.code !== 0 || !line) {
      throw new Error(`boto3 script failed (exit ${r.code}) with ${PY!.version}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    }
    report = JSON.parse(line.slice('CAIRN-REPORT '.length));
  }, 300_000);

  afterAll(async () => {
    await ts?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const md5 = (s: string) => `"${createHash('md5').update(s).digest('hex')}"`;
  /** The script section ran without an exception (its traceback is the failure message otherwise). */
  const sectionOk = (name: string) => expect({ section: name, error: report.errors[name] }).toEqual({ section: name, error: undefined });

  describe(`boto3 (${PY?.version})`, () => {
    test('buckets: create, list, create again (200 in us-east-1, as S3), location', () => {
      sectionOk('buckets');
      expect(report.list_buckets).toContain('boto3-suite');
      expect(report.create_again).toBeNull();
      expect([null, 'us-east-1']).toContain(report.location); // S3 reports us-east-1 as null
    });

    test('put / get / head with content type and metadata', () => {
      sectionOk('put_get_head');
      expect(report.put_etag).toBe(md5('hello from boto3\n'));
      expect(report.get).toEqual({
        body: 'hello from boto3\n',
        content_type: 'text/plain',
        metadata: { origin: 'boto3' },
        etag: md5('hello from boto3\n'),
        length: 17,
      });
      expect(report.head).toEqual({ length: 17, etag: md5('hello from boto3\n') });
      expect(report.range).toEqual({ body: 'from', content_range: 'bytes 6-9/17', status: 206 });
    });

    test('missing keys: NoSuchKey on GET, 404 on HEAD', () => {
      sectionOk('put_get_head');
      expect(report.get_missing).toMatchObject({ code: 'NoSuchKey', status: 404 });
      expect(report.get_missing.request_id).toEqual(expect.stringMatching(/\S/));
      expect(report.head_missing).toMatchObject({ status: 404 });
    });

    test('every nasty key round-trips', () => {
      sectionOk('nasty');
      for (const { key } of NASTY_KEYS) expect({ key, ok: report.nasty_roundtrip[key] }).toEqual({ key, ok: true });
    });

    test('listing: v2 paginator over small pages, v1 with max-keys, delimiter', () => {
      sectionOk('listing');
      expect(report.list_v2).toEqual({ keys: ['list/k0', 'list/k1', 'list/k2', 'list/k3', 'list/k4'], sizes: [0, 1, 2, 3, 4], pages: 3 });
      expect(report.list_v1).toEqual({ keys: ['list/k0', 'list/k1', 'list/k2'], truncated: true });
      expect(report.common_prefixes).toEqual(expect.arrayContaining(['list/', 'ü/', '日本/', 'trailing/', 'long/']));
      for (const { key } of NASTY_KEYS) expect(report.all_keys).toContain(key);
    });

    test('copy_object: COPY keeps bytes and ETag, REPLACE swaps metadata', () => {
      sectionOk('copy');
      expect(report.copy_etag).toBe(md5('hello from boto3\n'));
      expect(report.copy_body).toBe('hello from boto3\n');
      expect(report.copy_replaced).toEqual({ metadata: { new: 'meta' }, content_type: 'application/x-replaced' });
    });

    test('presigned GET and PUT URLs work with a plain HTTP client; a tampered one is refused', () => {
      sectionOk('presigned');
      expect(report.presigned_get).toEqual({ status: 200, body: 'hello from boto3\n' });
      expect(report.presigned_put_status).toBe(200);
      expect(report.presigned_put_body).toBe('via presigned put');
      expect(report.presigned_tampered.status).toBe(403);
      expect(report.presigned_tampered.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    });

    test('upload_file / download_file round-trip 9 MiB byte for byte', () => {
      sectionOk('transfer');
      expect(bigHash).toMatch(/^[0-9a-f]{64}$/);
      expect(report.transfer_same).toBe(true);
    });

    test('download_file with TransferConfig(5 MiB chunks, concurrency 4): concurrent ranged GETs, byte for byte', () => {
      sectionOk('transfer_split');
      expect(report.split_download_same).toBe(true);
      const ranged = accessLog.filter((l) => l.operation === 'GetObject' && l.key === 'transfer/big24-single.bin' && l.status === 206);
      expect(ranged.length).toBe(5); // ceil(24 MiB + 1 / 5 MiB)
    });

    test('upload_file with TransferConfig(5 MiB parts, concurrency 4) goes multipart; download_file byte for byte', async () => {
      sectionOk('transfer_split');
      expect(report.multipart_upload).toEqual({ etag: expect.stringMatching(/^"[0-9a-f]{32}-5"$/), length: 24 * MIB + 1 });
      expect(report.multipart_same).toBe(true);
      const parts = accessLog.filter((l) => l.operation === 'UploadPart' && l.key === 'transfer/big24-multipart.bin' && l.status === 200);
      expect(parts.length).toBe(5);
    });

    test('ChecksumAlgorithm=SHA256 is stored and returned with ChecksumMode=ENABLED', () => {
      sectionOk('checksum');
      expect(report.checksum_sha256.got).toBe(report.checksum_sha256.want);
    });

    test('delete_object, delete_objects (verbose and quiet), BucketNotEmpty, delete_bucket', () => {
      sectionOk('deletes');
      sectionOk('cleanup');
      expect(report.deleted_gone).toMatchObject({ status: 404 });
      expect(report.delete_objects).toEqual({ deleted: ['list/k0', 'list/k1', 'never-existed'], errors: [] });
      expect(report.delete_quiet).toEqual({ deleted: [], errors: [] });
      expect(report.bucket_not_empty).toMatchObject({ code: 'BucketNotEmpty', status: 409 });
      expect(report.bucket_gone).toMatchObject({ status: 404 });
    });
  });
}
