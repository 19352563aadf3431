/**
 * The console's session and CSRF rules over plain HTTP (the browser flow is console.test.ts):
 * cookie attributes, the console header on every console call, S3 proxy access only with a
 * session, root-only admin API, and sessions ending when their key is deleted.
 */
import { AdminClient } from '@cairn/admin';
import { startTestServer, ROOT_KEY, ROOT_SECRET, type TestServer } from './helpers/server';

describe('console sessions', () => {
  let t: TestServer;
  let base: string;
  const H = { 'x-cairn-console': '1', 'content-type': 'application/json' };
  const signIn = (accessKeyId: string, secretAccessKey: string, headers: Record<string, string> = H) =>
    fetch(`${base}/console/api/session`, { method: 'POST', headers, body: JSON.stringify({ accessKeyId, secretAccessKey }) });
  const cookieOf = (r: Response) => r.headers.get('set-cookie')!.split(';')[0];

  beforeAll(async () => {
    t = await startTestServer({ adminPort: 0 });
    base = t.server.adminEndpoint!;
  });
  afterAll(() => t.stop());

  it('sign-in sets an HttpOnly SameSite=Strict cookie; wrong secrets and missing header are refused', async () => {
    const ok = await signIn(ROOT_KEY, ROOT_SECRET);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ userId: 'root', accessKeyId: ROOT_KEY, root: true });
    expect(ok.headers.get('set-cookie')).toMatch(/^cairn_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect((await signIn(ROOT_KEY, ROOT_SECRET + 'x')).status).toBe(401);
    expect((await signIn('NOSUCHKEY', 'x')).status).toBe(401);
    // a cross-site form can't add the header: refused before credentials are even checked
    expect((await signIn(ROOT_KEY, ROOT_SECRET, { 'content-type': 'application/json' })).status).toBe(403);
  });

  it('the S3 proxy needs a session and the console header', async () => {
    const cookie = cookieOf(await signIn(ROOT_KEY, ROOT_SECRET));
    expect((await fetch(`${base}/console/s3/`, { headers: { 'x-cairn-console': '1' } })).status).toBe(401);
    expect((await fetch(`${base}/console/s3/`, { headers: { cookie } })).status).toBe(403);
    const r = await fetch(`${base}/console/s3/`, { headers: { cookie, 'x-cairn-console': '1' } });
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<ListAllMyBucketsResult');
    // writes go through S3 (its validation and error codes)
    const bad = await fetch(`${base}/console/s3/Bad_Name`, { method: 'PUT', headers: { cookie, 'x-cairn-console': '1' } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<Code>InvalidBucketName</Code>');
  });

  it('the admin API accepts a root session (with the header) but not a user session; deleting the key ends the session', async () => {
    const admin = new AdminClient(base, ROOT_KEY, ROOT_SECRET);
    const created = (await admin.createUser({ id: 'dora' })) as { accessKey: { accessKeyId: string; secretAccessKey: string } };
    const root = cookieOf(await signIn(ROOT_KEY, ROOT_SECRET));
    expect((await fetch(`${base}/admin/users`, { headers: { cookie: root, 'x-cairn-console': '1' } })).status).toBe(200);
    expect((await fetch(`${base}/admin/users`, { headers: { cookie: root } })).status).toBe(403);
    const dora = cookieOf(await signIn(created.accessKey.accessKeyId, created.accessKey.secretAccessKey));
    expect((await fetch(`${base}/admin/users`, { headers: { cookie: dora, 'x-cairn-console': '1' } })).status).toBe(403);
    expect((await fetch(`${base}/console/api/session`, { headers: { cookie: dora } })).status).toBe(200);
    await admin.deleteKey('dora', created.accessKey.accessKeyId);
    expect((await fetch(`${base}/console/api/session`, { headers: { cookie: dora } })).status).toBe(401);
  });

  it('a presigned share link is signed with the caller key and expires as asked', async () => {
    const cookie = cookieOf(await signIn(ROOT_KEY, ROOT_SECRET));
    const bad = await fetch(`${base}/console/api/presign`, {
      method: 'POST',
      headers: { ...H, cookie },
      body: JSON.stringify({ bucket: 'b', key: 'k', expiresSeconds: 8 * 24 * 3600 }),
    });
    expect(bad.status).toBe(400);
    const r = await fetch(`${base}/console/api/presign`, {
      method: 'POST',
      headers: { ...H, cookie },
      body: JSON.stringify({ bucket: 'b', key: 'a b/c', expiresSeconds: 60 }),
    });
    const { url } = (await r.json()) as { url: string };
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${t.port}/b/a%20b/c\\?`));
    expect(url).toContain(`X-Amz-Credential=${ROOT_KEY}%2F`);
    expect(url).toContain('X-Amz-Expires=60');
  });
});
