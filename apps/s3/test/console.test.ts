/**
 * The web console (apps/admin, served by the admin port) in real headless Chromium (Debian's
 * `chromium`, driven by playwright-core): wrong secret refused, sign in, create a bucket, upload
 * a 20 MiB file (multipart) while the progress bar moves, browse prefixes, a share link fetched
 * anonymously, restore an old version, policy errors in place, create a user and sign in as
 * them (they see only their buckets). Screenshots of every page go to test-output/console/
 * (gitignored); docs/ holds two of them for the README.
 * Missing chromium skips loudly locally and FAILS in CI (clientEnv.ts rule).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetBucketLifecycleConfigurationCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { requireClient } from './clients/clientEnv';
import { ROOT_KEY, ROOT_SECRET, startTestServer, type TestServer } from './helpers/server';

const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', 'test-output', 'console');
const BUCKET = 'console-demo';

if (requireClient('chromium', existsSync(CHROMIUM), 'apt-get install chromium')) {
  describe('web console in headless Chromium', () => {
    let t: TestServer;
    let context: BrowserContext;
    let page: Page;
    let profile: string;
    let files: string;
    let console_: string;
    let carol: { accessKeyId: string; secretAccessKey: string };

    const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    const alertText = () => page.locator('[role=alert]').first().innerText();
    async function signIn(accessKeyId: string, secret: string) {
      await page.goto(console_ + '/');
      await page.getByLabel('Access key ID').fill(accessKeyId);
      await page.getByLabel('Secret access key').fill(secret);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    async function signOut() {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Cairn' }).waitFor();
    }
    const bucketNames = async () =>
      (await page.getByRole('table', { name: 'Buckets' }).locator('tbody tr td:first-child').allInnerTexts()).map((s) => s.trim());

    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      t = await startTestServer({ adminPort: 0 });
      console_ = t.server.adminEndpoint!;
      files = mkdtempSync(join(tmpdir(), 'cairn-console-files-'));
      profile = mkdtempSync(join(tmpdir(), 'cairn-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1200, height: 800 },
        acceptDownloads: true,
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
      page = context.pages()[0] ?? (await context.newPage());
    }, 120_000);

    afterAll(async () => {
      await context?.close().catch(() => undefined);
      for (const d of [profile, files]) if (d) rmSync(d, { recursive: true, force: true });
      await t?.stop();
    });

    test('the page loads only from the admin port, with a strict CSP', async () => {
      const outside: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(console_) && !r.url().startsWith('data:')) outside.push(r.url());
      });
      const res = await page.goto(console_ + '/');
      expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.getByRole('heading', { name: 'Sign in to Cairn' }).waitFor();
      expect(outside).toEqual([]);
    });

    test('a wrong secret is refused', async () => {
      await signIn(ROOT_KEY, 'not-the-secret');
      expect(await alertText()).toContain('InvalidCredentials');
      await shot('01-sign-in-refused');
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    });

    test('root signs in and creates a versioned bucket', async () => {
      await signIn(ROOT_KEY, ROOT_SECRET);
      await page.getByRole('heading', { name: 'Buckets' }).waitFor();
      const cookie = (await context.cookies(console_)).find((c) => c.name === 'cairn_console')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      await page.getByLabel('Name').fill(BUCKET);
      await page.getByLabel('Versioning', { exact: true }).check();
      await page.getByRole('button', { name: 'Create bucket' }).click();
      await page.getByRole('link', { name: BUCKET }).waitFor();
      expect(await bucketNames()).toContain(BUCKET);
    });

    test('uploads a 20 MiB file with multipart while the progress bar moves', async () => {
      const data = randomBytes(20 * 1024 * 1024);
      const file = join(files, 'big.bin');
      writeFileSync(file, data);
      await page.getByRole('link', { name: BUCKET }).click();
      await page.getByRole('heading', { name: `Bucket ${BUCKET}` }).waitFor();
      await page.getByLabel('Files').setInputFiles(file);
      // Sample the progress bar's value while the upload runs.
      // (a string: this runs in the page, whose DOM types the test's tsconfig does not include)
      await page.evaluate(`window.samples = []; setInterval(() => {
        const p = document.getElementById('upload-progress');
        if (p) window.samples.push(p.value);
      }, 5);`);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.getByText('Uploaded big.bin.').waitFor({ timeout: 60_000 });
      const samples = (await page.evaluate('window.samples')) as number[];
      const between = [...new Set(samples.filter((v) => v > 0 && v < data.length))];
      console.log(`progress bar: ${samples.length} samples, ${between.length} distinct values between 0 and 20 MiB`);
      expect(between.length).toBeGreaterThanOrEqual(2);
      expect(Math.max(...samples)).toBe(data.length);
      await shot('03-objects');
      const head = await t.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big.bin' }));
      expect(head.ContentLength).toBe(data.length);
      expect(head.ETag).toMatch(/-3"$/); // 8 + 8 + 4 MiB parts
      const got = Buffer.from(await (await t.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big.bin' }))).Body!.transformToByteArray());
      expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    });

    test('browses prefixes, shares a link that works anonymously, restores an old version', async () => {
      const s3 = t.client();
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', Body: 'first version' }));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt', Body: 'second version' }));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'docs/deep/inner.txt', Body: 'x' }));
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.getByRole('link', { name: 'docs/' }).click();
      await page.getByRole('cell', { name: 'readme.txt', exact: true }).waitFor();
      expect(await page.getByRole('link', { name: 'deep/' }).count()).toBe(1);
      expect(await page.getByRole('cell', { name: 'big.bin', exact: true }).count()).toBe(0);

      await page.getByRole('button', { name: 'Share docs/readme.txt' }).click();
      await page.getByLabel('Link valid for').selectOption('86400');
      await page.getByRole('button', { name: 'Create link' }).click();
      const url = await page.locator('#share-url').inputValue();
      expect(url.startsWith(`http://127.0.0.1:${t.port}/${BUCKET}/docs/readme.txt?`)).toBe(true);
      expect(url).toContain('X-Amz-Expires=86400');
      const anon = await fetch(url); // no credentials, no cookie
      expect(anon.status).toBe(200);
      expect(await anon.text()).toBe('second version');
      await shot('04-share-link');

      await page.getByRole('button', { name: 'Show versions' }).click();
      const older = page.getByRole('button', { name: /^Restore version .* of docs\/readme.txt$/ });
      await older.first().waitFor();
      await older.first().click();
      await page.getByText(/^Restored docs\/readme.txt from version/).waitFor();
      const now = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'docs/readme.txt' }))).Body!.transformToString();
      expect(now).toBe('first version');
      await shot('05-versions');
    });

    test('bucket settings: versioning state, policy validation errors shown in place', async () => {
      await page.goto(`${console_}/#/b/${BUCKET}/settings`);
      await page.getByRole('heading', { name: `Settings of ${BUCKET}` }).waitFor();
      await page.locator('#versioning-status', { hasText: /^Enabled$/ }).waitFor();
      await page
        .getByLabel('Policy (JSON)')
        .fill('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}]}');
      await page.getByRole('button', { name: 'Save policy' }).click();
      const err = page.locator('#policy-error');
      await err.waitFor();
      expect(await err.innerText()).toMatch(/MalformedPolicy: .*resource/i);
      await page
        .getByLabel('Policy (JSON)')
        .fill(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::${BUCKET}/docs/*"}]}`);
      await page.getByRole('button', { name: 'Save policy' }).click();
      await page.getByText('Policy saved.').waitFor();
      expect((await fetch(`${t.endpoint}/${BUCKET}/docs/readme.txt`)).status).toBe(200); // now public

      // A lifecycle rule: an invalid one shows S3's error in place, a valid one is stored.
      const lifecycle = page.getByLabel('Lifecycle rules configuration (XML)');
      await lifecycle.fill(
        '<LifecycleConfiguration><Rule><ID>bad</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule></LifecycleConfiguration>',
      );
      await page.getByRole('button', { name: 'Save Lifecycle rules' }).click();
      await page.locator('#doc-lifecycle-error').waitFor();
      expect(await page.locator('#doc-lifecycle-error').innerText()).toMatch(/InvalidArgument/);
      await lifecycle.fill(
        '<LifecycleConfiguration><Rule><ID>expire-logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule></LifecycleConfiguration>',
      );
      await page.getByRole('button', { name: 'Save Lifecycle rules' }).click();
      await page.getByText('Lifecycle rules saved.').waitFor();
      const stored = await t.client().send(new GetBucketLifecycleConfigurationCommand({ Bucket: BUCKET }));
      expect(stored.Rules?.map((r) => [r.ID, r.Filter?.Prefix, r.Expiration?.Days])).toEqual([['expire-logs', 'logs/', 30]]);
      await shot('06-settings');
    });

    test('users & keys, usage and workers pages', async () => {
      const off = t.server.metrics.registerWorkerMetricsSource(() => [{ worker: 'replication:zone-b', backlog: 3, oldestSeconds: 42, errors: 1 }]);
      try {
        await page.goto(`${console_}/#/workers`);
        await page.getByRole('cell', { name: 'replication:zone-b' }).waitFor();
        await page.getByRole('cell', { name: 'lifecycle', exact: true }).first().waitFor(); // the running worker
        await shot('09-workers');
      } finally {
        off();
      }
      await page.goto(`${console_}/#/usage`);
      await page.locator('#logical-bytes', { hasText: /MiB/ }).waitFor(); // the 20 MiB upload
      await shot('08-usage');

      await page.goto(`${console_}/#/users`);
      await page.getByRole('heading', { name: 'Users & keys' }).waitFor();
      await page.getByLabel('User ID').fill('carol');
      await page.getByLabel('Display name').fill('Carol');
      await page.getByRole('button', { name: 'Create user' }).click();
      await page.locator('#new-secret-key').waitFor();
      carol = { accessKeyId: await page.locator('#new-access-key').innerText(), secretAccessKey: await page.locator('#new-secret-key').innerText() };
      expect(carol.secretAccessKey.length).toBeGreaterThanOrEqual(20);
      await shot('07-users');
      await page.getByRole('button', { name: 'I have stored it' }).click();
      expect(await page.locator('#new-secret-key').count()).toBe(0);
    });

    test('a created user signs in and sees only their own buckets', async () => {
      await signOut();
      await signIn(carol.accessKeyId, 'wrong' + carol.secretAccessKey);
      expect(await alertText()).toContain('InvalidCredentials');
      await signIn(carol.accessKeyId, carol.secretAccessKey);
      await page.getByRole('heading', { name: 'Buckets' }).waitFor();
      expect(await page.getByRole('link', { name: 'Users & keys' }).count()).toBe(0);
      await page.getByText('No buckets yet.').waitFor();
      await page.getByLabel('Name').fill('carol-photos');
      await page.getByRole('button', { name: 'Create bucket' }).click();
      await page.getByRole('link', { name: 'carol-photos' }).waitFor();
      expect(await bucketNames()).toEqual(['carol-photos']);
      // the bucket belongs to carol (S3 says so with her keys)
      const mine = await t.client(carol).send(new ListBucketsCommand({}));
      expect(mine.Buckets!.map((b) => b.Name)).toEqual(['carol-photos']);
      // root's bucket is not reachable through her console session
      await page.goto(`${console_}/#/b/${BUCKET}`);
      expect(await alertText()).toContain('AccessDenied');
      // the admin API refuses her session
      expect(await page.evaluate(async () => (await fetch('/admin/users', { headers: { 'x-cairn-console': '1' } })).status)).toBe(403);
      await page.goto(`${console_}/#/buckets`);
      await page.getByRole('link', { name: 'carol-photos' }).waitFor();
      await page.setViewportSize({ width: 390, height: 844 });
      await shot('10-phone-buckets');
      await page.setViewportSize({ width: 1200, height: 800 });
      await signOut();
      await signIn(ROOT_KEY, ROOT_SECRET);
      await page.getByRole('link', { name: 'carol-photos' }).waitFor();
      expect(await bucketNames()).toEqual(['carol-photos', BUCKET]); // root sees every bucket, sorted
      await shot('02-buckets');
    });
  });
}
