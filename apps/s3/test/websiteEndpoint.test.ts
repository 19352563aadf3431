/**
 * The website endpoint over raw HTTP (the Host header set by hand): a server started with
 * websiteDomains ['s3-website.localhost'] serves `<bucket>.s3-website.localhost:<port>` as a
 * static site and everything else as the REST API. Buckets are configured through the SDK.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  S3Client,
  PutBucketPolicyCommand,
  PutBucketRequestPaymentCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  type WebsiteConfiguration,
} from '@aws-sdk/client-s3';
import { parseS3Error, rawRequest, type RawResponse } from './helpers/rawRequest';
import { parseServeArgs } from '../src/cli';
import { bundleCli } from './helpers/cliBundle';
import { ROOT_KEY, ROOT_SECRET, startTestServer, type TestServer } from './helpers/server';

const DOMAIN = 's3-website.localhost';

let t: TestServer;
let s3: S3Client;

beforeAll(async () => {
  t = await startTestServer({ websiteDomains: [DOMAIN] });
  s3 = t.client();
});
afterAll(() => t.stop());

/** An anonymous request to the website host of `bucket` (nothing signed unless `signed`). */
function web(
  bucket: string,
  path: string,
  o: { method?: string; headers?: Record<string, string>; signed?: boolean; body?: string } = {},
): Promise<RawResponse> {
  return rawRequest(t.endpoint, {
    method: o.method ?? 'GET',
    path,
    host: `${bucket}.${DOMAIN}:${t.port}`,
    headers: o.headers,
    auth: o.signed ? 'sigv4' : 'none',
    body: o.body,
  });
}

async function put(Bucket: string, Key: string, Body: string, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}): Promise<string> {
  const r = await s3.send(new PutObjectCommand({ Bucket, Key, Body, ACL: 'public-read', ContentType: 'text/html', ...extra }));
  return r.ETag!;
}

const site = (Bucket: string, WebsiteConfiguration: WebsiteConfiguration) => s3.send(new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration }));

/** The `<li>Name: value</li>` lines of an S3 website error page. */
function pageItems(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<li>([^:<]+): ([^<]*)<\/li>/g)) out[m[1]] ??= m[2];
  return out;
}

