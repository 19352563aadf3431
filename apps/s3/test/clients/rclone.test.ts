/**
 * rclone, unchanged, against the real server (in-process, port 0, temp data dir), through three
 * remotes of a temp config (`provider = Other`, region us-east-1):
 *
 * - `cairn`: path style, endpoint http://127.0.0.1:<port>;
 * - `vhost`: virtual-hosted style, endpoint http://s3.localhost:<port>. `<bucket>.s3.localhost`
 *   does not resolve on CI machines, so rclone reaches it through HTTP_PROXY pointing at
 *   vhostProxy.ts, which only does the name resolution (forwards to 127.0.0.1 untouched). The
 *   proxy and the server's access log prove the requests arrived with the bucket in the Host header;
 * - `sigv2`: path style signed with Signature V2 (`v2_auth = true`).
 *
 * rclone runs with `--retries 1 --low-level-retries 1` so a server error surfaces as a failure
 * instead of being retried away. Nothing from the developer's rclone config or RCLONE_* is read.
 */
import {
  CreateMultipartUploadCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server';
import { sizes, storedSizes, writeTree } from '../helpers/trees';
import { NASTY_KEYS, utf8Length } from '../helpers/nastyKeys';
import { cleanEnv, expectSuccess, probeVersion, requireClient, run, sha256File, treeDigest, which, type RunResult } from './clientEnv';
import { startVhostProxy, type VhostProxy } from './vhostProxy';

const RCLONE = process.env.CAIRN_RCLONE || which('rclone');
const VERSION = RCLONE ? probeVersion(RCLONE, ['version']) : undefined;

jest.setTimeout(120_000);
const MIB = 1024 * 1024;

/** NASTY_KEYS that are also valid relative file paths (no empty, `.` or `..` segment, none over 255 bytes). */
const NASTY_FILES = NASTY_KEYS.map((k) => k.key).filter((key) =>
  key.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..' && utf8Length(seg) <= 255 && !seg.includes('\0')),
);

let ts: TestServer;
let s3: S3Client;
let proxy: VhostProxy;
let work: string;
let config: string;
const accessLog: Record<string, any>[] = [];

/**
 * rclone prints control characters in names as Unicode control pictures (a tab as U+2409), for
 * local paths just the same: display only, the stored key keeps the tab (see the key checks).
 */
// eslint-disable-next-line no-control-regex -- control characters are what it shows
const shown = (name: string) => name.replace(/[\u0000-\u001f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)));

const md5Hex = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

/** What is stored under `prefix`, name → size. */
const keysUnder = (bucket: string, prefix: string) => storedSizes(s3, bucket, prefix);

