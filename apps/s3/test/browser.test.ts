/**
 * Real headless Chromium (Debian's `chromium`, driven by playwright-core) uploading to Cairn from
 * a page served by another local server (so every request is cross-origin):
 *   1. a plain HTML form POSTed to the bucket with a SigV4-signed POST policy (a navigation,
 *      ending in a 303 to success_action_redirect on the page's origin);
 *   2. fetch() PUT to a presigned URL (CORS: preflight + actual request; the page reads the
 *      exposed ETag header), and fetch() with FormData (a CORS POST Object).
 * Missing chromium skips loudly locally and FAILS in CI (clientEnv.ts rule).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { chromium, type BrowserContext } from 'playwright-core';
import { requireClient } from './clients/clientEnv';
import { signPostV4 } from './helpers/postForm';
import { startTestServer, type TestServer } from './helpers/server';

const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
const BUCKET = 'browser-uploads';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

if (requireClient('chromium', existsSync(CHROMIUM), 'apt-get install chromium')) {
  describe('uploads from headless Chromium', () => {
    let t: TestServer;
    let page: http.Server;
    let pageOrigin: string;
    let context: BrowserContext;
    let profile: string;
    let formHtml = '';

    beforeAll(async () => {
      t = await startTestServer();
      const s3 = t.client();
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

      page = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        if (url.pathname === '/form') res.end(formHtml);
        else if (url.pathname === '/done') res.end(`<html><body id="done">${escapeHtml(url.search)}</body></html>`);
        else res.end('<html><body>page</body></html>');
      });
      await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
      pageOrigin = `http://127.0.0.1:${(page.address() as { port: number }).port}`;

      await s3.send(
        new PutBucketCorsCommand({
          Bucket: BUCKET,
          CORSConfiguration: {
            CORSRules: [
              { AllowedOrigins: [pageOrigin], AllowedMethods: ['GET', 'PUT', 'POST'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 60 },
            ],
          },
        }),
      );

      profile = mkdtempSync(join(tmpdir(), 'cairn-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
          '--disable-dev-shm-usage',
        ],
      });
    }, 120_000);

    afterAll(async () => {
      await context?.close().catch(() => undefined);
      if (profile) rmSync(profile, { recursive: true, force: true });
      await new Promise<void>((r) => (page ? page.close(() => r()) : r()));
      await t?.stop();
    });

    async function objectBytes(key: string): Promise<Buffer> {
      const r = await t.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    }

    test('an HTML form POSTs a file with a signed policy and lands on success_action_redirect', async () => {
      const redirect = `${pageOrigin}/done`;
      const { fields } = signPostV4(
        BUCKET,
        [
          ['key', 'form/${filename}'],
          ['Content-Type', 'text/plain'],
          ['success_action_redirect', redirect],
        ],
        [
          ['starts-with', '$key', 'form/'],
          ['starts-with', '$Content-Type', 'text/'],
          { success_action_redirect: redirect },
          ['content-length-range', 1, 1 << 20],
        ],
      );
      const inputs = fields.map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('\n');
      formHtml = `<html><body><form id="f" method="post" enctype="multipart/form-data" action="${t.endpoint}/${BUCKET}">
${inputs}
<input type="file" name="file" id="file">
<input type="submit" id="go" value="Upload">
</form></body></html>`;
      const content = 'uploaded by a real browser form\n';
      const tab = await context.newPage();
      try {
        await tab.goto(`${pageOrigin}/form`);
        await tab.setInputFiles('#file', { name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from(content) });
        await Promise.all([tab.waitForURL(`${pageOrigin}/done**`), tab.click('#go')]);
        const landed = new URL(tab.url());
        expect(landed.searchParams.get('bucket')).toBe(BUCKET);
        expect(landed.searchParams.get('key')).toBe('form/note.txt');
        expect(landed.searchParams.get('etag')).toBe(`"${createHash('md5').update(content).digest('hex')}"`);
      } finally {
        await tab.close();
      }
      expect((await objectBytes('form/note.txt')).toString()).toBe(content);
    });

    test('fetch() PUTs to a presigned URL and POSTs FormData across origins (CORS)', async () => {
      const putUrl = await getSignedUrl(t.client(), new PutObjectCommand({ Bucket: BUCKET, Key: 'fetch/presigned.bin' }), { expiresIn: 600 });
      const { fields } = signPostV4(BUCKET, [['key', 'fetch/form-data.txt']], [['eq', '$key', 'fetch/form-data.txt']]);
      const tab = await context.newPage();
      try {
        await tab.goto(`${pageOrigin}/`);
        const result = await tab.evaluate(
          async ({ putUrl, postUrl, fields }) => {
            const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 251);
            const put = await fetch(putUrl, { method: 'PUT', body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
            const form = new FormData();
            for (const [k, v] of fields) form.append(k, v);
            form.append('file', new Blob(['sent with fetch and FormData']), 'x.txt');
            const post = await fetch(postUrl, { method: 'POST', body: form });
            return { putStatus: put.status, putEtag: put.headers.get('ETag'), postStatus: post.status, postEtag: post.headers.get('ETag') };
          },
          { putUrl, postUrl: `${t.endpoint}/${BUCKET}`, fields },
        );
        const expectedPut = Buffer.from(new Uint8Array(70_000).map((_, i) => (i * 7) % 251));
        expect(result).toEqual({
          putStatus: 200,
          putEtag: `"${createHash('md5').update(expectedPut).digest('hex')}"`,
          postStatus: 204,
          postEtag: `"${createHash('md5').update('sent with fetch and FormData').digest('hex')}"`,
        });
        expect((await objectBytes('fetch/presigned.bin')).equals(expectedPut)).toBe(true);
        expect((await objectBytes('fetch/form-data.txt')).toString()).toBe('sent with fetch and FormData');

        // Without a matching rule the browser refuses: another origin's page cannot read the response.
        await t.client().send(
          new PutBucketCorsCommand({
            Bucket: BUCKET,
            CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://elsewhere.example'], AllowedMethods: ['PUT'] }] },
          }),
        );
        const blocked = await tab.evaluate(async (url) => {
          try {
            await fetch(url, { method: 'PUT', body: 'x', headers: { 'Content-Type': 'application/octet-stream' } });
            return 'allowed';
          } catch (e) {
            return 'blocked: ' + String(e);
          }
        }, putUrl);
        expect(blocked).toMatch(/^blocked/);
      } finally {
        await tab.close();
      }
    });
  });
}
