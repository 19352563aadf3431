/**
 * s3cmd, unchanged, against the real server (in-process, port 0, temp data dir).
 *
 * The same command set runs twice, once signing with SigV4 and once with SigV2
 * (`signature_v2 = True`: s3cmd is one of the few real clients that still sends `AWS key:sig`),
 * both path style (`host_bucket` = the endpoint itself). Short runs with each signature use
 * virtual-hosted style (`host_bucket = %(bucket)s.s3.localhost:<port>`) through vhostProxy.ts,
 * s3cmd's own proxy_host setting standing in for wildcard DNS. One more run covers bucket
 * settings (policy, CORS) and in-place changes.
 *
 * The configs leave `bucket_location` unset, as a fresh s3cmd has it: s3cmd then signs its first
 * request (ListBuckets, CreateBucket) for region "US", gets S3's AuthorizationHeaderMalformed
 * naming the right region in <Region>, and retries with it, so every run exercises that error.
 */
import { CreateMultipartUploadCommand, HeadObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server';
import { sizes, storedSizes, writeTree } from '../helpers/trees';
import { cleanEnv, expectSuccess, probeVersion, requireClient, run, sha256File, treeDigest, which, type RunResult } from './clientEnv';
import { startVhostProxy, type VhostProxy } from './vhostProxy';

const S3CMD = process.env.CAIRN_S3CMD || which('s3cmd');
const VERSION = S3CMD ? probeVersion(S3CMD) : undefined;

jest.setTimeout(120_000);
const MIB = 1024 * 1024;

let ts: TestServer;
let s3: S3Client;
let proxy: VhostProxy;
let work: string;
const accessLog: Record<string, any>[] = [];

/** What is stored under `prefix`, name → size. */
const keysUnder = (bucket: string, prefix: string) => storedSizes(s3, bucket, prefix);

/** Awkward names s3cmd must carry as keys byte for byte (file names, so no empty or dot segments). */
const AWKWARD: Record<string, string> = {
  'a b': 'space',
  'a+b': 'plus',
  'a%2Fb': 'literal %2F',
  'ü/é': 'latin-1',
  '日本/語': 'cjk',
  'a?b': 'question',
  'a#b': 'hash',
  'a&b=c': 'amp',
  '~tilde': 'tilde',
  '<xml>&amp;': 'markup',
  '100% sure': 'percent',
  '🪨cairn/🏔️ summit 👩‍👩‍👧': 'emoji',
};

interface Mode {
  label: string;
  signatureV2: boolean;
}

if (requireClient('s3cmd', !!VERSION, 'Debian: apt-get install s3cmd')) {
  beforeAll(async () => {
    ts = await startTestServer({ quiet: false, accessLog: (line) => accessLog.push(line) });
    s3 = ts.client();
    proxy = await startVhostProxy('s3.localhost', ts.port);
    work = mkdtempSync(join(tmpdir(), 'cairn-s3cmd-'));
  });

  afterAll(async () => {
    await proxy?.close();
    await ts?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Writes an s3cmd config and returns a runner bound to it. */
  function s3cmdWith(name: string, settings: Record<string, string | number | boolean>) {
    const cfg = join(work, `${name}.s3cfg`);
    const lines = {
      access_key: ts.accessKeyId,
      secret_key: ts.secretAccessKey,
      host_base: `127.0.0.1:${ts.port}`,
      host_bucket: `127.0.0.1:${ts.port}`,
      use_https: false,
      signature_v2: false,
      progress_meter: false,
      ...settings,
    };
    const py = (v: string | number | boolean) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
    writeFileSync(
      cfg,
      '[default]\n' +
        Object.entries(lines)
          .map(([k, v]) => `${k} = ${py(v)}`)
          .join('\n') +
        '\n',
    );
    const cmd = (args: string[], input?: string | Buffer): Promise<RunResult> =>
      run(S3CMD!, ['-c', cfg, ...args], { env: cleanEnv({ PYTHONIOENCODING: 'utf-8', HOME: work }), cwd: work, timeoutMs: 90_000, input });
    const ok = async (args: string[], input?: string | Buffer) => expectSuccess(await cmd(args, input));
    return { cmd, ok, cfg };
  }

  describe.each<Mode>([
    { label: 'SigV4', signatureV2: false },
    { label: 'SigV2', signatureV2: true },
  ])(`s3cmd ${VERSION} path style, $label`, ({ label, signatureV2 }) => {
    const bucket = `s3cmd-${label.toLowerCase()}`;
    let c: ReturnType<typeof s3cmdWith>;
    let dir: string;
    const hello = 'hello from s3cmd\n';

    beforeAll(() => {
      dir = join(work, label);
      mkdirSync(dir, { recursive: true });
      // copies of objects over 5 MiB go multipart (UploadPartCopy), as they do over 1 GiB by default
      c = s3cmdWith(label, { signature_v2: signatureV2, multipart_copy_chunk_size_mb: 5 });
      writeFileSync(join(dir, 'hello.txt'), hello);
    });

    test(`requests are signed with ${label}`, async () => {
      const r = await c.ok(['-d', 'ls']); // debug output shows the request headers
      if (signatureV2) expect(r.stderr).toContain(`'Authorization': 'AWS ${ts.accessKeyId}:`);
      else expect(r.stderr).toContain(`'Authorization': 'AWS4-HMAC-SHA256 Credential=${ts.accessKeyId}/`);
    });

    test('mb creates the bucket; ls lists it', async () => {
      expect((await c.ok(['mb', `s3://${bucket}`])).stdout).toContain(`Bucket 's3://${bucket}/' created`);
      expect((await c.ok(['ls'])).stdout).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+s3://${bucket}\\s*$`, 'm'));
    });

    test('put, then get byte for byte; the s3cmd-attrs metadata is stored', async () => {
      await c.ok(['put', join(dir, 'hello.txt'), `s3://${bucket}/dir/hello.txt`]);
      await c.ok(['get', `s3://${bucket}/dir/hello.txt`, join(dir, 'hello.back')]);
      expect(readFileSync(join(dir, 'hello.back'), 'utf8')).toBe(hello);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/hello.txt' }));
      const md5 = createHash('md5').update(hello).digest('hex');
      expect(head.ETag).toBe(`"${md5}"`);
      expect(head.Metadata?.['s3cmd-attrs']).toContain(`md5:${md5}`);
    });

    test('put with --mime-type and --add-header stores the content headers and user metadata', async () => {
      await c.ok([
        'put',
        '--mime-type=application/x-cairn-test',
        '--add-header=Cache-Control:max-age=60',
        '--add-header=x-amz-meta-color:blue',
        join(dir, 'hello.txt'),
        `s3://${bucket}/dir/headers.txt`,
      ]);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'dir/headers.txt' }));
      expect({ type: head.ContentType, cache: head.CacheControl, color: head.Metadata?.color }).toEqual({
        type: 'application/x-cairn-test',
        cache: 'max-age=60',
        color: 'blue',
      });
      await c.ok(['del', `s3://${bucket}/dir/headers.txt`]);
    });

    test('signurl makes a SigV2 query-string URL a plain HTTP client can GET; a tampered one is refused', async () => {
      const url = (await c.ok(['signurl', `s3://${bucket}/dir/hello.txt`, '+300'])).stdout.trim();
      expect(url).toMatch(/[?&]AWSAccessKeyId=.*&Expires=\d+&Signature=/);
      const res = await fetch(url);
      expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: hello });
      const bad = await fetch(url.replace(/Expires=(\d+)/, (_m, e) => `Expires=${Number(e) + 1}`));
      expect(bad.status).toBe(403);
      expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    });

    test('info shows size, MD5, type and metadata of an object, the location of a bucket', async () => {
      const r = await c.ok(['info', `s3://${bucket}/dir/hello.txt`]);
      expect(r.stdout).toMatch(new RegExp(`File size:\\s+${hello.length}\\b`));
      expect(r.stdout).toMatch(new RegExp(`MD5 sum:\\s+${createHash('md5').update(hello).digest('hex')}`));
      expect(r.stdout).toMatch(/MIME type:\s+text\/plain/);
      expect(r.stdout).toContain('x-amz-meta-s3cmd-attrs:');
      const b = await c.ok(['info', `s3://${bucket}`]);
      expect(b.stdout).toMatch(/Location:\s+us-east-1/);
    });

    test('setacl --acl-public / --acl-private and put --acl-public control anonymous reads', async () => {
      const anonymous = async (key: string) => {
        const res = await fetch(`${ts.endpoint}/${bucket}/${key}`);
        return { status: res.status, body: await res.text() };
      };
      expect(await anonymous('dir/hello.txt')).toMatchObject({ status: 403, body: expect.stringContaining('<Code>AccessDenied</Code>') });
      await c.ok(['setacl', '--acl-public', `s3://${bucket}/dir/hello.txt`]); // GetObjectAcl, then PutObjectAcl with a grant added
      expect(await anonymous('dir/hello.txt')).toEqual({ status: 200, body: hello });
      expect((await c.ok(['info', `s3://${bucket}/dir/hello.txt`])).stdout).toMatch(/ACL:\s+\*anon\*: READ/);
      await c.ok(['setacl', '--acl-private', `s3://${bucket}/dir/hello.txt`]);
      expect((await anonymous('dir/hello.txt')).status).toBe(403);
      expect((await c.ok(['info', `s3://${bucket}/dir/hello.txt`])).stdout).not.toMatch(/\*anon\*/);

      await c.ok(['put', '--acl-public', join(dir, 'hello.txt'), `s3://${bucket}/dir/public.txt`]); // x-amz-acl: public-read
      expect(await anonymous('dir/public.txt')).toEqual({ status: 200, body: hello });
      await c.ok(['del', `s3://${bucket}/dir/public.txt`]);
    });

    test('put -r uploads awkward names to exactly those keys; get -r brings them back', async () => {
      const src = join(dir, 'awkward');
      writeTree(src, AWKWARD);
      await c.ok(['put', '-r', `${src}/`, `s3://${bucket}/awkward/`]);
      expect(await keysUnder(bucket, 'awkward/')).toEqual(sizes(AWKWARD));
      const back = join(dir, 'awkward-back');
      mkdirSync(back);
      await c.ok(['get', '-r', `s3://${bucket}/awkward/`, `${back}/`]);
      expect(treeDigest(back)).toEqual(treeDigest(src));
    });

    test('ls, ls -r and la list prefixes and objects', async () => {
      const top = await c.ok(['ls', `s3://${bucket}`]);
      expect(top.stdout).toMatch(new RegExp(`^\\s+DIR\\s+s3://${bucket}/awkward/$`, 'm'));
      expect(top.stdout).toMatch(new RegExp(`^\\s+DIR\\s+s3://${bucket}/dir/$`, 'm'));
      const all = await c.ok(['ls', '-r', `s3://${bucket}`]);
      for (const k of ['dir/hello.txt', ...Object.keys(AWKWARD).map((k) => `awkward/${k}`)]) expect(all.stdout).toContain(`s3://${bucket}/${k}\n`);
      // la: every bucket's top level; la -r: every object of every bucket
      expect((await c.ok(['la'])).stdout).toMatch(new RegExp(`^\\s+DIR\\s+s3://${bucket}/dir/$`, 'm'));
      const la = await c.ok(['la', '-r']);
      expect(la.stdout).toMatch(new RegExp(`\\s${hello.length}\\s+s3://${bucket}/dir/hello\\.txt$`, 'm'));
    });

    test('cp copies server-side; mv moves (source gone)', async () => {
      await c.ok(['cp', `s3://${bucket}/dir/hello.txt`, `s3://${bucket}/dir/copy.txt`]);
      expect((await c.ok(['get', `s3://${bucket}/dir/copy.txt`, '-'])).stdout).toBe(hello);
      await c.ok(['mv', `s3://${bucket}/dir/copy.txt`, `s3://${bucket}/moved/copy ü.txt`]);
      expect(await keysUnder(bucket, 'dir/')).toEqual({ 'hello.txt': hello.length });
      expect((await c.ok(['get', `s3://${bucket}/moved/copy ü.txt`, '-'])).stdout).toBe(hello);
    });

    test('del removes an object', async () => {
      await c.ok(['del', `s3://${bucket}/moved/copy ü.txt`]);
      expect(await keysUnder(bucket, 'moved/')).toEqual({});
    });

    test('sync up (with --delete-removed), a no-op second sync, and sync back down', async () => {
      const src = join(dir, 'tree');
      const files: Record<string, Buffer | string> = {
        'a.txt': 'a',
        'sub dir/b.txt': 'bee',
        'ü/日本.bin': randomBytes(70_000),
        'gone.txt': 'to be removed',
        empty: '',
      };
      writeTree(src, files);
      const first = await c.ok(['sync', `${src}/`, `s3://${bucket}/tree/`]);
      expect(first.stdout.match(/^upload: /gm)?.length).toBe(Object.keys(files).length);
      expect(await keysUnder(bucket, 'tree/')).toEqual(sizes(files));

      const again = await c.ok(['sync', `${src}/`, `s3://${bucket}/tree/`]);
      expect(again.stdout).not.toMatch(/^upload: /m); // compared by size and MD5 (the ETag): nothing to do

      rmSync(join(src, 'gone.txt'));
      writeFileSync(join(src, 'a.txt'), 'A'); // same size, other bytes: only the MD5 tells
      const third = await c.ok(['sync', '--delete-removed', `${src}/`, `s3://${bucket}/tree/`]);
      expect(third.stdout).toMatch(/^upload: .*a\.txt/m);
      expect(third.stdout).toMatch(/^delete: .*gone\.txt/m);
      delete files['gone.txt'];
      files['a.txt'] = 'A';
      expect(await keysUnder(bucket, 'tree/')).toEqual(sizes(files));

      const back = join(dir, 'tree-back');
      await c.ok(['sync', `s3://${bucket}/tree/`, `${back}/`]);
      expect(treeDigest(back)).toEqual(treeDigest(src));
    });

    test('put --multipart-chunk-size-mb=5 of a 12 MiB file goes multipart, cp copies it in parts, both get back byte for byte', async () => {
      const big = join(dir, 'big.bin');
      writeFileSync(big, randomBytes(12 * MIB + 5));
      await c.ok(['put', '--multipart-chunk-size-mb=5', big, `s3://${bucket}/big/big.bin`]);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big/big.bin' }));
      expect(head.ContentLength).toBe(12 * MIB + 5);
      expect(head.ETag).toMatch(/^"[0-9a-f]{32}-3"$/); // 5 + 5 + 2 MiB parts
      await c.ok(['get', `s3://${bucket}/big/big.bin`, join(dir, 'big.back')]);
      expect(sha256File(join(dir, 'big.back'))).toBe(sha256File(big));
      const md5 = createHash('md5').update(readFileSync(big)).digest('hex');
      const info = await c.ok(['info', `s3://${bucket}/big/big.bin`]);
      expect(info.stdout).toMatch(new RegExp(`MD5 sum:\\s+${md5}`)); // from x-amz-meta-s3cmd-attrs: the ETag is not an MD5

      const logStart = accessLog.length;
      await c.ok(['cp', `s3://${bucket}/big/big.bin`, `s3://${bucket}/big/copy.bin`]);
      expect(accessLog.slice(logStart).filter((l) => l.operation === 'UploadPartCopy' && l.status === 200).length).toBe(3);
      await c.ok(['get', `s3://${bucket}/big/copy.bin`, join(dir, 'copy.back')]);
      expect(sha256File(join(dir, 'copy.back'))).toBe(sha256File(big));
      expect((await c.ok(['info', `s3://${bucket}/big/copy.bin`])).stdout).toMatch(new RegExp(`MD5 sum:\\s+${md5}`));
      for (const f of ['big.bin', 'big.back', 'copy.back']) rmSync(join(dir, f));
    });

    test('multipart lists uploads in progress, listmp their parts, abortmp aborts one', async () => {
      const key = 'pending/k ü+1';
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: randomBytes(5 * MIB) }));
      const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: 'tail' }));
      const list = await c.ok(['multipart', `s3://${bucket}`]);
      expect(list.stdout).toMatch(new RegExp(`^\\S+\\s+s3://${bucket}/pending/k ü\\+1\\s+${UploadId}$`, 'm'));
      const parts = await c.ok(['listmp', `s3://${bucket}/${key}`, UploadId!]);
      expect(parts.stdout).toMatch(new RegExp(`^\\S+\\s+1\\s+${p1.ETag}\\s+${5 * MIB}$`, 'm'));
      expect(parts.stdout).toMatch(new RegExp(`^\\S+\\s+2\\s+${p2.ETag}\\s+4$`, 'm'));
      await c.ok(['abortmp', `s3://${bucket}/${key}`, UploadId!]);
      expect((await c.ok(['multipart', `s3://${bucket}`])).stdout).not.toContain(UploadId!);
    });

    test('put - streams stdin as a multipart upload (one part when small, several when not)', async () => {
      await c.ok(['put', '-', `s3://${bucket}/stdin/small.txt`], 'from stdin\n');
      expect((await c.ok(['get', `s3://${bucket}/stdin/small.txt`, '-'])).stdout).toBe('from stdin\n');
      const small = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'stdin/small.txt' }));
      expect(small.ETag).toMatch(/^"[0-9a-f]{32}-1"$/);

      const body = randomBytes(7 * MIB);
      await c.ok(['put', '--multipart-chunk-size-mb=5', '-', `s3://${bucket}/stdin/big.bin`], body);
      const big = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'stdin/big.bin' }));
      expect({ etag: big.ETag, length: big.ContentLength }).toEqual({ etag: expect.stringMatching(/^"[0-9a-f]{32}-2"$/), length: body.length });
      await c.ok(['get', `s3://${bucket}/stdin/big.bin`, join(dir, 'stdin.back')]);
      expect(readFileSync(join(dir, 'stdin.back')).equals(body)).toBe(true);
      rmSync(join(dir, 'stdin.back'));
    });

    test('rb refuses a non-empty bucket (BucketNotEmpty); del -r then rb removes it', async () => {
      const refused = await c.cmd(['rb', `s3://${bucket}`]);
      if (refused.code === 0) throw new Error(`rb of a non-empty bucket succeeded:\n${refused.stdout}`);
      expect(refused.stderr).toContain('BucketNotEmpty');
      await c.ok(['del', '-r', '--force', `s3://${bucket}`]);
      expect((await c.ok(['rb', `s3://${bucket}`])).stdout).toContain(`Bucket 's3://${bucket}/' removed`);
      expect((await c.ok(['ls'])).stdout).not.toContain(`s3://${bucket}\n`);
    });
  });

  describe('s3cmd bucket settings and in-place changes (SigV4)', () => {
    const bucket = 's3cmd-settings';
    let c: ReturnType<typeof s3cmdWith>;
    const anonymous = async (key: string) => (await fetch(`${ts.endpoint}/${bucket}/${key}`)).status;

    beforeAll(async () => {
      c = s3cmdWith('settings', {});
      writeFileSync(join(work, 'x.txt'), 'x');
      await c.ok(['mb', `s3://${bucket}`]);
      await c.ok(['put', join(work, 'x.txt'), `s3://${bucket}/pub/x.txt`]);
      await c.ok(['put', join(work, 'x.txt'), `s3://${bucket}/priv/x.txt`]);
    });

    test('setpolicy grants anonymous reads under a prefix; info shows the policy; delpolicy takes it back', async () => {
      const policy = {
        Version: '2012-10-17',
        Statement: [{ Sid: 'pub', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/pub/*` }],
      };
      writeFileSync(join(work, 'policy.json'), JSON.stringify(policy));
      await c.ok(['setpolicy', join(work, 'policy.json'), `s3://${bucket}`]);
      expect([await anonymous('pub/x.txt'), await anonymous('priv/x.txt')]).toEqual([200, 403]);
      expect((await c.ok(['info', `s3://${bucket}`])).stdout).toContain(`"Resource":"arn:aws:s3:::${bucket}/pub/*"`);
      await c.ok(['delpolicy', `s3://${bucket}`]);
      expect(await anonymous('pub/x.txt')).toBe(403);
    });

    test('setcors answers preflights for the allowed origin; delcors removes the rules', async () => {
      writeFileSync(
        join(work, 'cors.xml'),
        '<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod>' +
          '<MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>',
      );
      const preflight = () =>
        fetch(`${ts.endpoint}/${bucket}/pub/x.txt`, {
          method: 'OPTIONS',
          headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
        });
      await c.ok(['setcors', join(work, 'cors.xml'), `s3://${bucket}`]);
      const ok = await preflight();
      expect({ status: ok.status, origin: ok.headers.get('access-control-allow-origin') }).toEqual({ status: 200, origin: 'https://app.example' });
      expect((await c.ok(['info', `s3://${bucket}`])).stdout).toMatch(/CORS:\s+.*<AllowedOrigin>https:\/\/app\.example<\/AllowedOrigin>/);
      await c.ok(['delcors', `s3://${bucket}`]);
      expect((await preflight()).status).toBe(403);
    });

    test('modify changes headers in place (copy onto itself, REPLACE) and keeps the bytes and metadata', async () => {
      const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'pub/x.txt' }));
      await c.ok(['modify', '--add-header=Cache-Control:no-cache', `s3://${bucket}/pub/x.txt`]);
      const after = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'pub/x.txt' }));
      expect({ cache: after.CacheControl, etag: after.ETag, attrs: after.Metadata?.['s3cmd-attrs'] }).toEqual({
        cache: 'no-cache',
        etag: before.ETag,
        attrs: before.Metadata?.['s3cmd-attrs'],
      });
      expect((await c.ok(['get', `s3://${bucket}/pub/x.txt`, '-'])).stdout).toBe('x');
    });

    test('du sums the bucket', async () => {
      expect((await c.ok(['du', `s3://${bucket}`])).stdout).toMatch(new RegExp(`^\\s*2\\s+2 objects s3://${bucket}/`, 'm'));
      await c.ok(['del', '-r', '--force', `s3://${bucket}`]);
      await c.ok(['rb', `s3://${bucket}`]);
    });
  });

  describe.each<Mode>([
    { label: 'SigV4', signatureV2: false },
    { label: 'SigV2', signatureV2: true },
  ])('s3cmd virtual-hosted style (through the name-resolving proxy), $label', ({ label, signatureV2 }) => {
    test('mb, put, ls, get, setacl, del, rb with the bucket in the Host header', async () => {
      // SigV2 signs the bucket from the Host header back into the resource (/bucket/key?acl)
      const bucket = `s3cmd-vhost-${label.toLowerCase()}`;
      const c = s3cmdWith(`vhost-${label}`, {
        signature_v2: signatureV2,
        host_base: `s3.localhost:${ts.port}`,
        host_bucket: `%(bucket)s.s3.localhost:${ts.port}`,
        proxy_host: '127.0.0.1',
        proxy_port: proxy.port,
      });
      const start = proxy.hosts.length;
      const file = join(work, 'vhost.txt');
      writeFileSync(file, 'virtual');
      await c.ok(['mb', `s3://${bucket}`]);
      await c.ok(['put', file, `s3://${bucket}/v/k ü.txt`]);
      expect((await c.ok(['ls', '-r', `s3://${bucket}`])).stdout).toContain(`s3://${bucket}/v/k ü.txt`);
      expect((await c.ok(['get', `s3://${bucket}/v/k ü.txt`, '-'])).stdout).toBe('virtual');
      await c.ok(['setacl', '--acl-public', `s3://${bucket}/v/k ü.txt`]);
      expect((await fetch(`${ts.endpoint}/${bucket}/v/k%20%C3%BC.txt`)).status).toBe(200);
      await c.ok(['del', `s3://${bucket}/v/k ü.txt`]);
      await c.ok(['rb', `s3://${bucket}`]);
      const hosts = proxy.hosts.slice(start);
      // object and bucket requests name the bucket in the host; with SigV4 s3cmd also asks
      // ?location (for the signing region) on the bare endpoint
      const vhost = `${bucket}.s3.localhost:${ts.port}`;
      expect(hosts.filter((h) => h === vhost).length).toBeGreaterThanOrEqual(8);
      expect([...new Set(hosts)].sort()).toEqual(signatureV2 ? [vhost] : [`s3.localhost:${ts.port}`, vhost].sort());
    });
  });
}