describe('a bucket with public objects and a public listing (missing keys are 404)', () => {
  const B = 'site';
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B, ACL: 'public-read' }));
    await put(B, 'index.html', '<h1>home</h1>');
    await put(B, 'style.css', 'body{}', { ContentType: 'text/css' });
    await put(B, 'docs/index.html', 'docs home');
    await put(B, 'docs/page.html', 'a page');
    await put(B, 'empty/', '');
    await put(B, 'secret.html', 'secret', { ACL: 'private' });
    await put(B, 'moved.html', 'old', { WebsiteRedirectLocation: '/docs/page.html' });
    await put(B, 'away.html', 'old', { WebsiteRedirectLocation: 'https://example.com/away' });
    await put(B, '404.html', 'custom not found');
    await site(B, { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' } });
  });

  it('serves the index document for the root and for …/ keys, with the object headers of GetObject', async () => {
    const root = await web(B, '/');
    expect(root.status).toBe(200);
    expect(root.body).toBe('<h1>home</h1>');
    const rest = await rawRequest(t.endpoint, { method: 'HEAD', path: `/${B}/index.html` });
    for (const h of ['content-type', 'etag', 'last-modified', 'content-length']) expect(root.headers[h]).toBe(rest.headers[h]);
    expect(root.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    const docs = await web(B, '/docs/');
    expect([docs.status, docs.body]).toEqual([200, 'docs home']);
    const css = await web(B, '/style.css');
    expect([css.status, css.headers['content-type'], css.body]).toEqual([200, 'text/css', 'body{}']);
    // query strings mean nothing on the website endpoint
    expect((await web(B, '/docs/page.html?acl')).body).toBe('a page');
    // HEAD: the same headers, no body
    const head = await web(B, '/docs/page.html', { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, '6', '']);
  });

  it('answers 302 to key/ when key is missing but key/<index> exists; a …/ key needs its index', async () => {
    const r = await web(B, '/docs');
    expect([r.status, r.headers.location, r.body]).toEqual([302, '/docs/', '']);
    expect((await web(B, '/docs?x=1')).headers.location).toBe('/docs/');
    // "empty/" exists but "empty/index.html" does not: the error document, as S3
    const e = await web(B, '/empty/');
    expect([e.status, e.body]).toEqual([404, 'custom not found']);
  });

  it('serves the ErrorDocument with the original status (404 missing, 403 private)', async () => {
    const missing = await web(B, '/nope.html');
    expect([missing.status, missing.body, missing.headers['content-type']]).toEqual([404, 'custom not found', 'text/html']);
    const secret = await web(B, '/secret.html');
    expect([secret.status, secret.body]).toEqual([403, 'custom not found']);
    // signing changes nothing: the website endpoint is anonymous
    expect((await web(B, '/secret.html', { signed: true })).status).toBe(403);
    const head = await web(B, '/nope.html', { method: 'HEAD' });
    expect([head.status, head.body]).toEqual([404, '']);
  });

  it('redirects objects with x-amz-website-redirect-location (301), only on the website endpoint', async () => {
    const r = await web(B, '/moved.html');
    expect([r.status, r.headers.location, r.body]).toEqual([301, '/docs/page.html', '']);
    expect((await web(B, '/away.html')).headers.location).toBe('https://example.com/away');
    const rest = await rawRequest(t.endpoint, { method: 'GET', path: `/${B}/moved.html`, auth: 'none' });
    expect([rest.status, rest.body, rest.headers['x-amz-website-redirect-location']]).toEqual([200, 'old', '/docs/page.html']);
  });

  it('supports conditional GET and Range as the REST API does', async () => {
    const first = await web(B, '/docs/page.html');
    const etag = first.headers.etag!;
    const notModified = await web(B, '/docs/page.html', { headers: { 'if-none-match': etag } });
    expect([notModified.status, notModified.body, notModified.headers.etag]).toEqual([304, '', etag]);
    const since = await web(B, '/docs/page.html', { headers: { 'if-modified-since': first.headers['last-modified']! } });
    expect(since.status).toBe(304);
    expect((await web(B, '/docs/page.html', { headers: { 'if-match': '"0000"' } })).status).toBe(412);
    const range = await web(B, '/docs/page.html', { headers: { range: 'bytes=2-5' } });
    expect([range.status, range.body, range.headers['content-range']]).toEqual([206, 'page', 'bytes 2-5/6']);
    const bad = await web(B, '/docs/page.html', { headers: { range: 'bytes=100-' } });
    expect(bad.status).toBe(416);
    expect(pageItems(bad.body).Code).toBe('InvalidRange');
  });

  it('allows GET and HEAD only: other methods are 405 pages and change nothing', async () => {
    for (const method of ['PUT', 'POST', 'DELETE']) {
      const r = await web(B, '/index.html', { method, body: 'overwritten', signed: true });
      expect(r.status).toBe(405);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(pageItems(r.body)).toMatchObject({ Code: 'MethodNotAllowed', Method: method, ResourceType: 'OBJECT' });
    }
    expect((await web(B, '/')).body).toBe('<h1>home</h1>');
  });

  it('leaves the REST API unchanged on every other host', async () => {
    const list = await rawRequest(t.endpoint, { method: 'GET', path: `/${B}`, auth: 'none' });
    expect([list.status, list.headers['content-type']]).toEqual([200, 'application/xml']);
    const vhost = await rawRequest(t.endpoint, { method: 'GET', path: '/', host: `${B}.s3.localhost:${t.port}`, auth: 'none' });
    expect(vhost.body).toContain('<ListBucketResult');
    const missing = await rawRequest(t.endpoint, { method: 'GET', path: `/${B}/nope.html`, auth: 'none' });
    expect([missing.status, parseS3Error(missing.body).code]).toEqual([404, 'NoSuchKey']);
    const dir = await rawRequest(t.endpoint, { method: 'GET', path: `/${B}/docs/`, auth: 'none' });
    expect(dir.status).toBe(404); // no index documents on the REST API
  });
});