if (requireClient('rclone', !!VERSION, 'Debian: apt-get install rclone')) {
  const rclone = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
    run(RCLONE!, ['--config', config, '--retries', '1', '--low-level-retries', '1', '--contimeout', '10s', '--timeout', '60s', ...args], {
      env: cleanEnv(extraEnv),
      cwd: work,
      timeoutMs: 90_000,
    });
  const ok = async (args: string[], extraEnv?: NodeJS.ProcessEnv) => expectSuccess(await rclone(args, extraEnv));
  const lsjson = async (remote: string, extra: string[] = [], env?: NodeJS.ProcessEnv) =>
    JSON.parse((await ok(['lsjson', '-R', '--files-only', ...extra, remote], env)).stdout) as Array<{
      Path: string;
      Name: string;
      Size: number;
      IsDir: boolean;
      Hashes?: { md5?: string };
      ModTime: string;
      Tier?: string;
    }>;

  beforeAll(async () => {
    ts = await startTestServer({ quiet: false, accessLog: (line) => accessLog.push(line) });
    s3 = ts.client();
    proxy = await startVhostProxy('s3.localhost', ts.port);
    work = mkdtempSync(join(tmpdir(), 'cairn-rclone-'));
    config = join(work, 'rclone.conf');
    const remote = (name: string, endpoint: string, pathStyle: boolean) =>
      [
        `[${name}]`,
        'type = s3',
        'provider = Other',
        `access_key_id = ${ts.accessKeyId}`,
        `secret_access_key = ${ts.secretAccessKey}`,
        `endpoint = ${endpoint}`,
        'region = us-east-1',
        `force_path_style = ${pathStyle}`,
        '',
      ].join('\n');
    writeFileSync(
      config,
      [
        remote('cairn', ts.endpoint, true),
        remote('vhost', `http://s3.localhost:${ts.port}`, false),
        remote('sigv2', ts.endpoint, true) + 'v2_auth = true\n',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await proxy?.close();
    await ts?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe(`rclone path style (${VERSION})`, () => {
    const bucket = 'rclone-path';
    let src: string;
    const files: Record<string, Buffer | string> = {
      'a.txt': 'hello from rclone\n',
      empty: '',
      'dir one/b c.txt': 'spaces in names',
      'deep/er/still/x+y.dat': randomBytes(3000),
      'random.bin': randomBytes(MIB + 17),
    };
    for (const key of NASTY_FILES) files[`nasty/${key}`] = `nasty:${key}`;

    beforeAll(() => {
      src = join(work, 'tree');
      writeTree(src, files);
    });

    test('mkdir creates the bucket; lsjson of the remote root lists it', async () => {
      await ok(['mkdir', `cairn:${bucket}`]);
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      const roots = JSON.parse((await ok(['lsjson', 'cairn:'])).stdout) as Array<{ Name: string; IsBucket?: boolean }>;
      expect(roots).toEqual(expect.arrayContaining([expect.objectContaining({ Name: bucket, IsBucket: true })]));
    });

    test('copy uploads a tree (nasty names included) to exactly those keys', async () => {
      expect(NASTY_FILES.length).toBeGreaterThanOrEqual(14);
      await ok(['copy', src, `cairn:${bucket}/t`]);
      expect(await keysUnder(bucket, 't/')).toEqual(sizes(files));
    });

    test('check compares sizes and MD5 hashes and finds no difference', async () => {
      const r = await ok(['check', src, `cairn:${bucket}/t`]);
      const n = Object.keys(files).length;
      expect(r.stderr).toContain('0 differences found');
      expect(r.stderr).toContain(`${n} matching files`);
      expect(r.stderr).not.toMatch(/hashes could not be checked/);
    });

    test('check reports a same-size change (it really compares hashes)', async () => {
      const altered = join(work, 'altered');
      writeTree(altered, files);
      writeFileSync(join(altered, 'a.txt'), 'HELLO from rclone\n'); // same length, other bytes
      const r = await rclone(['check', altered, `cairn:${bucket}/t`]);
      if (r.code === 0 || !r.stderr.includes('1 differences found')) {
        throw new Error(`expected check to find exactly 1 difference:\n${r.cmd}\nexit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
      }
      expect(r.stderr).toMatch(/a\.txt: (md5 )?(sums|hash)? ?differ/i);
    });

    test('lsjson lists every name with its size and MD5', async () => {
      const list = await lsjson(`cairn:${bucket}/t`, ['--hash']);
      const got = Object.fromEntries(list.map((e) => [e.Path, { size: e.Size, md5: e.Hashes?.md5 }]));
      const want = Object.fromEntries(Object.entries(files).map(([k, v]) => [shown(k), { size: Buffer.byteLength(v), md5: md5Hex(v) }]));
      expect(got).toEqual(want);
    });

    test('lsjson with ListObjectsV2 and encoding-type=url sees the same names', async () => {
      const plain = await lsjson(`cairn:${bucket}/t`);
      const logStart = accessLog.length;
      const encoded = await lsjson(`cairn:${bucket}/t`, ['--s3-list-version', '2', '--s3-list-url-encode', 'true']);
      const lists = accessLog.slice(logStart).filter((l) => l.operation === 'ListObjectsV2');
      expect(lists.length).toBeGreaterThan(0);
      for (const l of lists) expect(l.query).toMatch(/(^|&)encoding-type=url(&|$)/);
      expect(encoded.map((e) => [e.Path, e.Size])).toEqual(plain.map((e) => [e.Path, e.Size]));
      expect(encoded.length).toBe(Object.keys(files).length);
    });

    test('cat prints objects byte for byte (awkward names too)', async () => {
      for (const rel of ['a.txt', 'nasty/🪨cairn/🏔️ summit 👩‍👩‍👧', 'nasty/\'quote"', 'nasty/100% sure']) {
        const r = await ok(['cat', `cairn:${bucket}/t/${rel}`]);
        expect({ rel, body: r.stdout }).toEqual({ rel, body: String(files[rel]) });
      }
    });

    test('copy back down is byte-identical', async () => {
      const back = join(work, 'tree-back');
      await ok(['copy', `cairn:${bucket}/t`, back]);
      expect(treeDigest(back)).toEqual(treeDigest(src));
    });

    test('sync uploads changes and deletes what is gone locally', async () => {
      rmSync(join(src, 'dir one'), { recursive: true });
      rmSync(join(src, 'nasty/a b'));
      writeFileSync(join(src, 'a.txt'), 'changed, and longer than before\n');
      writeFileSync(join(src, 'new-file.txt'), 'new file');
      const now: Record<string, Buffer | string> = { ...files, 'a.txt': 'changed, and longer than before\n', 'new-file.txt': 'new file' };
      delete now['dir one/b c.txt'];
      delete now['nasty/a b'];

      await ok(['sync', src, `cairn:${bucket}/t`]);
      expect(await keysUnder(bucket, 't/')).toEqual(sizes(now));
      const r = await ok(['check', src, `cairn:${bucket}/t`]);
      expect(r.stderr).toContain('0 differences found');
      expect((await ok(['cat', `cairn:${bucket}/t/a.txt`])).stdout).toBe(now['a.txt']);
    });

    test('copy and move between paths of the bucket are server-side copies (CopyObject)', async () => {
      const logStart = accessLog.length;
      await ok(['copy', `cairn:${bucket}/t`, `cairn:${bucket}/copied`]);
      const r = await ok(['check', `cairn:${bucket}/t`, `cairn:${bucket}/copied`]);
      expect(r.stderr).toContain('0 differences found');
      expect(r.stderr).not.toMatch(/hashes could not be checked/);
      await ok(['move', `cairn:${bucket}/copied`, `cairn:${bucket}/moved`]);
      expect(await keysUnder(bucket, 'copied/')).toEqual({});
      expect(await keysUnder(bucket, 'moved/')).toEqual(await keysUnder(bucket, 't/'));
      const ops = accessLog.slice(logStart).filter((l) => /^rclone\//.test(l.userAgent ?? ''));
      const n = Object.keys(await keysUnder(bucket, 't/')).length;
      expect(ops.filter((l) => l.operation === 'CopyObject' && l.status === 200).length).toBe(2 * n);
      expect(ops.filter((l) => l.operation === 'PutObject')).toEqual([]);
      await ok(['purge', `cairn:${bucket}/moved`]);
      expect(await keysUnder(bucket, 'moved/')).toEqual({});
    });

    test('a sync that only changes modification times updates them in place (copy onto itself, REPLACE)', async () => {
      const f = join(src, 'random.bin');
      const when = new Date('2021-06-07T08:09:10Z');
      utimesSync(f, when, when);
      const logStart = accessLog.length;
      await ok(['sync', src, `cairn:${bucket}/t`]);
      const ops = accessLog.slice(logStart).filter((l) => /^rclone\//.test(l.userAgent ?? '') && l.key === 't/random.bin');
      expect(ops.filter((l) => l.operation === 'PutObject')).toEqual([]);
      expect(ops.filter((l) => l.operation === 'CopyObject' && l.copySource === `${bucket}/t/random.bin` && l.status === 200).length).toBe(1);
      const list = await lsjson(`cairn:${bucket}/t`, ['--include', 'random.bin']);
      expect(list.map((e) => [e.Path, Date.parse(e.ModTime)])).toEqual([['random.bin', when.getTime()]]);
    });

    test('link makes a presigned GET URL a plain HTTP client can use', async () => {
      const url = (await ok(['link', `cairn:${bucket}/t/nasty/a+b`])).stdout.trim();
      expect(url).toContain('X-Amz-Signature=');
      const res = await fetch(url);
      expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: 'nasty:a+b' });
    });

    test('--s3-storage-class stores the class; settier changes it in place; lsjson shows it as Tier', async () => {
      const tier = async () => (await lsjson(`cairn:${bucket}/tiered`)).map((e) => e.Tier);
      await ok(['copyto', '--s3-storage-class', 'REDUCED_REDUNDANCY', join(src, 'a.txt'), `cairn:${bucket}/tiered/a.txt`]);
      expect(await tier()).toEqual(['REDUCED_REDUNDANCY']);
      await ok(['settier', 'STANDARD_IA', `cairn:${bucket}/tiered/a.txt`]); // CopyObject onto itself with x-amz-storage-class
      expect(await tier()).toEqual(['STANDARD_IA']);
      expect((await ok(['cat', `cairn:${bucket}/tiered/a.txt`])).stdout).toBe(readFileSync(join(src, 'a.txt'), 'utf8'));
      await ok(['purge', `cairn:${bucket}/tiered`]);
    });

    test('rcat streams stdin of unknown length into an object', async () => {
      const body = 'streamed from stdin\n'.repeat(1000);
      expectSuccess(
        await run(RCLONE!, ['--config', config, '--retries', '1', '--low-level-retries', '1', 'rcat', `cairn:${bucket}/rcat.txt`], {
          env: cleanEnv(),
          input: body,
          timeoutMs: 90_000,
        }),
      );
      expect((await ok(['cat', `cairn:${bucket}/rcat.txt`])).stdout).toBe(body);
      await ok(['delete', `cairn:${bucket}/rcat.txt`]);
    });

    test('backend list-multipart-uploads shows an abandoned upload; backend cleanup aborts it', async () => {
      const key = 'abandoned/k ü';
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'part one' }));
      const listed = JSON.parse((await ok(['backend', 'list-multipart-uploads', `cairn:${bucket}`])).stdout);
      expect(listed[bucket]).toEqual([expect.objectContaining({ Key: key, UploadId })]);
      await ok(['backend', 'cleanup', `cairn:${bucket}`, '-o', 'max-age=0s']);
      const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      expect(after.Uploads ?? []).toEqual([]);
    });

    test('delete removes the matching files and keeps the rest', async () => {
      await ok(['delete', `cairn:${bucket}/t`, '--include', '*.txt']);
      const left = await keysUnder(bucket, 't/');
      expect(Object.keys(left).filter((k) => k.endsWith('.txt'))).toEqual([]);
      expect(left).toHaveProperty(['random.bin'], MIB + 17);
      expect(left).toHaveProperty(['deep/er/still/x+y.dat'], 3000);
    });

    test('purge removes everything and the bucket itself', async () => {
      await ok(['purge', `cairn:${bucket}`]);
      const r = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
        () => 200,
        (e) => e.$metadata?.httpStatusCode,
      );
      expect(r).toBe(404);
    });

    test('a 24 MiB file goes multipart (5 MiB parts), checks by MD5, copies server-side in parts and comes back byte for byte', async () => {
      const mpBucket = 'rclone-multipart';
      const up = join(work, 'mp');
      writeTree(up, { 'big.bin': randomBytes(24 * MIB + 123) });
      const mp = ['--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M'];
      await ok(['mkdir', `cairn:${mpBucket}`]);
      await ok(['copy', ...mp, up, `cairn:${mpBucket}`]);
      const head = await s3.send(new HeadObjectCommand({ Bucket: mpBucket, Key: 'big.bin' }));
      expect(head.ContentLength).toBe(24 * MIB + 123);
      expect(head.ETag).toMatch(/^"[0-9a-f]{32}-5"$/);
      const r = await ok(['check', up, `cairn:${mpBucket}`]);
      expect(r.stderr).toContain('0 differences found');
      expect(r.stderr).not.toMatch(/hashes could not be checked/);
      const down = join(work, 'mp-back');
      await ok(['copy', `cairn:${mpBucket}`, down]);
      expect(sha256File(join(down, 'big.bin'))).toBe(sha256File(join(up, 'big.bin')));

      // a server-side copy over --s3-copy-cutoff is a multipart copy: UploadPartCopy with byte ranges
      const logStart = accessLog.length;
      await ok(['copyto', '--s3-copy-cutoff', '5M', `cairn:${mpBucket}/big.bin`, `cairn:${mpBucket}/copy/big.bin`]);
      const copies = accessLog.slice(logStart).filter((l) => l.operation === 'UploadPartCopy' && l.status === 200);
      expect(copies.length).toBe(5);
      expect((await ok(['check', up, `cairn:${mpBucket}/copy`])).stderr).toContain('0 differences found');
      rmSync(down, { recursive: true, force: true });
      await ok(['copy', `cairn:${mpBucket}/copy`, down]);
      expect(sha256File(join(down, 'big.bin'))).toBe(sha256File(join(up, 'big.bin')));
      await ok(['purge', `cairn:${mpBucket}`]);
      rmSync(up, { recursive: true, force: true });
      rmSync(down, { recursive: true, force: true });
    });
  });

  describe('rclone and bucket versioning', () => {
    test('backend versioning enables it; --s3-versions lists and reads old versions; cleanup-hidden removes them', async () => {
      const bucket = 'rclone-versions';
      await ok(['mkdir', `cairn:${bucket}`]);
      expect((await ok(['backend', 'versioning', `cairn:${bucket}`])).stdout.trim()).toBe('Unversioned');
      expect((await ok(['backend', 'versioning', `cairn:${bucket}`, 'Enabled'])).stdout.trim()).toBe('Enabled');
      const f = join(work, 'versioned.txt');
      writeFileSync(f, 'v1\n');
      await ok(['copyto', f, `cairn:${bucket}/doc.txt`]);
      writeFileSync(f, 'version 2\n');
      await ok(['copyto', f, `cairn:${bucket}/doc.txt`]);

      // the old version shows up under a name carrying its time stamp (ListObjectVersions)
      const list = await lsjson(`cairn:${bucket}`, ['--s3-versions']);
      expect(list.map((e) => ({ path: e.Path, size: e.Size })).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
        { path: expect.stringMatching(/^doc-v\d{4}-\d\d-\d\d-\d{6}-\d{3}\.txt$/), size: 3 },
        { path: 'doc.txt', size: 10 },
      ]);
      const old = list.find((e) => e.Path !== 'doc.txt')!.Path;
      expect((await ok(['cat', '--s3-versions', `cairn:${bucket}/${old}`])).stdout).toBe('v1\n'); // GET ?versionId
      expect((await ok(['cat', `cairn:${bucket}/doc.txt`])).stdout).toBe('version 2\n');

      // delete leaves a delete marker: the current listing is empty, both versions remain
      await ok(['delete', `cairn:${bucket}/doc.txt`]);
      expect(await lsjson(`cairn:${bucket}`)).toEqual([]);
      expect((await lsjson(`cairn:${bucket}`, ['--s3-versions'])).map((e) => e.Size).sort()).toEqual([10, 3]);

      await ok(['backend', 'cleanup-hidden', `cairn:${bucket}`]);
      expect(await lsjson(`cairn:${bucket}`, ['--s3-versions'])).toEqual([]);
      await ok(['rmdir', `cairn:${bucket}`]);
      const gone = await s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
        () => 200,
        (e) => e.$metadata?.httpStatusCode,
      );
      expect(gone).toBe(404);
    });
  });

  describe('rclone with SigV2 (v2_auth = true) and ListObjectsV2', () => {
    test('copy, check, lsjson, cat and purge signed with SigV2', async () => {
      const bucket = 'rclone-sigv2';
      const src = join(work, 'v2tree');
      const files: Record<string, Buffer | string> = { 'x.txt': 'x', 'y ü/z+1.bin': randomBytes(100_000), 'nasty/\'quote"': 'q' };
      writeTree(src, files);
      const dump = await ok(['mkdir', `sigv2:${bucket}`, '--dump', 'headers,auth']);
      expect(dump.stderr).toMatch(new RegExp(`^Authorization: AWS ${ts.accessKeyId}:\\S+\\s*$`, 'm'));
      await ok(['copy', src, `sigv2:${bucket}`]);
      expect(await keysUnder(bucket, '')).toEqual(sizes(files));
      expect((await ok(['check', src, `sigv2:${bucket}`])).stderr).toContain('0 differences found');
      const list = await lsjson(`sigv2:${bucket}`, ['--hash', '--s3-list-version', '2']);
      expect(Object.fromEntries(list.map((e) => [e.Path, e.Hashes?.md5]))).toEqual(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, md5Hex(v)])));
      expect((await ok(['cat', `sigv2:${bucket}/x.txt`])).stdout).toBe('x');
      await ok(['purge', `sigv2:${bucket}`]);
    });
  });

  describe('rclone virtual-hosted style (bucket in the Host header)', () => {
    const bucket = 'rclone-vhost';
    const env = () => ({ HTTP_PROXY: proxy.url, http_proxy: proxy.url, NO_PROXY: '', no_proxy: '' });
    const files: Record<string, Buffer | string> = {
      'one.txt': 'one',
      'sub dir/two ü.txt': 'two',
      'bin/three.bin': randomBytes(200_000),
    };
    let src: string;

    beforeAll(() => {
      src = join(work, 'vtree');
      writeTree(src, files);
    });

    test('mkdir, copy, check, lsjson, cat, sync and purge all go to <bucket>.s3.localhost', async () => {
      const logStart = accessLog.length;
      const hostsStart = proxy.hosts.length;
      await ok(['mkdir', `vhost:${bucket}`], env());
      await ok(['copy', src, `vhost:${bucket}/v`], env());
      expect(await keysUnder(bucket, 'v/')).toEqual(sizes(files));
      const check = await ok(['check', src, `vhost:${bucket}/v`], env());
      expect(check.stderr).toContain('0 differences found');
      const list = await lsjson(`vhost:${bucket}/v`, [], env());
      expect(Object.fromEntries(list.map((e) => [e.Path, e.Size]))).toEqual(sizes(files));
      expect((await ok(['cat', `vhost:${bucket}/v/sub dir/two ü.txt`], env())).stdout).toBe('two');
      rmSync(join(src, 'one.txt'));
      await ok(['sync', src, `vhost:${bucket}/v`], env());
      expect(Object.keys(await keysUnder(bucket, 'v/')).sort()).toEqual(['bin/three.bin', 'sub dir/two ü.txt']);
      await ok(['purge', `vhost:${bucket}`], env());

      // every request went through the name-resolving proxy with the bucket in the Host header...
      const hosts = proxy.hosts.slice(hostsStart);
      expect(hosts.length).toBeGreaterThan(5);
      expect([...new Set(hosts)]).toEqual([`${bucket}.s3.localhost:${ts.port}`]);
      // ...and the server routed them as virtual-hosted requests for that bucket
      const seen = accessLog.slice(logStart).filter((l) => /^rclone\//.test(l.userAgent ?? '')); // not the SDK's own checks
      expect(seen.length).toBe(hosts.length);
      for (const l of seen) {
        expect({ host: l.host, bucket: l.bucket, path: l.path }).toEqual({
          host: `${bucket}.s3.localhost:${ts.port}`,
          bucket,
          path: expect.not.stringMatching(`^/${bucket}(/|$)`),
        });
      }
      expect(seen.map((l) => l.operation)).toEqual(
        expect.arrayContaining(['CreateBucket', 'PutObject', 'ListObjects', 'GetObject', 'DeleteObject', 'DeleteBucket']),
      );
    });
  });
}
