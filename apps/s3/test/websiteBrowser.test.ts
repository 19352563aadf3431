/**
 * A static site served from a bucket, loaded by real headless Chromium (Debian's `chromium`,
 * driven by playwright-core) from `http://site.s3-website.localhost:<port>/` — Chromium resolves
 * every `*.localhost` name to the loopback address itself, so no DNS or proxy is involved and the
 * Host header is exactly what a visitor's browser sends. The test checks what is rendered: the
 * index page with its stylesheet applied and its image decoded, a nested page reached by clicking
 * a link (through the 302 to `…/`), the custom 404 page for a missing page, and a routing-rule
 * redirect. Screenshots go to apps/s3/test-output/website/ (git-ignored).
 * Missing chromium skips loudly locally and FAILS in CI (clientEnv.ts rule).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireClient } from './clients/clientEnv';
import { startTestServer, type TestServer } from './helpers/server';

const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
const OUTPUT = join(__dirname, '..', 'test-output', 'website');
const BUCKET = 'site';

/** A solid-colour RGB PNG of w×h pixels (a real image the browser must decode). */
function png(w: number, h: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3).map((_, i) => rgb[i % 3])]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const FILES: Record<string, { body: string | Buffer; type: string }> = {
  'index.html': {
    type: 'text/html; charset=utf-8',
    body: `<!doctype html><html><head><title>Cairn Static Site</title><link rel="stylesheet" href="/css/site.css"></head>
<body><h1 id="headline">Hosted on Cairn</h1><img id="logo" src="img/logo.png" alt="logo">
<p><a id="guide-link" href="/docs/guide">Read the guide</a></p></body></html>`,
  },
  'css/site.css': {
    type: 'text/css',
    body: 'body { background: rgb(20, 40, 60); color: rgb(240, 240, 240); font-family: sans-serif; }\nh1 { color: rgb(255, 200, 0); }\n',
  },
  'img/logo.png': { type: 'image/png', body: png(64, 32, [0, 160, 90]) },
  'docs/guide/index.html': {
    type: 'text/html; charset=utf-8',
    body: '<!doctype html><html><head><title>Guide</title><link rel="stylesheet" href="/css/site.css"></head><body><h1 id="headline">The guide</h1><p id="body">Nested page</p></body></html>',
  },
  'errors/404.html': {
    type: 'text/html; charset=utf-8',
    body: '<!doctype html><html><head><title>Page not found</title></head><body><h1 id="headline">Nothing here</h1><p>Custom 404 page</p></body></html>',
  },
};

if (requireClient('chromium', existsSync(CHROMIUM), 'apt-get install chromium')) {
  describe('a static site in headless Chromium', () => {
    let t: TestServer;
    let context: BrowserContext;
    let profile: string;
    let origin: string;

    beforeAll(async () => {
      t = await startTestServer({ websiteDomains: ['s3-website.localhost'] });
      origin = `http://${BUCKET}.s3-website.localhost:${t.port}`;
      const s3 = t.client();
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      for (const [Key, f] of Object.entries(FILES)) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: f.body, ContentType: f.type }));
      // the README's public-read policy (ListBucket too, so that a missing page is a 404, not a 403, as on S3)
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: BUCKET,
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
              { Sid: 'PublicList', Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}` },
            ],
          }),
        }),
      );
      await s3.send(
        new PutBucketWebsiteCommand({
          Bucket: BUCKET,
          WebsiteConfiguration: {
            IndexDocument: { Suffix: 'index.html' },
            ErrorDocument: { Key: 'errors/404.html' },
            RoutingRules: [{ Condition: { KeyPrefixEquals: 'old-docs/' }, Redirect: { ReplaceKeyPrefixWith: 'docs/' } }],
          },
        }),
      );
      mkdirSync(OUTPUT, { recursive: true });
      profile = mkdtempSync(join(tmpdir(), 'cairn-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 800, height: 500 },
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
      await t?.stop();
    });

    async function withPage(fn: (p: Page) => Promise<void>): Promise<void> {
      const p = await context.newPage();
      try {
        await fn(p);
      } finally {
        await p.close();
      }
    }

    // Page-side code is typed without the DOM lib (the test tsconfig has none).
    type PageGlobals = { getComputedStyle(el: unknown): Record<string, string> };
    const color = (p: Page, selector: string, prop: 'color' | 'backgroundColor') =>
      p.$eval(selector, (el, prop) => (globalThis as unknown as PageGlobals).getComputedStyle(el)[prop], prop);

    test('the index page renders with its stylesheet and image; a link leads to a nested page', async () => {
      await withPage(async (p) => {
        const res = await p.goto(`${origin}/`);
        expect(res!.status()).toBe(200);
        expect(await p.title()).toBe('Cairn Static Site');
        expect(await p.textContent('#headline')).toBe('Hosted on Cairn');
        expect(await color(p, '#headline', 'color')).toBe('rgb(255, 200, 0)');
        expect(await color(p, 'body', 'backgroundColor')).toBe('rgb(20, 40, 60)');
        await p.waitForFunction("document.getElementById('logo').complete");
        expect(
          await p.$eval('#logo', (img) => [
            (img as unknown as { naturalWidth: number }).naturalWidth,
            (img as unknown as { naturalHeight: number }).naturalHeight,
          ]),
        ).toEqual([64, 32]);
        await p.screenshot({ path: join(OUTPUT, '1-index.png') });

        await Promise.all([p.waitForURL(`${origin}/docs/guide/`), p.click('#guide-link')]); // /docs/guide → 302 → /docs/guide/
        expect(await p.title()).toBe('Guide');
        expect(await p.textContent('#body')).toBe('Nested page');
        expect(await color(p, '#headline', 'color')).toBe('rgb(255, 200, 0)');
        await p.screenshot({ path: join(OUTPUT, '2-nested.png') });
      });
    });

    test('a missing page shows the custom 404 page with status 404', async () => {
      await withPage(async (p) => {
        const res = await p.goto(`${origin}/no/such/page.html`);
        expect(res!.status()).toBe(404);
        expect(await p.title()).toBe('Page not found');
        expect(await p.textContent('#headline')).toBe('Nothing here');
        await p.screenshot({ path: join(OUTPUT, '3-not-found.png') });
      });
    });

    test('a routing rule redirects old URLs to the new place', async () => {
      await withPage(async (p) => {
        const res = await p.goto(`${origin}/old-docs/guide/`);
        expect(res!.status()).toBe(200);
        expect(p.url()).toBe(`${origin}/docs/guide/`);
        expect(res!.request().redirectedFrom()?.url()).toBe(`${origin}/old-docs/guide/`);
        expect(await p.title()).toBe('Guide');
        await p.screenshot({ path: join(OUTPUT, '4-redirected.png') });
      });
    });
  });
}