describe('S3 error pages', () => {
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain', ACL: 'public-read' }));
    await put('plain', 'index.html', 'x');
    await site('plain', { IndexDocument: { Suffix: 'index.html' } });
    await s3.send(new CreateBucketCommand({ Bucket: 'broken-errdoc', ACL: 'public-read' }));
    await put('broken-errdoc', 'private-404.html', 'hidden', { ACL: 'private' });
    await site('broken-errdoc', { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'private-404.html' } });
    await s3.send(new CreateBucketCommand({ Bucket: 'not-a-site' }));
  });

  it('404 NoSuchKey: the default page lists Code, Message, Key, RequestId, HostId', async () => {
    const r = await web('plain', '/missing/page.html');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['x-amz-error-code']).toBe('NoSuchKey');
    expect(r.body).toContain('<head><title>404 Not Found</title></head>');
    expect(r.body).toContain('<h1>404 Not Found</h1>');
    expect(pageItems(r.body)).toEqual({
      Code: 'NoSuchKey',
      Message: 'The specified key does not exist.',
      Key: 'missing/page.html',
      RequestId: r.headers['x-amz-request-id'],
      HostId: r.headers['x-amz-id-2'],
    });
    // the index document's key is the one reported for a folder
    expect(pageItems((await web('plain', '/sub/')).body).Key).toBe('sub/index.html');
  });

  it('an ErrorDocument that cannot be read is reported under the original error', async () => {
    const r = await web('broken-errdoc', '/x');
    expect(r.status).toBe(404);
    expect(r.body).toContain('<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>');
    expect(r.body).toContain('<li>Code: AccessDenied</li>');
    expect(r.body).not.toContain('hidden');
  });

  it('a bucket without a website configuration, and a missing bucket, are 404 pages naming the bucket', async () => {
    const none = await web('not-a-site', '/');
    expect(none.status).toBe(404);
    expect(pageItems(none.body)).toMatchObject({
      Code: 'NoSuchWebsiteConfiguration',
      Message: 'The specified bucket does not have a website configuration',
      BucketName: 'not-a-site',
    });
    const missing = await web('no-such-bucket', '/');
    expect(missing.status).toBe(404);
    expect(pageItems(missing.body)).toMatchObject({ Code: 'NoSuchBucket', BucketName: 'no-such-bucket' });
  });

  it('escapes what it echoes', async () => {
    const r = await web('plain', '/%3Cscript%3E');
    expect(r.body).toContain('<li>Key: &lt;script&gt;</li>');
    expect(r.body).not.toContain('<script>');
  });
});

