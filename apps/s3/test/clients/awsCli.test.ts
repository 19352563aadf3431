/**
 * The AWS CLI, unchanged, against the real server (in-process, port 0, temp data dir).
 *
 * Runs once per distinct AWS CLI found: the `aws` on PATH (on the CI image: the pyenv AWS CLI v1
 * with a current botocore, which sends the SDKs' default CRC32 checksums) and Debian's
 * /usr/bin/aws (v2, installed by .ci/run). Override with CAIRN_AWS_CLI=/path/one:/path/two.
 *
 * Each CLI gets its own config file (path-style addressing) and credentials through the
 * environment; nothing from the developer's ~/.aws is read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { rawRequest } from '../helpers/rawRequest';
import { startTestServer, type TestServer } from '../helpers/server';
import { expectSuccess, probeVersion, requireClient, run, sha256File, treeDigest, which, type RunResult } from './clientEnv';

interface AwsCli {
  path: string;
  version: string;
  label: string;
}

function findAwsClis(): AwsCli[] {
  const candidates = process.env.CAIRN_AWS_CLI
    ? process.env.CAIRN_AWS_CLI.split(':').filter(Boolean)
    : [which('aws'), '/usr/bin/aws', '/usr/local/bin/aws'].filter((p): p is string => !!p);
  const seen = new Set<string>();
  const out: AwsCli[] = [];
  for (const path of candidates) {
    const version = probeVersion(path);
    if (!version || seen.has(version)) continue;
    seen.add(version);
    const major = /aws-cli\/(\d+)/.exec(version)?.[1] ?? 'x';
    out.push({ path, version, label: `v${major}-${out.length}` });
  }
  return out;
}

const CLIS = findAwsClis();

// Real clients are separate processes (Python start-up, 20 MiB transfers): allow slow CI machines.
jest.setTimeout(240_000);
const MIB = 1024 * 1024;

let ts: TestServer;
let work: string;
let bigFile: string;

beforeAll(async () => {
  if (CLIS.length === 0) return;
  ts = await startTestServer({ websiteDomains: ['s3-website.localhost'] });
  work = mkdtempSync(join(tmpdir(), 'cairn-awscli-'));
  bigFile = join(work, 'big.bin');
  writeFileSync(bigFile, randomBytes(20 * MIB));
});

afterAll(async () => {
  await ts?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

if (requireClient('AWS CLI (aws)', CLIS.length > 0, 'Debian: apt-get install awscli; or pip install awscli')) {
  describe.each(CLIS)('AWS CLI $label ($version)', (cli) => {
    const bucket = `cli-${cli.label}`;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const aws = (args: string[], opts: { input?: string | Buffer } = {}): Promise<RunResult> =>
      run(cli.path, ['--endpoint-url', ts.endpoint, ...args], { env, cwd: dir, input: opts.input, timeoutMs: 300_000 });
    const ok = async (args: string[], opts: { input?: string | Buffer } = {}) => expectSuccess(await aws(args, opts));
    const json = async <T = any>(args: string[]): Promise<T> => {
      const r = await ok([...args, '--output', 'json']);
      return (r.stdout.trim() ? JSON.parse(r.stdout) : {}) as T;
    };

    beforeAll(() => {
      dir = join(work, cli.label);
      mkdirSync(dir, { recursive: true });
      const config = join(dir, 'aws-config');
      writeFileSync(
        config,
        [
          '[default]',
          'region = us-east-1',
          'output = json',
          's3 =',
          '  addressing_style = path',
          '  multipart_threshold = 8MB',
          '  multipart_chunksize = 8MB',
          '  max_concurrent_requests = 4',
          '',
        ].join('\n'),
      );
      const base: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) base[k] = v;
      env = {
        ...base,
        AWS_ACCESS_KEY_ID: ts.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ts.secretAccessKey,
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
        AWS_PAGER: '',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_MAX_ATTEMPTS: '1',
      };
    });

    test('s3 mb creates the bucket; s3 ls lists it', async () => {
      const r = await ok(['s3', 'mb', `s3://${bucket}`]);
      expect(r.stdout).toContain(`make_bucket: ${bucket}`);
      const ls = await ok(['s3', 'ls']);
      expect(ls.stdout).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${bucket}\\s*$`, 'm'));
    });

    test('s3 cp uploads and downloads a 20 MiB file byte for byte', async () => {
      const up = await ok(['s3', 'cp', bigFile, `s3://${bucket}/big/big.bin`]);
      expect(up.stdout).toContain(`upload: `);
      const down = join(dir, 'big.down');
      await ok(['s3', 'cp', `s3://${bucket}/big/big.bin`, down]);
      expect(sha256File(down)).toBe(sha256File(bigFile));
    });

    test('s3 ls shows the object with its size', async () => {
      const r = await ok(['s3', 'ls', `s3://${bucket}/big/`]);
      expect(r.stdout).toMatch(new RegExp(`\\s${20 * MIB} big\\.bin\\s*$`, 'm'));
    });

    test('s3 cp of a 100 MiB file goes multipart (8 MiB parts, 4 in flight) and round-trips', async () => {
      const hundred = join(dir, 'hundred.bin');
      writeFileSync(hundred, randomBytes(100 * MIB));
      await ok(['s3', 'cp', hundred, `s3://${bucket}/big/multipart.bin`]);
      const head = await json<{ ETag: string; ContentLength: number }>(['s3api', 'head-object', '--bucket', bucket, '--key', 'big/multipart.bin']);
      expect(head.ContentLength).toBe(100 * MIB);
      expect(head.ETag).toMatch(/^"[0-9a-f]{32}-13"$/); // 12 parts of 8 MiB and one of 4 MiB
      const down = join(dir, 'multipart.down');
      await ok(['s3', 'cp', `s3://${bucket}/big/multipart.bin`, down]);
      expect(sha256File(down)).toBe(sha256File(hundred));
      rmSync(hundred);
      rmSync(down);
      await ok(['s3', 'rm', `s3://${bucket}/big/multipart.bin`]);
    });

    test('s3 cp from stdin / to stdout with awkward keys', async () => {
      const keys = ['odd key +&=?#.txt', 'ü/日本語.txt', '~tilde/(paren)[bracket]', 'quote\'s"double'];
      // independent keys: run the CLI processes side by side (each one is mostly Python start-up)
      await Promise.all(keys.map((key) => ok(['s3', 'cp', '-', `s3://${bucket}/odd/${key}`], { input: `body of ${key}\n` })));
      const back = await Promise.all(keys.map((key) => ok(['s3', 'cp', `s3://${bucket}/odd/${key}`, '-'])));
      keys.forEach((key, i) => expect({ key, body: back[i].stdout }).toEqual({ key, body: `body of ${key}\n` }));
      const ls = await ok(['s3', 'ls', '--recursive', `s3://${bucket}/odd/`]);
      expect(ls.stdout).toContain('odd/odd key +&=?#.txt');
      expect(ls.stdout).toContain('odd/ü/日本語.txt');
    });

    test('s3 sync uploads a tree and syncs it back byte for byte; a second sync is a no-op', async () => {
      const src = join(dir, 'tree');
      const files: Record<string, Buffer> = {
        'a.txt': Buffer.from('hello\n'),
        'dir one/b c.txt': Buffer.from('spaces in names'),
        'ü/é.bin': randomBytes(100 * 1024),
        'deep/er/still/x+y.dat': randomBytes(3000),
        empty: Buffer.alloc(0),
        '日本/語.txt': Buffer.from('unicode'),
        'chunky.bin': randomBytes(3 * MIB + 17),
      };
      const anHourAgo = new Date(Date.now() - 3600_000);
      for (const [rel, data] of Object.entries(files)) {
        const p = join(src, rel);
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, data);
        utimesSync(p, anHourAgo, anHourAgo); // older than the upload: sync decides on size + time
      }
      const up = await ok(['s3', 'sync', src, `s3://${bucket}/tree/`]);
      expect(up.stdout.match(/^upload: /gm)?.length).toBe(Object.keys(files).length);

      const ls = await ok(['s3', 'ls', '--recursive', `s3://${bucket}/tree/`]);
      for (const rel of Object.keys(files)) expect(ls.stdout).toContain(`tree/${rel}`);

      const back = join(dir, 'tree-back');
      await ok(['s3', 'sync', `s3://${bucket}/tree/`, back]);
      expect(treeDigest(back)).toEqual(treeDigest(src));

      const again = await ok(['s3', 'sync', src, `s3://${bucket}/tree/`]);
      expect(again.stdout.trim()).toBe('');

      // change one file: only it is uploaded
      writeFileSync(join(src, 'a.txt'), 'hello, changed\n');
      const third = await ok(['s3', 'sync', src, `s3://${bucket}/tree/`]);
      expect(third.stdout.match(/^upload: /gm)?.length).toBe(1);
      expect(third.stdout).toContain('tree/a.txt');
      const r = await ok(['s3', 'cp', `s3://${bucket}/tree/a.txt`, '-']);
      expect(r.stdout).toBe('hello, changed\n');
    });

    test('s3api head-object returns size, ETag, type and metadata', async () => {
      await ok(['s3', 'cp', '-', `s3://${bucket}/meta/obj.json`, '--content-type', 'application/json', '--metadata', 'color=blue,shape=round'], {
        input: '{"a":1}',
      });
      const head = await json<any>(['s3api', 'head-object', '--bucket', bucket, '--key', 'meta/obj.json']);
      expect(head.ContentLength).toBe(7);
      expect(head.ETag).toBe('"' + createHash('md5').update('{"a":1}').digest('hex') + '"');
      expect(head.ContentType).toBe('application/json');
      expect(head.Metadata).toEqual({ color: 'blue', shape: 'round' });
      expect(typeof head.LastModified).toBe('string');

      const big = await json<any>(['s3api', 'head-object', '--bucket', bucket, '--key', 'big/big.bin']);
      expect(big.ContentLength).toBe(20 * MIB);
    });

    test('s3api head-object of a missing key fails with 404', async () => {
      const r = await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'no/such/key']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/404|Not Found/);
    });

    test('s3api copy-object copies (COPY and REPLACE metadata directives)', async () => {
      const src = await json<any>(['s3api', 'head-object', '--bucket', bucket, '--key', 'meta/obj.json']);
      const copy = await json<any>(['s3api', 'copy-object', '--bucket', bucket, '--key', 'meta/copy.json', '--copy-source', `${bucket}/meta/obj.json`]);
      expect(copy.CopyObjectResult.ETag).toBe(src.ETag);
      const h1 = await json<any>(['s3api', 'head-object', '--bucket', bucket, '--key', 'meta/copy.json']);
      expect(h1.Metadata).toEqual({ color: 'blue', shape: 'round' });
      expect(h1.ContentType).toBe('application/json');

      await ok([
        's3api',
        'copy-object',
        '--bucket',
        bucket,
        '--key',
        'meta/replaced.json',
        '--copy-source',
        `${bucket}/meta/obj.json`,
        '--metadata-directive',
        'REPLACE',
        '--metadata',
        'color=red',
        '--content-type',
        'text/plain',
      ]);
      const h2 = await json<any>(['s3api', 'head-object', '--bucket', bucket, '--key', 'meta/replaced.json']);
      expect(h2.Metadata).toEqual({ color: 'red' });
      expect(h2.ContentType).toBe('text/plain');
      expect(h2.ETag).toBe(src.ETag);

      const r = await ok(['s3', 'cp', `s3://${bucket}/meta/replaced.json`, '-']);
      expect(r.stdout).toBe('{"a":1}');

      // the big one too: a 20 MiB copy (metadata-only in Cairn)
      await ok(['s3api', 'copy-object', '--bucket', bucket, '--key', 'big/copy.bin', '--copy-source', `${bucket}/big/big.bin`]);
      const down = join(dir, 'big-copy.down');
      await ok(['s3', 'cp', `s3://${bucket}/big/copy.bin`, down]);
      expect(sha256File(down)).toBe(sha256File(bigFile));
    });

    test('s3api list-objects-v2 pages with --page-size / --max-items / --starting-token', async () => {
      const keys = Array.from({ length: 7 }, (_, i) => `page/k${i}`);
      const local = join(dir, 'page-src');
      for (const k of keys) {
        mkdirSync(dirname(join(local, k)), { recursive: true });
        writeFileSync(join(local, k), k);
      }
      await ok(['s3', 'cp', '--recursive', join(local, 'page'), `s3://${bucket}/page/`]);

      // --no-paginate: exactly one ListObjectsV2 response, as the server sent it
      const all = await json<any>(['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'page/', '--no-paginate']);
      expect(all.Contents.map((c: any) => c.Key)).toEqual(keys);
      expect(all.KeyCount).toBe(7);

      // --page-size 2 makes the CLI follow continuation tokens (MaxKeys=2 per request)
      const first = await json<any>(['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'page/', '--page-size', '2', '--max-items', '3']);
      expect(first.Contents.map((c: any) => c.Key)).toEqual(keys.slice(0, 3));
      expect(typeof first.NextToken).toBe('string');
      const rest = await json<any>([
        's3api',
        'list-objects-v2',
        '--bucket',
        bucket,
        '--prefix',
        'page/',
        '--page-size',
        '2',
        '--starting-token',
        first.NextToken,
      ]);
      expect(rest.Contents.map((c: any) => c.Key)).toEqual(keys.slice(3));
      expect(rest.NextToken).toBeUndefined();

      // delimiter: common prefixes at the top level
      const top = await json<any>(['s3api', 'list-objects-v2', '--bucket', bucket, '--delimiter', '/']);
      const prefixes = (top.CommonPrefixes ?? []).map((p: any) => p.Prefix);
      expect(prefixes).toEqual(expect.arrayContaining(['big/', 'meta/', 'odd/', 'page/', 'tree/']));
    });

    test('s3api delete-objects deletes several keys and reports them', async () => {
      const del = await json<any>([
        's3api',
        'delete-objects',
        '--bucket',
        bucket,
        '--delete',
        JSON.stringify({ Objects: [{ Key: 'page/k0' }, { Key: 'page/k1' }, { Key: 'page/does-not-exist' }], Quiet: false }),
      ]);
      expect((del.Deleted ?? []).map((d: any) => d.Key).sort()).toEqual(['page/does-not-exist', 'page/k0', 'page/k1']);
      expect(del.Errors ?? []).toEqual([]);
      const left = await json<any>(['s3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'page/']);
      expect(left.Contents.map((c: any) => c.Key)).toEqual(['page/k2', 'page/k3', 'page/k4', 'page/k5', 'page/k6']);
    });

    test('s3 rm --recursive empties the bucket; s3 rb removes it', async () => {
      const rm = await ok(['s3', 'rm', `s3://${bucket}/`, '--recursive']);
      expect(rm.stdout).toMatch(/^delete: /m);
      const ls = await aws(['s3', 'ls', '--recursive', `s3://${bucket}/`]);
      expect([0, 1]).toContain(ls.code); // the CLI exits 1 when nothing matched
      expect(ls.stdout.trim()).toBe('');
      const rb = await ok(['s3', 'rb', `s3://${bucket}`]);
      expect(rb.stdout).toContain(`remove_bucket: ${bucket}`);
      const buckets = await ok(['s3', 'ls']);
      expect(buckets.stdout).not.toMatch(new RegExp(` ${bucket}\\s*$`, 'm'));
    });

    afterAll(() => {
      // keep big temp files from piling up between CLIs
      for (const f of ['big.down', 'big-copy.down', 'multipart.down']) rmSync(join(dir, f), { force: true });
    });

    test('s3 website + s3 sync + a public-read policy host a static site (the README walk-through)', async () => {
      const site = `site-${cli.label}`;
      const siteDir = join(dir, 'site');
      mkdirSync(join(siteDir, 'docs'), { recursive: true });
      writeFileSync(join(siteDir, 'index.html'), '<h1>home</h1>');
      writeFileSync(join(siteDir, 'error.html'), '<h1>custom error</h1>');
      writeFileSync(join(siteDir, 'docs', 'index.html'), '<h1>docs</h1>');
      await ok(['s3', 'mb', `s3://${site}`]);
      await ok(['s3', 'website', `s3://${site}`, '--index-document', 'index.html', '--error-document', 'error.html']);
      expect(await json(['s3api', 'get-bucket-website', '--bucket', site])).toEqual({
        IndexDocument: { Suffix: 'index.html' },
        ErrorDocument: { Key: 'error.html' },
      });
      await ok(['s3', 'sync', siteDir, `s3://${site}`]);
      const policy = {
        Version: '2012-10-17',
        Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${site}/*` }],
      };
      await ok(['s3api', 'put-bucket-policy', '--bucket', site, '--policy', JSON.stringify(policy)]);
      const web = (path: string) => rawRequest(ts.endpoint, { method: 'GET', path, host: `${site}.s3-website.localhost:${ts.port}`, auth: 'none' });
      const home = await web('/');
      expect([home.status, home.headers['content-type'], home.body]).toEqual([200, 'text/html', '<h1>home</h1>']); // s3 sync guessed the type
      expect((await web('/docs')).headers.location).toBe('/docs/');
      expect((await web('/docs/')).body).toBe('<h1>docs</h1>');
      const missing = await web('/missing.html');
      expect([missing.status, missing.body]).toEqual([403, '<h1>custom error</h1>']); // GetObject alone: absence is not revealed
      await ok(['s3api', 'delete-bucket-website', '--bucket', site]);
      const gone = await aws(['s3api', 'get-bucket-website', '--bucket', site]);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toContain('NoSuchWebsiteConfiguration');
      await ok(['s3', 'rb', `s3://${site}`, '--force']);
    });
  });
}