describe('objects readable through a policy only (GetObject without ListBucket)', () => {
  const B = 'policy-site';
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'index.html', Body: 'policy home' }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'error.html', Body: 'policy error' }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: B,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}/*` }],
        }),
      }),
    );
  });

  it('serves objects; a missing key is 403 (absence is not revealed), with the ErrorDocument', async () => {
    await site(B, { IndexDocument: { Suffix: 'index.html' } });
    expect((await web(B, '/')).body).toBe('policy home');
    const missing = await web(B, '/nope');
    expect(missing.status).toBe(403);
    expect(missing.body).toContain('<title>403 Forbidden</title>');
    expect(pageItems(missing.body)).toMatchObject({ Code: 'AccessDenied', Message: 'Access Denied' });
    await site(B, { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } });
    const withDoc = await web(B, '/nope');
    expect([withDoc.status, withDoc.body]).toEqual([403, 'policy error']);
  });

  it('a Requester Pays bucket is refused on the website endpoint (anonymous requests never pay)', async () => {
    await s3.send(new PutBucketRequestPaymentCommand({ Bucket: B, RequestPaymentConfiguration: { Payer: 'Requester' } }));
    try {
      const r = await web(B, '/');
      expect(r.status).toBe(403);
      expect(pageItems(r.body).Code).toBe('AccessDenied');
    } finally {
      await s3.send(new PutBucketRequestPaymentCommand({ Bucket: B, RequestPaymentConfiguration: { Payer: 'BucketOwner' } }));
    }
  });
});

describe('redirects: RedirectAllRequestsTo and routing rules', () => {
  const B = 'rules';
  const host = () => `${B}.${DOMAIN}:${t.port}`;
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B, ACL: 'public-read' }));
    await put(B, 'index.html', 'rules home');
    await put(B, 'docs/a.html', 'doc a');
    await put(B, 'app/index.html', '<div id="app">spa</div>');
  });

  it('RedirectAllRequestsTo: 301 to the host, path and query kept', async () => {
    await site(B, { RedirectAllRequestsTo: { HostName: 'www.example.com' } });
    const r = await web(B, '/some/path.html?q=1');
    expect([r.status, r.headers.location]).toEqual([301, 'http://www.example.com/some/path.html?q=1']);
    await site(B, { RedirectAllRequestsTo: { HostName: 'www.example.com', Protocol: 'https' } });
    expect((await web(B, '/')).headers.location).toBe('https://www.example.com/');
  });

  it('KeyPrefixEquals rules redirect existing and missing keys; error-code rules only failed lookups; first match wins', async () => {
    await site(B, {
      IndexDocument: { Suffix: 'index.html' },
      RoutingRules: [
        { Condition: { KeyPrefixEquals: 'docs/' }, Redirect: { ReplaceKeyPrefixWith: 'documents/' } },
        {
          Condition: { KeyPrefixEquals: 'old/', HttpErrorCodeReturnedEquals: '404' },
          Redirect: { HostName: 'archive.example.com', Protocol: 'https', HttpRedirectCode: '302', ReplaceKeyWith: 'gone.html' },
        },
        { Condition: { HttpErrorCodeReturnedEquals: '404' }, Redirect: { ReplaceKeyWith: 'index.html', HttpRedirectCode: '307' } },
        { Condition: { KeyPrefixEquals: 'never/' }, Redirect: { HostName: 'unreachable.example.com' } },
      ],
    });
    const existing = await web(B, '/docs/a.html');
    expect([existing.status, existing.headers.location]).toEqual([301, `http://${host()}/documents/a.html`]);
    const old = await web(B, '/old/thing');
    expect([old.status, old.headers.location]).toEqual([302, 'https://archive.example.com/gone.html']);
    // the third rule catches other 404s; /never/x is missing, so rule 3 (earlier) wins over rule 4
    const other = await web(B, '/never/x');
    expect([other.status, other.headers.location]).toEqual([307, `http://${host()}/index.html`]);
    // an existing key matching no prefix rule is served
    expect((await web(B, '/')).body).toBe('rules home');
  });

  it('a rule without a Condition redirects every request', async () => {
    await site(B, {
      IndexDocument: { Suffix: 'index.html' },
      RoutingRules: [{ Redirect: { HostName: 'apples.example.com' } }, { Redirect: { HostName: 'second.example.com' } }],
    });
    const r = await web(B, '/any');
    expect([r.status, r.headers.location]).toEqual([301, 'http://apples.example.com/any']);
  });

  it('Cairn extension: x-cairn-ServeKey serves a fallback key with 200 for a 404 (single-page apps), never by default', async () => {
    await site(B, { IndexDocument: { Suffix: 'index.html' } });
    expect((await web(B, '/app/users/42')).status).toBe(404);
    const xml =
      '<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IndexDocument><Suffix>index.html</Suffix></IndexDocument>' +
      '<RoutingRules><RoutingRule><Condition><KeyPrefixEquals>app/</KeyPrefixEquals><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition>' +
      '<x-cairn-ServeKey>app/index.html</x-cairn-ServeKey></RoutingRule></RoutingRules></WebsiteConfiguration>';
    const stored = await rawRequest(t.endpoint, { method: 'PUT', path: `/${B}`, query: 'website', body: xml });
    expect(stored.status).toBe(200);
    const got = await rawRequest(t.endpoint, { method: 'GET', path: `/${B}`, query: 'website' });
    expect(got.body).toContain('<x-cairn-ServeKey>app/index.html</x-cairn-ServeKey>');
    const deep = await web(B, '/app/users/42');
    expect([deep.status, deep.body, deep.headers['content-type']]).toEqual([200, '<div id="app">spa</div>', 'text/html']);
    // only for the rule's prefix
    expect((await web(B, '/elsewhere')).status).toBe(404);
  });
});

describe('cairn serve --website-domain', () => {
  it('parses the flag (repeatable, none by default)', () => {
    expect(parseServeArgs([]).websiteDomains).toBeUndefined();
    expect(parseServeArgs(['--website-domain', 'a.test', '--website-domain', 'b.test']).websiteDomains).toEqual(['a.test', 'b.test']);
  });

  it('the real command serves a bucket as a website on the S3 port', async () => {
    const cli = await bundleCli('website');
    const data = mkdtempSync(join(tmpdir(), 'cairn-website-cli-'));
    const child = spawn(process.execPath, [cli, 'serve', '--data', data, '--port', '0', '--fsync', 'false', '--quiet', '--website-domain', 'web.test'], {
      env: { ...process.env, CAIRN_ACCESS_KEY_ID: ROOT_KEY, CAIRN_SECRET_ACCESS_KEY: ROOT_SECRET },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let stderr = '';
      const endpoint = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000);
        child.stderr!.on('data', (d: Buffer) => {
          stderr += d.toString();
          const m = /serving S3 on (http:\/\/\S+)[\s\S]*static websites: (\S+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.on('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
      });
      const port = new URL(endpoint).port;
      expect(stderr).toContain(`static websites: http://<bucket>.web.test:${port}`);
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: ROOT_KEY, secretAccessKey: ROOT_SECRET },
      });
      try {
        await client.send(new CreateBucketCommand({ Bucket: 'cli-site' }));
        await client.send(new PutObjectCommand({ Bucket: 'cli-site', Key: 'index.html', Body: 'from the cli', ACL: 'public-read' }));
        await client.send(new PutBucketWebsiteCommand({ Bucket: 'cli-site', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
      } finally {
        client.destroy();
      }
      const r = await rawRequest(endpoint, { method: 'GET', path: '/', host: `cli-site.web.test:${port}`, auth: 'none' });
      expect([r.status, r.body]).toEqual([200, 'from the cli']);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
